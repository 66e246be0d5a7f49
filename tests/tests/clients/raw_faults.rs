//! Faults from hand-written `TcpListener` servers, through both clients: each one ends
//! in the right retry (counted in connections) or the right typed error, never a panic.

use std::time::{Duration, Instant};

use roistat_core::types::{ErrorCode, OrderId};
use roistat_core::{Error, RequestState};

use crate::support::raw::{
    self, Act, RawServer, STATUSES, SUCCESS, bad_gateway, envelope, json, response, truncated,
};
use crate::support::{Api, builder};

both_clients!(
    connection_refused_is_not_sent_and_retried,
    reset_before_the_request_is_read_is_retried,
    reset_after_the_request_is_read,
    stalled_server_hits_the_attempt_timeout,
    truncated_body_is_a_transport_error_and_retried,
    html_502_page,
    request_limit_error_then_success,
    retry_after_is_honoured,
    delete_is_never_retried_after_maybe_processed,
    the_total_timeout_bounds_every_retry,
);

use crate::support::both_clients;

/// A client of `server` (3 attempts, fast backoff, 300 ms per attempt).
fn client<C: Api>(base_url: &str) -> C {
    builder::<C>(base_url, 1, "k")
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

fn one_attempt<C: Api>(base_url: &str) -> C {
    builder::<C>(base_url, 1, "k")
        .timeout(Duration::from_millis(300))
        .max_attempts(1)
        .build()
        .unwrap()
}

fn order() -> OrderId {
    OrderId::new("42").unwrap()
}

async fn connection_refused_is_not_sent_and_retried<C: Api>() {
    let url = raw::refused_base_url();
    let e = one_attempt::<C>(&url).list_statuses().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                state: RequestState::NotSent,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.request_state(), RequestState::NotSent);
    // Not sent, so even a delete is retried, until the attempts run out.
    let e = client::<C>(&url).delete_order(&order()).await.unwrap_err();
    let Error::RetriesExhausted { attempts, last } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*attempts, 3);
    assert!(
        matches!(
            **last,
            Error::Transport {
                state: RequestState::NotSent,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.request_state(), RequestState::NotSent);
}

async fn reset_before_the_request_is_read_is_retried<C: Api>() {
    let server = RawServer::start(vec![Act::ResetBeforeRead, json(STATUSES)]);
    let list = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(server.connections(), 2);

    // A delete reset before the server read a byte. ureq has written the request by the
    // time the reset arrives: "maybe processed", and never sent again. hyper may see the
    // reset before it wrote a byte, know the request unsent and send it on a new
    // connection: then the server reads it once, on the second connection.
    let server = RawServer::start(vec![Act::ResetBeforeRead, json(SUCCESS)]);
    let result = client::<C>(&server.base_url()).delete_order(&order()).await;
    match result {
        Err(e) => {
            assert!(
                matches!(
                    e,
                    Error::Transport {
                        state: RequestState::MaybeProcessed,
                        ..
                    }
                ),
                "{e:?}"
            );
            assert_eq!(server.connections(), 1, "the delete was sent again");
            assert!(server.requests().is_empty());
        }
        Ok(()) => {
            assert_eq!(C::NAME, "async", "ureq cannot know the request unsent");
            assert_eq!(server.connections(), 2);
            assert_eq!(server.requests().len(), 1);
        }
    }
}

async fn reset_after_the_request_is_read<C: Api>() {
    // A read is retried ...
    let server = RawServer::start(vec![Act::ResetAfterRead, json(STATUSES)]);
    let list = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    assert_eq!(list.data[0].name, "New");
    assert_eq!(server.connections(), 2);
    assert_eq!(server.requests().len(), 2);
    // ... and fails typed when it keeps happening.
    let server = RawServer::start(vec![Act::ResetAfterRead]);
    let e = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap_err();
    let Error::RetriesExhausted { attempts: 3, last } = &e else {
        panic!("{e:?}")
    };
    assert!(
        matches!(
            **last,
            Error::Transport {
                state: RequestState::MaybeProcessed,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.request_state(), RequestState::MaybeProcessed);
    assert_eq!(server.connections(), 3);
}

async fn stalled_server_hits_the_attempt_timeout<C: Api>() {
    let server = RawServer::start(vec![Act::Stall]);
    let started = Instant::now();
    let e = one_attempt::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(
            e,
            Error::Timeout {
                state: RequestState::MaybeProcessed
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.request_state(), RequestState::MaybeProcessed);
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(
        took < Duration::from_secs(5),
        "the timeout did not fire: {took:?}"
    );
    assert_eq!(server.requests().len(), 1);

    // Retried for a read: the second connection answers.
    let server = RawServer::start(vec![Act::Stall, json(STATUSES)]);
    let list = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(server.connections(), 2);
}

async fn truncated_body_is_a_transport_error_and_retried<C: Api>() {
    let server = RawServer::start(vec![truncated(STATUSES)]);
    let e = one_attempt::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                state: RequestState::MaybeProcessed,
                ..
            }
        ),
        "a body cut short must not be decoded as if complete: {e:?}"
    );
    let server = RawServer::start(vec![truncated(STATUSES), json(STATUSES)]);
    let list = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(server.connections(), 2);
}

async fn html_502_page<C: Api>() {
    // A read is retried past a proxy's 502 page ...
    let server = RawServer::start(vec![bad_gateway(), json(STATUSES)]);
    let list = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(server.connections(), 2);
    // ... a delete is not (the proxy may have passed it on), and the error keeps the page.
    let server = RawServer::start(vec![bad_gateway(), json(SUCCESS)]);
    let e = client::<C>(&server.base_url())
        .delete_order(&order())
        .await
        .unwrap_err();
    let Error::UnexpectedResponse {
        http_status,
        snippet,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(http_status.as_u16(), 502);
    assert!(snippet.contains("502 Bad Gateway"), "{snippet}");
    assert_eq!(e.request_state(), RequestState::Answered);
    assert_eq!(server.connections(), 1);
}

async fn request_limit_error_then_success<C: Api>() {
    // HTTP 200 with the envelope (Roistat's default) ...
    let server = RawServer::start(vec![json(&envelope("request_limit_error")), json(STATUSES)]);
    let list = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    assert_eq!(server.connections(), 2);
    // ... and 429 with it (Use-Http-Code).
    let limited = Act::Respond(response(
        "429 Too Many Requests",
        &[("Content-Type", "application/json")],
        &envelope("request_limit_error"),
    ));
    let server = RawServer::start(vec![limited.clone(), json(STATUSES)]);
    client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    assert_eq!(server.connections(), 2);
    // Always limited: the typed error after the last attempt.
    let server = RawServer::start(vec![limited]);
    let e = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::RetriesExhausted { attempts: 3, .. }),
        "{e:?}"
    );
    assert_eq!(e.api_code(), Some(&ErrorCode::RequestLimitError));
    assert_eq!(e.http_status().map(|s| s.as_u16()), Some(429));
}

