//! `--demo`: a fake Roistat server inside the process, so the CLI can be tried on a
//! fresh clone with no account.
//!
//! The server is `roistat-mock` on 127.0.0.1 with generated orders. Roistat's rate
//! limits stay on (the demo shows how `--all` paces itself) but Roistat's "minute" is
//! shrunk to [`MINUTE`], on the server and in the client's schedule alike, so exporting
//! everything takes a second or two instead of minutes.

use std::io;
use std::time::Duration;

use roistat_core::ratelimit::Quota;
use roistat_core::{RetryPolicy, ScheduleConfig};
use roistat_mock::MockServer;

/// Generated orders (besides the documented examples).
pub const ORDERS: usize = 25_000;
/// The generator's seed: the same data every run.
pub const SEED: u64 = 1;
/// The demo's "minute" of the rate limits.
pub const MINUTE: Duration = Duration::from_millis(500);

/// Starts the demo server.
pub fn start() -> io::Result<MockServer> {
    MockServer::builder()
        .orders(ORDERS)
        .seed(SEED)
        .rate_limits(true)
        .window(MINUTE)
        .start()
}

/// How much longer than the server's windows the CLI's are: the server stamps a request
/// when it arrives, the CLI when it leaves, and on a busy machine the two can differ by
/// more than a window this short. Without the margin a page can hit the limit and wait
/// for a retry.
const MARGIN: Duration = Duration::from_millis(200);

/// The client's schedule for the demo server: the documented limits with the demo's minute
/// (plus [`MARGIN`]). The mock scales its project-wide budget with the minute too ("per
/// second" is a sixtieth of it, "per hour" sixty of them).
pub fn schedule() -> ScheduleConfig {
    ScheduleConfig::documented()
        .with_minute(MINUTE + MARGIN)
        .with_project_budget(vec![
            Quota::new(10, MINUTE / 60 + MARGIN),
            Quota::new(5000, MINUTE * 60 + MARGIN),
        ])
}

/// Retries as usual, but the waits after a rate-limit answer are scaled to the demo's
/// minute (an order-list refusal already waits for the demo window in the limiter).
pub fn retry_policy() -> RetryPolicy {
    let second = MINUTE / 60;
    RetryPolicy::default().with_rate_limit_delays(vec![second, second * 5, second * 15])
}
