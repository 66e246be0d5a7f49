//! The async client never blocks a runtime thread: on a current-thread runtime, a ticker
//! task keeps ticking while the client waits about a second for a rate-limit slot.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use roistat_core::ScheduleConfig;
use roistat_core::ratelimit::Quota;
use roistat_mock::MockServer;

use crate::support::api::builder;

#[tokio::test(flavor = "current_thread")]
async fn the_async_client_waits_for_a_slot_without_blocking_the_runtime() {
    let server = MockServer::start().unwrap();
    // One request a second for the whole project.
    let client: roistat_async::Client =
        builder(&server.base_url(), server.project(), server.api_key())
            .rate_limits(
                ScheduleConfig::documented()
                    .with_project_budget(vec![Quota::new(1, Duration::from_secs(1))]),
            )
            .build()
            .unwrap();
    client.list_statuses().await.unwrap();

    let ticks = Arc::new(AtomicU64::new(0));
    let ticker = tokio::spawn({
        let ticks = Arc::clone(&ticks);
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                ticks.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    // Let the ticker start, so every tick below happens during the wait.
    while ticks.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    let before = ticks.load(Ordering::SeqCst);
    let started = Instant::now();
    client.list_statuses().await.unwrap();
    let waited = started.elapsed();
    let during = ticks.load(Ordering::SeqCst) - before;
    ticker.abort();

    // The client did wait for its slot (the subject of the test, so time is asserted,
    // from below only) ...
    assert!(waited >= Duration::from_millis(500), "{waited:?}");
    assert_eq!(server.requests().matching("status/list").len(), 2);
    // ... and the only thread kept running the ticker: a blocking wait would allow none
    // (about 100 at 10 ms; a loaded machine still gives far more than 10).
    assert!(
        during >= 10,
        "{during} ticks during a wait of {waited:?}: the runtime thread was blocked"
    );
}