async fn retry_after_is_honoured<C: Api>() {
    // The policy's own rate-limit wait is 50 ms: only the header can make it a second.
    let limited = Act::Respond(response(
        "429 Too Many Requests",
        &[("Content-Type", "application/json"), ("Retry-After", "1")],
        &envelope("request_limit_error"),
    ));
    let server = RawServer::start(vec![limited, json(STATUSES)]);
    let started = Instant::now();
    client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert_eq!(server.connections(), 2);
}

async fn delete_is_never_retried_after_maybe_processed<C: Api>() {
    for act in [Act::ResetAfterRead, Act::Stall, truncated(SUCCESS)] {
        let server = RawServer::start(vec![act.clone(), json(SUCCESS)]);
        let e = client::<C>(&server.base_url())
            .delete_order(&order())
            .await
            .unwrap_err();
        assert_eq!(
            e.request_state(),
            RequestState::MaybeProcessed,
            "{act:?}: {e:?}"
        );
        assert!(
            matches!(e, Error::Transport { .. } | Error::Timeout { .. }),
            "{act:?}: {e:?}"
        );
        assert_eq!(
            server.connections(),
            1,
            "{act:?}: the delete was sent again"
        );
        assert_eq!(server.requests().len(), 1);
        let sent = &server.requests()[0];
        assert!(
            sent.request_line
                .starts_with("POST /api/v1/project/integration/order/42/delete?project=1 "),
            "{}",
            sent.request_line
        );
    }
}

async fn the_total_timeout_bounds_every_retry<C: Api>() {
    // Ten attempts of 300 ms would take 3 s; the call may take 800 ms in all. The bound
    // is shown by the number of attempts (at most 4 fit), not by the wall clock, which
    // a loaded machine stretches.
    let server = RawServer::start(vec![Act::Stall]);
    let client: C = builder::<C>(&server.base_url(), 1, "k")
        .timeout(Duration::from_millis(300))
        .total_timeout(Duration::from_millis(800))
        .max_attempts(10)
        .build()
        .unwrap();
    let started = Instant::now();
    let e = client.list_statuses().await.unwrap_err();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(
        matches!(e, Error::RetriesExhausted { .. } | Error::Timeout { .. }),
        "{e:?}"
    );
    assert_eq!(e.request_state(), RequestState::MaybeProcessed, "{e:?}");
    assert!(
        (2..=4).contains(&server.connections()),
        "{}",
        server.connections()
    );
}
