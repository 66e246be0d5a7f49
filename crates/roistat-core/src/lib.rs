//! The sans-IO core of the Roistat SDK.
//!
//! Everything the clients do that is not I/O lives here, as pure functions and state
//! machines with no sockets, no sleeping and no clock of their own:
//!
//! - [`Config`] and [`ApiKey`]: where and as whom to call (HTTPS enforced off loopback);
//! - [`Endpoint`] and the nine [`endpoints`]: what each operation sends and returns;
//! - [`prepare`]: an operation becomes an `http::Request<Vec<u8>>`;
//! - [`decode()`]: a response's bytes become the typed output or a typed [`Error`];
//! - [`redact`]: the API key taken out of an error whose body echoed it ([`redact_secret`]);
//! - [`retry`]: whether and when to try again ([`RetryPolicy::decide`]);
//! - [`ratelimit`]: when the next request may go ([`RateLimiter`], sliding windows);
//! - [`walk`]: a whole order-list walk, exactly once while the list changes, several
//!   pages in flight ([`Walk`]); [`page_size`]: the fastest page size;
//! - [`call`]: one call from rate-limit slot to decoded answer, with retries, deadline
//!   and cancellation ([`Call`]), driven identically by both clients;
//! - [`engine`]: what a client shares across calls and clones: configuration, policy,
//!   limiter, jitter, cancel handle, wait observer ([`Engine`]);
//! - [`cancel`]: cancelling every wait from another thread ([`CancelHandle`]);
//! - [`transport`]: what an executor reports after an attempt, and the body-size cap;
//! - [`bulk`]: the upload state machine and the account of every batch ([`Upload`]);
//! - [`client_builder`]: the builder both clients share ([`ClientBuilder`]).
//!
//! The blocking (`roistat-blocking`) and async (`roistat-async`) clients only do I/O:
//! they drive a [`Call`] (send its request, hand back the answer's parts, sleep when it
//! says so) and adapt the paging and upload state machines to an iterator or a stream.
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
pub mod call;
pub mod cancel;
mod client_basics;
pub mod client_builder;
pub mod config;
pub mod decode;
pub mod endpoint;
pub mod endpoints;
pub mod engine;
pub mod error;
pub mod page_size;
pub mod ratelimit;
pub mod redact;
pub mod retry;
mod rng;
pub mod transport;
pub mod walk;
pub mod walk_driver;

/// The data crate, re-exported: every model, id and the filter DSL.
pub use roistat_types as types;

pub use bulk::{Batch, BatchResult, Batches, BulkReport, Upload, UploadStep};
pub use call::{Call, Step, Timeouts};
pub use cancel::CancelHandle;
pub use client_builder::{ClientBuilder, FromEngine};
pub use config::{ApiKey, Config, ConfigBuilder};
pub use decode::{DecodeOptions, decode, decode_body, decode_response, decode_with};
pub use endpoint::{Endpoint, Path, prepare};
pub use engine::{Engine, WaitEvent, WaitObserver, WaitReason};
pub use error::{ApiError, Classification, Error, FailureKind, RequestState};
pub use page_size::{DEFAULT_MAX_PAGE_SIZE, best_page_size};
pub use ratelimit::{Admission, RateClass, RateLimiter, ScheduleConfig};
pub use redact::redact_secret;
pub use retry::{RetryAfter, RetryDecision, RetryPolicy, RetrySafety};
pub use transport::Response;
pub use walk::{Fetch, FetchId, Walk, WalkConfig, WalkReport, WalkStep};
pub use walk_driver::{WalkAction, WalkSession};
