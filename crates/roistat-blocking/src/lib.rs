//! A blocking client for the [Roistat] Orders API, on [`ureq`].
//!
//! The client is a thin executor: every request is prepared, rate-limited, retried and
//! decoded by [`roistat_core`]; this crate sends the bytes and sleeps when core says so.
//! Its async twin, `roistat-async`, has the same method names.
//!
//! ```no_run
//! use roistat_blocking::Client;
//! use roistat_blocking::types::{Filter, ListOrdersRequest, StatusFunnel};
//!
//! let client = Client::builder()
//!     .project(12345)
//!     .api_key(std::env::var("ROISTAT_API_KEY")?)
//!     .build()?;
//!
//! // One page.
//! let page = client.list_orders(ListOrdersRequest::new().limit(10))?;
//! println!("{} orders in all", page.total);
//!
//! // Every paid order, page after page under the documented rate limits.
//! for order in client.orders(ListOrdersRequest::new().filter(Filter::status(StatusFunnel::Paid))) {
//!     let order = order?;
//!     println!("{} {:?}", order.id, order.revenue);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What the client guarantees:
//! - HTTPS by default (`http://` only on loopback or by explicit opt-in), rustls by
//!   default (feature `native-tls` for the platform's TLS);
//! - the API key only ever travels in the `Api-key` header and never appears in
//!   `Debug`, errors or this SDK's logs (one caveat below);
//! - connect, per-attempt and total timeouts, none infinite;
//! - retries only where core's policy allows (never an operation that may have been
//!   applied unless repeating it is harmless);
//! - the documented rate limits, shared by all clones of a client.
//!
//! **Caveat, third-party logging:** this SDK never logs the key, but ureq's protocol
//! layer (`ureq_proto`) can: it hex-dumps the raw bytes it writes, headers included,
//! through the `log` crate at TRACE level (target `ureq_proto::util`). If your program
//! enables `log` TRACE for that target, the `Api-key` header is in those lines. The
//! client checks at each send and, the first time it finds that target enabled at
//! TRACE, warns once (`tracing` WARN, target `roistat_blocking`) naming the filter that
//! keeps the key out: `ureq_proto=debug` (with `env_logger`:
//! `RUST_LOG=trace,ureq_proto=debug`). The async client has no such layer.
//!
//! [Roistat]: https://roistat.com
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod bulk;
mod client;
mod orders;
mod resolver;
mod transport;

pub use bulk::BulkUpload;
pub use client::Client;
pub use orders::Orders;

/// The operations as values, for [`Client::send`] (and your own [`Endpoint`]s).
pub use roistat_core::endpoints;
/// The models and the filter DSL, re-exported from `roistat-types`.
pub use roistat_core::types;
pub use roistat_core::{
    BatchResult, BulkReport, CancelHandle, ClientBuilder, Endpoint, Error, RequestState,
    RetryPolicy, ScheduleConfig, Timeouts, WaitEvent, WaitReason, WalkReport,
};
