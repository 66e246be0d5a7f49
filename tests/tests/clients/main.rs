#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Both clients, one binary: every scenario is written once against the [`Api`] trait
//! (`support::api`) and run twice, with `roistat_blocking::Client` under `#[test]` and
//! with `roistat_async::Client` under `#[tokio::test]`.
//!
//! - `operations`: every operation against `roistat-mock` (paging over thousands of
//!   orders, bulk upload resumed after a failed batch, statuses, errors);
//! - `raw_faults`: hand-written `TcpListener` servers that refuse, reset, stall, cut
//!   bodies, answer 502 pages and rate limits;
//! - `mock_faults`: the same failures through the mock's fault script;
//! - (`tests/secrets.rs`, a binary of its own: the API key appears in no output; ids stay
//!   inside their path segment;)
//! - `sharing`: `Clone + Send + Sync`, clones share the rate limiter, the blocking
//!   client inside a tokio runtime;
//! - `live_data`: live-looking data (quirks mode, odd rows) exported in full, odd rows
//!   flagged, strict mode failing with the row's path; waits after `request_limit_error`
//!   by method (about 1 s for the status list, the window for the order list);
//! - `real_minute`: 24,003 orders under the mock's documented limits on the real clock,
//!   never refused, within 10 % of the schedule's bound (blocking client only);
//! - `soak`: 10,000 orders uploaded through about 15% injected faults (applied-then-lost
//!   answers among them), resumed until every order is stored exactly once;
//! - `lost_answers`: a delete applied whose answer is lost is sent once; a failed or
//!   short status read never leads to set-statuses;
//! - `transport_guards`: the body cap, redirects, a 503 to a delete, connect timeouts;
//! - `tls`: HTTPS against a local rustls server with a certificate made in the test;
//! - `never_blocks`: the async client's waits leave a current-thread runtime running;
//! - `walk`: the paging engine under seeded churn, a page cap, latency and the rate
//!   limiter: exactly once, cap learning, bounded pages in flight and memory.

// Shared with tests/secrets.rs, which uses other parts of it.
#[allow(dead_code)]
mod support;

mod live_data;
mod lost_answers;
mod mock_faults;
mod never_blocks;
mod operations;
mod paused_clock;
mod raw_faults;
mod real_minute;
mod sharing;
mod soak;
mod tls;
mod transport_guards;
mod walk;
