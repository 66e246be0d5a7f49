//! Each fault kind over real sockets, path-scoped and seeded faults, and the request log.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

use roistat_mock::{Fault, MockServer, REDACTED};
use support::{Api, Conn};

const LIST: &str = "/project/integration/order/list";

#[test]
fn http_500_and_internal_error_envelope() {
    let s = MockServer::start().unwrap();
    s.faults()
        .next(1, Fault::Http500)
        .next(1, Fault::InternalErrorEnvelope);
    let mut api = Api::new(&s);
    let r = api.post(LIST, "{}");
    assert_eq!(r.status, 500);
    assert_eq!(r.error_code(), "internal_error");
    let r = api.post(LIST, "{}");
    assert_eq!(r.status, 200);
    assert_eq!(r.error_code(), "internal_error");
    // The script is spent: the same connection now gets real answers.
    assert_eq!(api.post(LIST, "{}").json()["status"], "success");
    assert_eq!(s.faults().pending(), 0);
}

#[test]
fn bad_gateway_html() {
    let s = MockServer::start().unwrap();
    s.faults().next(1, Fault::BadGateway);
    let mut api = Api::new(&s);
    let r = api.post(LIST, "{}");
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert!(r.text().contains("<h1>502 Bad Gateway</h1>"));
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
}

#[test]
fn stall_answers_nothing_until_the_duration_passes() {
    let s = MockServer::builder()
        .stall_duration(Duration::from_millis(300))
        .start()
        .unwrap();
    s.faults().next(1, Fault::Stall);
    let mut api = Api::new(&s);
    api.conn
        .stream()
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    api.conn
        .send("POST", &api.target(LIST), &[("Api-key", "demo-key")], b"{}")
        .unwrap();
    let mut buf = [0u8; 16];
    // Nothing within 100 ms: a client timeout would fire here.
    let err = api.conn.stream().read(&mut buf).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err:?}"
    );
    // Then the server hangs up without an answer.
    api.conn
        .stream()
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(api.conn.stream().read(&mut buf).unwrap(), 0);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(s.requests().last().unwrap().fault, Some(Fault::Stall));
}

#[test]
fn a_stalled_request_does_not_delay_server_shutdown() {
    let s = MockServer::start().unwrap(); // default stall: 30 s
    s.faults().next(1, Fault::StallFor(Duration::from_secs(60)));
    let mut c = Conn::open(s.addr());
    c.send(
        "POST",
        "/api/v1/project/integration/order/list?project=12345",
        &[],
        b"{}",
    )
    .unwrap();
    // Wait until the server has the request (poll the log, no sleeping on a guess).
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.requests().is_empty() {
        assert!(Instant::now() < deadline);
        std::thread::yield_now();
    }
    let started = Instant::now();
    drop(s);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "drop waited for the stall"
    );
}

#[test]
fn body_cut_short() {
    let s = MockServer::start().unwrap();
    s.faults().next_on("order/list", 1, Fault::CutBody);
    let mut api = Api::new(&s);
    api.conn
        .send("POST", &api.target(LIST), &[("Api-key", "demo-key")], b"{}")
        .unwrap();
    let mut raw = Vec::new();
    api.conn.stream().read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let promised: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 200"));
    assert!(body.len() < promised, "{} of {promised} bytes", body.len());
    assert!(!body.is_empty());
    assert!(serde_json::from_str::<serde_json::Value>(body).is_err());
}

#[test]
fn connection_reset() {
    let s = MockServer::start().unwrap();
    s.faults().next(1, Fault::Reset);
    let mut api = Api::new(&s);
    api.conn
        .send("POST", &api.target(LIST), &[("Api-key", "demo-key")], b"{}")
        .unwrap();
    let mut buf = Vec::new();
    let err = api.conn.stream().read_to_end(&mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
    assert!(buf.is_empty());
    // The server is fine afterwards.
    let mut api = Api::new(&s);
    assert_eq!(api.post(LIST, "{}").json()["status"], "success");
}

#[test]
fn path_scoped_faults_only_hit_their_path() {
    let s = MockServer::start().unwrap();
    s.faults().next_on("/status/list", 2, Fault::Http500);
    let mut api = Api::new(&s);
    assert_eq!(api.post(LIST, "{}").status, 200);
    assert_eq!(api.post("/project/integration/status/list", "").status, 500);
    assert_eq!(
        api.post("/project/analytics/order-custom-fields", "")
            .status,
        200
    );
    assert_eq!(api.post("/project/integration/status/list", "").status, 500);
    assert_eq!(api.post("/project/integration/status/list", "").status, 200);
}

#[test]
fn probability_faults_are_seeded_and_repeatable() {
    let run = || {
        let s = MockServer::start().unwrap();
        s.faults()
            .with_probability_on("order/list", 0.3, 42, Fault::Http500);
        let mut api = Api::new(&s);
        let statuses: Vec<u16> = (0..60).map(|_| api.post(LIST, "{}").status).collect();
        assert!(api.post("/project/integration/status/list", "").status == 200);
        statuses
    };
    let a = run();
    assert_eq!(a, run());
    let failures = a.iter().filter(|s| **s == 500).count();
    assert!((5..40).contains(&failures), "{failures} of 60");
}

#[test]
fn faulted_requests_do_not_touch_the_store() {
    let s = MockServer::start().unwrap();
    s.faults().next(1, Fault::Http500);
    let mut api = Api::new(&s);
    assert_eq!(
        api.post("/project/integration/order/123/delete", "").status,
        500
    );
    assert!(s.store().order("123").is_some());
}

#[test]
fn request_log_records_everything_but_the_key() {
    let s = MockServer::start().unwrap();
    let mut api = Api::new(&s);
    api.post(LIST, r#"{"limit": 1}"#);
    api.get("/project/orders/nope/info");
    s.faults().next(1, Fault::BadGateway);
    api.post("/project/integration/status/list", "");
    let log = s.requests().all();
    assert_eq!(log.len(), 3);
    assert_eq!(s.requests().total(), 3);
    let first = &log[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, "/api/v1/project/integration/order/list");
    assert_eq!(first.query, "project=12345");
    assert_eq!(first.query_param("project").as_deref(), Some("12345"));
    assert_eq!(first.body_json().unwrap()["limit"], 1);
    assert_eq!(first.header("api-key"), Some(REDACTED));
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(
        (first.status, first.error.as_deref(), first.fault.as_ref()),
        (200, None, None)
    );
    assert_eq!(log[1].error.as_deref(), Some("resource_not_found"));
    assert_eq!(log[2].fault, Some(Fault::BadGateway));
    assert_eq!(log[2].status, 502);
    assert_eq!(s.requests().matching("status/list").len(), 1);
    assert!(!format!("{log:?}").contains("demo-key"));
    s.requests().clear();
    assert!(s.requests().is_empty());
}
