//! A faithful in-memory fake of the [Roistat] Orders API, for tests and demos: think
//! of what stripe-mock is to Stripe.
//!
//! [`MockServer::start`] binds `127.0.0.1` on an ephemeral port and serves the nine
//! Orders operations under `/api/v1` from its own threads, so it works under blocking
//! tests and `#[tokio::test]` alike. It has real semantics, not canned replies:
//!
//! - an in-memory [`Store`] seeded with the reference's documented examples verbatim
//!   ([`seed`]) plus any number of generated orders ([`generate`]);
//! - requests read by the mock itself from JSON, by the reference's rules (not with
//!   `roistat-types`' models, so that a wire mistake there cannot hide here);
//! - the order list newest first by an internal id (as the live API lists it), with
//!   every filter operator, `and`/`or` nesting, the flat form, the status funnel,
//!   `extend: ["visit"]`, `limit`/`offset`, `total`, and a page cap (5,000 by default);
//! - add-orders upserts with truthful counters (a status id outside the dictionary is
//!   stored without a group, as live projects show it), `update_date` from the
//!   server's clock, `set-statuses` replaces the dictionary, status updates only to
//!   known statuses, deletes; [`Applied`] counts how many times each write was applied;
//! - opt-in live behaviour: rows with the live API's quirks
//!   ([`MockServerBuilder::quirks`]), a latency model, churn between list requests;
//! - errors as Roistat sends them: HTTP 200 with `{"status":"error",...}`, or the
//!   matching HTTP status with the request header `Use-Http-Code: 1`;
//! - the documented rate limits over sliding windows ([`RateLimits`], off by default
//!   here, on in the binary), with a configurable "minute";
//! - scriptable [`Faults`] (HTTP 500, 502 pages, stalls, bodies cut short, connection
//!   resets, error envelopes, and "applied, but the answer was lost") and a
//!   [`Requests`] log with the API key redacted and each request's arrival and answer
//!   times;
//! - strict HTTP/1.1 framing (ambiguous requests get 400 and a closed connection) and
//!   limits for a server on an open address: idle and read timeouts, a connection cap,
//!   body and request-log caps ([`MockServerBuilder`]).
//!
//! ```
//! use std::io::{Read, Write};
//!
//! let server = roistat_mock::MockServer::start()?;
//! let mut conn = std::net::TcpStream::connect(server.addr())?;
//! let body = r#"{"filters": [["id", "=", "95101"]]}"#;
//! write!(
//!     conn,
//!     "POST /api/v1/project/integration/order/list?project={} HTTP/1.1\r\n\
//!      Host: x\r\nApi-key: {}\r\nContent-Type: application/json\r\n\
//!      Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
//!     server.project(),
//!     server.api_key(),
//!     body.len()
//! )?;
//! let mut answer = String::new();
//! conn.read_to_string(&mut answer)?;
//! assert!(answer.starts_with("HTTP/1.1 200 OK"));
//! assert!(answer.contains(r#""total":1,"status":"success""#));
//! assert_eq!(server.requests().len(), 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [Roistat]: https://roistat.com
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod api;
mod applied;
mod error;
mod faults;
mod filter;
pub mod generate;
mod http;
mod info;
mod live;
mod parse;
mod ratelimit;
mod requests;
pub mod seed;
mod server;
mod store;

pub use applied::{Applied, Operation};
pub use faults::{Fault, Faults};
pub use live::{ChurnStats, DEFAULT_ODD_STATUS_RATE, DEFAULT_PAGE_CAP};
pub use parse::DEFAULT_LIMIT;
pub use ratelimit::RateLimits;
pub use requests::{REDACTED, RecordedRequest, Requests};
pub use server::{API_PREFIX, MockServer, MockServerBuilder};
pub use store::{Store, StoreSnapshot, StoredOrder, groupless_status, is_groupless};
