//! The async client reads time and sleeps on tokio's clock: under
//! `tokio::time::pause()` a minute-long rate-limit wait passes in virtual time.

use std::sync::mpsc;
use std::time::Duration;

use roistat_core::ScheduleConfig;
use roistat_core::types::ListOrdersRequest;
use roistat_mock::MockServer;

use crate::support::api::builder;

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_async_client_waits_for_its_slot_on_tokios_clock() {
    // A blocking task in flight stops tokio from advancing the paused clock on its own
    // (it would otherwise jump to the next timer whenever the runtime waits for the
    // socket, firing the HTTP timeouts): time moves only when the test says so.
    let (release, held) = mpsc::channel::<()>();
    let inhibitor = tokio::task::spawn_blocking(move || held.recv());

    let server = MockServer::start().unwrap();
    let client: roistat_async::Client =
        builder(&server.base_url(), server.project(), server.api_key())
            .rate_limits(ScheduleConfig::documented().without_project_budget())
            .total_timeout(Duration::from_secs(600))
            .build()
            .unwrap();
    let page = || ListOrdersRequest::new().limit(1);
    // The plain tier's 20 requests a minute go at once.
    for _ in 0..20 {
        client.list_orders(page()).await.unwrap();
    }
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.list_orders(page()).await }
    });
    // The 21st waits for its slot: 61 s (a minute and the documented margin) of
    // tokio's time, not of the wall clock.
    tokio::time::advance(Duration::from_secs(60)).await;
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    assert_eq!(server.requests().matching("order/list").len(), 20);
    tokio::time::advance(Duration::from_secs(2)).await;
    let answer = waiting.await.unwrap();
    assert!(answer.is_ok(), "{answer:?}");
    assert_eq!(server.requests().matching("order/list").len(), 21);

    release.send(()).unwrap();
    inhibitor.await.unwrap().unwrap();
}
