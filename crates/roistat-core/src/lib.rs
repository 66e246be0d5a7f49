//! The sans-IO core of the Roistat SDK.
//!
//! Everything the clients do that is not I/O lives here, as pure functions and state
//! machines with no sockets, no sleeping and no clock of their own:
//!
//! - [`Config`] and [`ApiKey`]: where and as whom to call (HTTPS enforced off loopback);
//! - [`Endpoint`] and the nine [`endpoints`]: what each operation sends and returns;
//! - [`prepare`]: an operation becomes an `http::Request<Vec<u8>>`;
//! - [`decode()`]: a response's bytes become the typed output or a typed [`Error`];
//! - [`retry`]: whether and when to try again ([`RetryPolicy::decide`]);
//! - [`ratelimit`]: when the next request may go ([`RateLimiter`], sliding windows);
//! - [`pager`]: which page to fetch next ([`Pager`]);
//! - [`exchange`]: one call from rate-limit slot to answer, with retries and deadline
//!   ([`Exchange`]), driven identically by both clients;
//! - [`bulk`]: batching an upload and accounting for every batch ([`BulkReport`]);
//! - [`client_builder`]: the builder both clients share ([`ClientBuilder`]).
//!
//! The blocking (`roistat-blocking`) and async (`roistat-async`) clients are short loops
//! around these: acquire a rate-limit slot, `prepare`, send, `decode`, and on failure ask
//! the retry policy how long to sleep.
//!
//! ```
//! use roistat_core::{ApiKey, Config, prepare};
//! use roistat_core::endpoints::ListOrders;
//! use roistat_core::types::{Filter, ListOrdersRequest, ProjectId, StatusFunnel};
//!
//! let config = Config::new(ProjectId::new(12345), ApiKey::new("my-api-key")?);
//! let list = ListOrders::new(
//!     ListOrdersRequest::new()
//!         .filter(Filter::status(StatusFunnel::Paid))
//!         .limit(100),
//! )?;
//! let request = prepare(&config, &list)?;
//! println!("{} {}", request.method(), request.uri());
//! assert_eq!(
//!     request.uri(),
//!     "https://cloud.roistat.com/api/v1/project/integration/order/list?project=12345"
//! );
//! assert_eq!(
//!     std::str::from_utf8(request.body())?,
//!     r#"{"filters":[["status","=","1"]],"limit":100}"#
//! );
//! // The key travels in a header marked sensitive, never in the URL or a Debug print.
//! assert!(request.headers()["api-key"].is_sensitive());
//! assert!(!format!("{request:?}").contains("my-api-key"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod bulk;
pub mod client_builder;
pub mod config;
pub mod decode;
pub mod endpoint;
pub mod endpoints;
pub mod error;
pub mod exchange;
pub mod pager;
pub mod ratelimit;
pub mod retry;

/// The data crate, re-exported: every model, id and the filter DSL.
pub use roistat_types as types;

pub use bulk::{BatchResult, Batches, BulkReport};
pub use client_builder::{ClientBuilder, FromSettings, Settings};
pub use config::{ApiKey, Config, ConfigBuilder};
pub use decode::{DecodeOptions, decode, decode_body, decode_response, decode_with};
pub use endpoint::{Endpoint, Path, prepare};
pub use error::{ApiError, Error, Phase, RequestState};
pub use exchange::{Exchange, Finish, Step, Timeouts};
pub use pager::{Pager, Progress, best_page_size};
pub use ratelimit::{Admission, RateClass, RateLimiter, ScheduleConfig};
pub use retry::{Outcome, RetryAfter, RetryDecision, RetryPolicy, RetrySafety};
