//! Both clients together: thread-safety, clones sharing the rate limiter, and the
//! blocking client inside a tokio runtime.

use std::time::{Duration, Instant};

use roistat_core::ratelimit::Quota;
use roistat_core::types::ListOrdersRequest;
use roistat_core::{ClientBuilder, ScheduleConfig};
use roistat_mock::{MockServer, RateLimits};

use crate::support::{Api, builder, mock_client};

#[test]
fn clients_and_their_walkers_are_clone_send_sync() {
    fn clone_send_sync<T: Clone + Send + Sync + 'static>() {}
    fn send<T: Send>() {}
    clone_send_sync::<roistat_blocking::Client>();
    clone_send_sync::<roistat_async::Client>();
    send::<roistat_blocking::Orders>();
    send::<roistat_blocking::BulkUpload<'static>>();
    send::<roistat_async::Orders>();
    send::<roistat_async::BulkUpload>();
    send::<roistat_blocking::Error>();
}

/// The async client's futures are `Send`: they can be spawned on a multi-thread runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_futures_can_be_spawned() {
    let server = MockServer::builder().orders(120).start().unwrap();
    let client: roistat_async::Client = mock_client(&server);
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let page = client
                    .list_orders(ListOrdersRequest::new().limit(10).offset(i * 10))
                    .await
                    .unwrap();
                let mut orders = client.orders(ListOrdersRequest::new().limit(50));
                let mut n = 0;
                while let Some(o) = orders.next().await {
                    o.unwrap();
                    n += 1;
                }
                (page.data.len(), n)
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), (10, 123));
    }
}

/// The client allows 2 plain order lists per 400 ms; the mock refuses more than 2 per
/// 150 ms. The 250 ms between the windows is the margin for scheduling: a request
/// admitted on time may arrive late by that much (a loaded 2-core machine) before its
/// later neighbours can look like a violation. The shared limiter is still needed: the
/// unshared control sends 4 at once, which even the short window refuses.
const CLIENT_WINDOW: Duration = Duration::from_millis(400);
const SERVER_WINDOW: Duration = Duration::from_millis(150);

fn limited_server() -> MockServer {
    let mut limits = RateLimits::documented();
    limits.window = SERVER_WINDOW;
    limits.list_plain = 2;
    limits.project_per_second = None;
    limits.project_per_hour = None;
    MockServer::builder()
        .orders(30)
        .limits(limits)
        .start()
        .unwrap()
}

fn limited<C: Api>(server: &MockServer) -> ClientBuilder<C> {
    let mut schedule = ScheduleConfig::documented().without_project_budget();
    schedule.list_plain = Quota::new(2, CLIENT_WINDOW);
    builder::<C>(&server.base_url(), server.project(), server.api_key())
        .rate_limits(schedule)
        .max_attempts(1)
}

fn refused(server: &MockServer) -> usize {
    server
        .requests()
        .all()
        .iter()
        .filter(|r| r.error.as_deref() == Some("request_limit_error"))
        .count()
}

/// Six requests from two clones of one client, at once: the shared limiter spaces
/// them 2 per window, the server never refuses one.
#[test]
fn blocking_clones_share_the_rate_limiter() {
    let page = ListOrdersRequest::new().limit(10);
    let server = limited_server();
    let client: roistat_blocking::Client = limited(&server).build().unwrap();
    let started = Instant::now();
    std::thread::scope(|s| {
        for c in [client.clone(), client.clone()] {
            let page = &page;
            s.spawn(move || {
                for _ in 0..3 {
                    c.list_orders(page.clone()).unwrap();
                }
            });
        }
    });
    assert_eq!(server.requests().total(), 6);
    assert_eq!(refused(&server), 0);
    // Pairs at 0, 1 and 2 windows.
    assert!(
        started.elapsed() >= CLIENT_WINDOW * 2,
        "{:?}",
        started.elapsed()
    );

    // Control: two separately built clients do not share, and the server refuses.
    let server = limited_server();
    let a: roistat_blocking::Client = limited(&server).build().unwrap();
    let b: roistat_blocking::Client = limited(&server).build().unwrap();
    std::thread::scope(|s| {
        for c in [a, b] {
            let page = &page;
            s.spawn(move || {
                for _ in 0..3 {
                    let _ = c.list_orders(page.clone());
                }
            });
        }
    });
    assert!(
        refused(&server) > 0,
        "the control should break the server's limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_clones_share_the_rate_limiter() {
    let server = limited_server();
    let client: roistat_async::Client = limited(&server).build().unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = [client.clone(), client.clone()]
        .into_iter()
        .map(|c| {
            tokio::spawn(async move {
                for _ in 0..3 {
                    c.list_orders(ListOrdersRequest::new().limit(10))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(server.requests().total(), 6);
    assert_eq!(refused(&server), 0);
    assert!(
        started.elapsed() >= CLIENT_WINDOW * 2,
        "{:?}",
        started.elapsed()
    );

    let server = limited_server();
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let c: roistat_async::Client = limited(&server).build().unwrap();
            tokio::spawn(async move {
                for _ in 0..3 {
                    let _ = c.list_orders(ListOrdersRequest::new().limit(10)).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        refused(&server) > 0,
        "the control should break the server's limit"
    );
}

/// The blocking client never starts a runtime: it works on a runtime's own thread
/// (blocking that worker, as any blocking call would) and under `spawn_blocking`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_client_inside_a_tokio_runtime() {
    let server = MockServer::builder().orders(40).start().unwrap();
    let blocking: roistat_blocking::Client = mock_client(&server);
    let asynchronous: roistat_async::Client = mock_client(&server);

    // Directly on a worker thread.
    assert_eq!(
        blocking.list_statuses().unwrap(),
        asynchronous.list_statuses().await.unwrap()
    );
    let direct: Vec<_> = blocking
        .orders(ListOrdersRequest::new().limit(15))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(direct.len(), 43);

    // Under spawn_blocking, next to async work.
    let b = blocking.clone();
    let handle = tokio::task::spawn_blocking(move || {
        b.orders(ListOrdersRequest::new().limit(10))
            .map(|o| o.map(|o| o.id))
            .collect::<Result<Vec<_>, _>>()
    });
    let from_async = asynchronous
        .list_orders(ListOrdersRequest::new().limit(100))
        .await
        .unwrap();
    let from_blocking = handle.await.unwrap().unwrap();
    let ids: Vec<_> = from_async.data.into_iter().map(|o| o.id).collect();
    assert_eq!(from_blocking, ids);

    // A failing call inside the runtime is an error, not a panic.
    server
        .faults()
        .next(1, roistat_mock::Fault::error("access_denied", "no"));
    let b = blocking.clone();
    let e = tokio::task::spawn_blocking(move || b.custom_field_names())
        .await
        .unwrap()
        .unwrap_err();
    assert!(e.api_code().is_some(), "{e:?}");
}

/// The blocking client on a current-thread runtime's only thread works too (the mock
/// serves from its own threads).
#[tokio::test]
async fn blocking_client_on_a_current_thread_runtime() {
    let server = MockServer::start().unwrap();
    let blocking: roistat_blocking::Client = mock_client(&server);
    assert_eq!(blocking.custom_field_names().unwrap().len(), 3);
}
