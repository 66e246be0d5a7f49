//! An async client for the [Roistat] Orders API, on [`reqwest`] and tokio.
//!
//! The client is a thin executor: every request is prepared, rate-limited, retried and
//! decoded by [`roistat_core`]; this crate sends the bytes and sleeps when core says so.
//! Its blocking twin, `roistat-blocking`, has the same method names; both can live in
//! one binary.
//!
//! ```no_run
//! use roistat_async::Client;
//! use roistat_async::types::{Filter, ListOrdersRequest, StatusFunnel};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .project(12345)
//!     .api_key(std::env::var("ROISTAT_API_KEY")?)
//!     .build()?;
//!
//! // One page.
//! let page = client.list_orders(ListOrdersRequest::new().limit(10)).await?;
//! println!("{} orders in all", page.total);
//!
//! // Every paid order, page after page under the documented rate limits.
//! let mut paid = client.orders(ListOrdersRequest::new().filter(Filter::status(StatusFunnel::Paid)));
//! while let Some(order) = paid.next().await {
//!     let order = order?;
//!     println!("{} {:?}", order.id, order.revenue);
//! }
//! # Ok(()) }
//! ```
//!
//! What the client guarantees:
//! - HTTPS by default (`http://` only on loopback or by explicit opt-in), rustls by
//!   default (feature `native-tls` for the platform's TLS);
//! - no blocking thread: waits are `tokio::time` sleeps;
//! - the API key only ever travels in the `Api-key` header and never appears in
//!   `Debug`, errors or logs;
//! - connect, per-attempt and total timeouts, none infinite;
//! - retries only where core's policy allows (never an operation that may have been
//!   applied unless repeating it is harmless);
//! - the documented rate limits, shared by all clones of a client.
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
