//! "Applied, but the answer was lost": faults that let the operation reach the store
//! and then reset, stall or cut the answer, and the store's application counters that
//! show a retry applying an operation twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{ErrorKind, Read};
use std::time::Duration;

use roistat_mock::{Fault, MockServer, Operation};
use serde_json::json;
use support::Api;

const DELETE_123: &str = "/project/integration/order/123/delete";

/// Send a POST and read the raw bytes until the server closes (or resets).
fn send_and_read_all(api: &mut Api<'_>, path: &str, body: &str) -> std::io::Result<Vec<u8>> {
    let target = api.target(path);
    api.conn
        .send("POST", &target, &[("Api-key", "demo-key")], body.as_bytes())
        .unwrap();
    let mut raw = Vec::new();
    api.conn.stream().read_to_end(&mut raw).map(|_| raw)
}

#[test]
fn delete_applied_then_reset_is_applied_once_and_a_retry_finds_nothing() {
    let s = MockServer::start().unwrap();
    s.faults().next_on("/delete", 1, Fault::AppliedThenReset);
    let mut api = Api::new(&s);
    let err = send_and_read_all(&mut api, DELETE_123, "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
    // The client saw nothing, but the delete happened.
    assert!(s.store().order("123").is_none());
    assert_eq!(s.applied().order(Operation::Delete, "123"), 1);
    let rec = s.requests().last().unwrap();
    assert_eq!(rec.fault, Some(Fault::AppliedThenReset));
    assert_eq!(rec.status, 0, "no answer was sent");

    // A blind retry: refused, and not applied a second time.
    let mut api = Api::new(&s);
    assert_eq!(api.post(DELETE_123, "").error_code(), "resource_not_found");
    assert_eq!(s.applied().order(Operation::Delete, "123"), 1);
    assert_eq!(s.applied().requests(Operation::Delete), 1);
    assert!(s.applied().repeated(Operation::Delete).is_empty());
}

#[test]
fn a_plain_reset_fires_before_the_store_and_applies_nothing() {
    let s = MockServer::start().unwrap();
    s.faults().next_on("/delete", 1, Fault::Reset);
    let mut api = Api::new(&s);
    let err = send_and_read_all(&mut api, DELETE_123, "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
    assert!(s.store().order("123").is_some());
    assert_eq!(s.applied().order(Operation::Delete, "123"), 0);
}

#[test]
fn add_orders_applied_then_cut_counts_the_resend() {
    let s = MockServer::start().unwrap();
    s.faults().next_on("add-orders", 1, Fault::AppliedThenCut);
    let batch =
        r#"[{"id": "A-1", "price": "10", "status": "deal_NEW"}, {"id": "A-2", "price": "20"}]"#;
    let mut api = Api::new(&s);
    let raw = send_and_read_all(&mut api, "/project/add-orders", batch).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let promised: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_string)
        })
        .unwrap()
        .parse()
        .unwrap();
    assert!(body.len() < promised, "{} of {promised} bytes", body.len());
    assert!(serde_json::from_str::<serde_json::Value>(body).is_err());
    // Both orders were stored.
    assert_eq!(s.store().order("A-1").unwrap().revenue, Some(10.0));
    assert!(s.store().order("A-2").is_some());

    // The client re-sends the same batch: Roistat reports it unchanged, and the
    // counters show each order processed twice.
    let mut api = Api::new(&s);
    let v = api.post("/project/add-orders", batch).json();
    assert_eq!(v["skipped_because_not_changed"], 2, "{v}");
    assert_eq!(v["saved"], 0);
    let applied = s.applied();
    assert_eq!(applied.requests(Operation::AddOrders), 2);
    assert_eq!(applied.order(Operation::AddOrders, "A-1"), 2);
    assert_eq!(
        applied.repeated(Operation::AddOrders),
        vec![("A-1".to_string(), 2), ("A-2".to_string(), 2)]
    );
    assert_eq!(
        s.requests().all()[0].fault,
        Some(Fault::AppliedThenCut),
        "the first add-orders carried the fault"
    );
}

#[test]
fn status_update_applied_then_stall_answers_nothing_but_changes_the_order() {
    let s = MockServer::builder()
        .stall_duration(Duration::from_millis(300))
        .start()
        .unwrap();
    s.faults()
        .next_on("status/update", 1, Fault::AppliedThenStall);
    let mut api = Api::new(&s);
    let target = api.target("/project/integration/order/123/status/update");
    api.conn
        .send(
            "POST",
            &target,
            &[("Api-key", "demo-key")],
            br#"{"status_id": "deal_WON"}"#,
        )
        .unwrap();
    api.conn
        .stream()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 16];
    let err = api.conn.stream().read(&mut buf).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err:?}"
    );
    // The update is already in the store while the client still waits.
    assert_eq!(
        s.store().order("123").unwrap().status.unwrap().id.as_str(),
        "deal_WON"
    );
    assert_eq!(s.applied().order(Operation::UpdateStatus, "123"), 1);
    // Then the server hangs up without an answer.
    api.conn
        .stream()
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(api.conn.stream().read(&mut buf).unwrap(), 0);
}

#[test]
fn an_applied_fault_on_a_refused_request_applies_nothing() {
    let s = MockServer::start().unwrap();
    s.faults()
        .next_on("/delete", 1, Fault::AppliedThenReset)
        .next_on("set-statuses", 1, Fault::AppliedThenCut);
    let mut api = Api::new(&s);
    let before = s.store().snapshot();
    let err =
        send_and_read_all(&mut api, "/project/integration/order/nope/delete", "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset);
    let mut api = Api::new(&s);
    // A set-statuses with a bad type: refused, then the (error) answer is cut.
    let raw = send_and_read_all(
        &mut api,
        "/project/set-statuses",
        r#"[{"id": "1", "type": "won"}]"#,
    )
    .unwrap();
    assert!(String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 200"));
    assert_eq!(s.store().snapshot(), before);
    assert_eq!(s.applied(), roistat_mock::Applied::default());
    let log = s.requests().all();
    assert_eq!(log[0].error.as_deref(), Some("resource_not_found"));
    assert_eq!(
        log[1].error.as_deref(),
        Some("request_data_validation_error")
    );
    // And a later set-statuses counts once.
    let mut api = Api::new(&s);
    let v = api
        .post(
            "/project/set-statuses",
            &json!([{"id": "1", "name": "New", "type": "progress"}]).to_string(),
        )
        .json();
    assert_eq!(v["status"], "success");
    assert_eq!(s.applied().requests(Operation::SetStatuses), 1);
}
