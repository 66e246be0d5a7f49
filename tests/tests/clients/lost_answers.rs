//! Operations applied whose answer was lost, and status reads that failed or came back
//! short: a delete is sent exactly once and reported as "may have been processed"; a
//! status upsert never replaces the dictionary from a read it cannot trust.

use std::time::Duration;

use roistat_core::types::{OrderId, Status, StatusId, StatusType};
use roistat_core::{Error, RequestState};
use roistat_mock::{Fault, MockServer, Operation};

use crate::support::raw::{RawServer, SUCCESS, json};
use crate::support::{Api, both_clients, builder};

both_clients!(
    a_delete_applied_then_lost_is_sent_once,
    a_failed_status_read_never_leads_to_set_statuses,
    a_short_status_read_never_leads_to_set_statuses,
);

fn server() -> MockServer {
    MockServer::builder()
        .orders(5)
        // Longer than the client's 300 ms attempt, for `AppliedThenStall`.
        .stall_duration(Duration::from_secs(2))
        .start()
        .unwrap()
}

/// Three attempts, 300 ms each: a retry would have room to happen.
fn client<C: Api>(server: &MockServer) -> C {
    builder::<C>(&server.base_url(), server.project(), server.api_key())
        .timeout(Duration::from_millis(300))
        .max_attempts(3)
        .build()
        .unwrap()
}

async fn a_delete_applied_then_lost_is_sent_once<C: Api>() {
    let server = server();
    let client: C = client(&server);
    let ids: Vec<String> = server
        .store()
        .orders()
        .iter()
        .map(|o| o.id.to_string())
        .collect();
    for (fault, id) in [
        Fault::AppliedThenReset,
        Fault::AppliedThenCut,
        Fault::AppliedThenStall,
    ]
    .into_iter()
    .zip(&ids)
    {
        server.requests().clear();
        server.faults().next_on("/delete", 1, fault.clone());
        let e = client
            .delete_order(&OrderId::new(id.as_str()).unwrap())
            .await
            .unwrap_err();
        assert_eq!(
            e.request_state(),
            RequestState::MaybeProcessed,
            "{fault:?}: {e:?}"
        );
        assert!(
            matches!(e, Error::Transport { .. } | Error::Timeout { .. }),
            "{fault:?}: {e:?}"
        );
        let log = server.requests().matching("/delete");
        assert_eq!(log.len(), 1, "{fault:?}: the delete was sent again");
        assert_eq!(log[0].fault.as_ref(), Some(&fault));
        // It really was applied, once.
        assert_eq!(
            server.applied().order(Operation::Delete, id),
            1,
            "{fault:?}"
        );
        assert!(server.store().order(id).is_none(), "{fault:?}");
    }
    assert!(server.applied().repeated(Operation::Delete).is_empty());
}

fn status(id: &str) -> Status {
    Status::new(StatusId::new(id).unwrap(), id, StatusType::Progress)
}

async fn a_failed_status_read_never_leads_to_set_statuses<C: Api>() {
    let server = server();
    // One attempt: the read fails, whatever the fault.
    let client: C = builder::<C>(&server.base_url(), server.project(), server.api_key())
        .timeout(Duration::from_millis(300))
        .max_attempts(1)
        .build()
        .unwrap();
    let before = server.store().statuses();
    for fault in [
        Fault::Http500,
        Fault::Reset,
        Fault::CutBody,
        Fault::BadGateway,
        Fault::error("access_denied", "no"),
    ] {
        server.faults().next_on("status/list", 1, fault.clone());
        let e = client.upsert_statuses(&[status("new-one")]).await;
        assert!(e.is_err(), "{fault:?}: {e:?}");
    }
    assert_eq!(server.requests().matching("set-statuses").len(), 0);
    assert_eq!(server.applied().requests(Operation::SetStatuses), 0);
    assert_eq!(server.store().statuses(), before);
    // The control: without a fault the same call replaces the dictionary.
    client.upsert_statuses(&[status("new-one")]).await.unwrap();
    assert_eq!(server.requests().matching("set-statuses").len(), 1);
}

async fn a_short_status_read_never_leads_to_set_statuses<C: Api>() {
    // Two statuses of three: replacing the dictionary would delete the third.
    let short = r#"{"data":[{"id":"1","name":"New","type":"progress"},{"id":"2","name":"Won","type":"paid"}],"total":3,"status":"success"}"#;
    let server = RawServer::start(vec![json(short), json(SUCCESS)]);
    let client: C = builder::<C>(&server.base_url(), 1, "k").build().unwrap();
    let e = client
        .upsert_statuses(&[status("new-one")])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    assert_eq!(server.connections(), 1, "a second request was sent");
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].target().contains("/status/list"), "{:?}", sent[0]);
}
