//! The same failures through the mock's fault script: the request log shows each
//! retry, and what was never retried.

use std::time::Duration;

use roistat_core::types::{ErrorCode, ListOrdersRequest, OrderId};
use roistat_core::{Error, RequestState};
use roistat_mock::{Fault, MockServer};

use crate::support::{Api, both_clients, builder};

both_clients!(
    reads_are_retried_through_every_transient_fault,
    faults_without_retries_are_typed,
    delete_is_not_retried_after_reset_or_500,
    rate_limit_error_during_a_walk_is_retried,
    a_walk_ends_with_the_error,
);

fn server() -> MockServer {
    MockServer::builder()
        .orders(50)
        .stall_duration(Duration::from_secs(3))
        .start()
        .unwrap()
}

fn client<C: Api>(server: &MockServer, attempts: u32) -> C {
    builder::<C>(&server.base_url(), server.project(), server.api_key())
        .timeout(Duration::from_millis(300))
        .max_attempts(attempts)
        .build()
        .unwrap()
}

fn transient() -> Vec<Fault> {
    vec![
        Fault::Http500,
        Fault::BadGateway,
        Fault::Stall,
        Fault::CutBody,
        Fault::Reset,
        Fault::InternalErrorEnvelope,
        Fault::error("request_limit_error", "slow down"),
    ]
}

async fn reads_are_retried_through_every_transient_fault<C: Api>() {
    let server = server();
    let client: C = client(&server, 3);
    for fault in transient() {
        server.requests().clear();
        server.faults().next(2, fault.clone());
        let list = client.list_statuses().await;
        assert!(list.is_ok(), "{fault:?}: {list:?}");
        let log = server.requests().all();
        assert_eq!(
            log.len(),
            3,
            "{fault:?}: two faulted attempts and a good one"
        );
        assert_eq!(log[0].fault.as_ref(), Some(&fault));
        assert_eq!(log[1].fault.as_ref(), Some(&fault));
        assert_eq!((log[2].fault.as_ref(), log[2].status), (None, 200));
    }
}

async fn faults_without_retries_are_typed<C: Api>() {
    let server = server();
    let client: C = client(&server, 1);
    for fault in transient() {
        server.faults().next(1, fault.clone());
        let e = client.list_statuses().await.unwrap_err();
        let ok = match &fault {
            Fault::Http500 => {
                e.api_code() == Some(&ErrorCode::InternalError)
                    && e.http_status().map(|s| s.as_u16()) == Some(500)
            }
            Fault::InternalErrorEnvelope => {
                e.api_code() == Some(&ErrorCode::InternalError)
                    && e.http_status().map(|s| s.as_u16()) == Some(200)
            }
            Fault::Error { .. } => e.api_code() == Some(&ErrorCode::RequestLimitError),
            Fault::BadGateway => matches!(
                &e,
                Error::UnexpectedResponse { http_status, .. } if http_status.as_u16() == 502
            ),
            Fault::Stall => matches!(
                e,
                Error::Timeout {
                    state: RequestState::MaybeProcessed
                }
            ),
            Fault::CutBody | Fault::Reset => matches!(
                e,
                Error::Transport {
                    state: RequestState::MaybeProcessed,
                    ..
                }
            ),
            other => panic!("unexpected fault {other:?}"),
        };
        assert!(ok, "{fault:?} gave {e:?}");
        let answered = !matches!(fault, Fault::Stall | Fault::CutBody | Fault::Reset);
        assert_eq!(
            e.request_state() == RequestState::Answered,
            answered,
            "{fault:?}: {e:?}"
        );
    }
}

async fn delete_is_not_retried_after_reset_or_500<C: Api>() {
    let server = server();
    let client: C = client(&server, 3);
    for (fault, state) in [
        (Fault::Reset, RequestState::MaybeProcessed),
        (Fault::Stall, RequestState::MaybeProcessed),
        (Fault::CutBody, RequestState::MaybeProcessed),
        (Fault::Http500, RequestState::Answered),
        (Fault::BadGateway, RequestState::Answered),
    ] {
        server.requests().clear();
        server.faults().next(1, fault.clone());
        let e = client
            .delete_order(&OrderId::new("95101").unwrap())
            .await
            .unwrap_err();
        assert_eq!(e.request_state(), state, "{fault:?}: {e:?}");
        assert_eq!(server.requests().total(), 1, "{fault:?}: sent again");
        // The faulted request never reached the store.
        assert!(server.store().order("95101").is_some());
    }
    // Refused before sending (an error the server answers without applying anything,
    // yet final): not retried either.
    server.requests().clear();
    server.faults().next(1, Fault::error("access_denied", "no"));
    let e = client
        .delete_order(&OrderId::new("95101").unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some(&ErrorCode::AccessDenied));
    assert_eq!(server.requests().total(), 1);
}

async fn rate_limit_error_during_a_walk_is_retried<C: Api>() {
    let server = server();
    let client: C = client(&server, 3);
    server
        .faults()
        .next_on("order/list", 2, Fault::error("request_limit_error", "x"));
    let walk = client.walk(ListOrdersRequest::new(), Some(10), None).await;
    assert!(walk.error.is_none(), "{:?}", walk.error);
    assert_eq!(walk.orders.len(), 53);
    let limited = server
        .requests()
        .all()
        .iter()
        .filter(|r| r.error.as_deref() == Some("request_limit_error"))
        .count();
    assert_eq!(limited, 2);
    assert_eq!(walk.progress.refusals, 2);
    // Every answered page and the two limited attempts reached the server; a prefetch
    // the walk issued and then abandoned at the end (counted in `requests`) may or may
    // not have, depending on timing.
    let seen = server.requests().matching("order/list").len() as u64;
    assert!(
        (walk.progress.pages + 2..=walk.progress.requests + 2).contains(&seen),
        "{seen} requests seen: {:?}",
        walk.progress
    );
}

async fn a_walk_ends_with_the_error<C: Api>() {
    let server = server();
    let client: C = client(&server, 1);
    server
        .faults()
        .next_on("order/list", 1, Fault::error("access_denied", "no"));
    let walk = client.walk(ListOrdersRequest::new(), Some(10), None).await;
    assert!(walk.orders.is_empty());
    let e = walk.error.expect("the walk must report its error");
    assert_eq!(e.api_code(), Some(&ErrorCode::AccessDenied));
    assert!(walk.ended_after_error, "the walk went on after an error");
    assert_eq!(server.requests().total(), 1);
}
