//! The documented rate limits over sliding windows, with a short "minute".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use roistat_mock::{MockServer, RateLimits};
use serde_json::json;
use support::Api;

const LIST: &str = "/project/integration/order/list";

/// Tier limits only (no project budget), with a 10-minute "minute": no request of a
/// test leaves the window however slowly a loaded machine sends them, so the tests
/// count admissions and never depend on the wall clock.
fn tier_server() -> MockServer {
    let mut limits = RateLimits::documented();
    limits.window = Duration::from_secs(600);
    limits.project_per_second = None;
    limits.project_per_hour = None;
    MockServer::builder().limits(limits).start().unwrap()
}

/// Send `body` until refused; return how many were admitted.
fn admitted(api: &mut Api<'_>, body: &str, max: usize) -> usize {
    for i in 0..max {
        let r = api.post(LIST, body);
        let v = r.json();
        if v["status"] == "error" {
            assert_eq!(v["error"], "request_limit_error", "{v}");
            return i;
        }
    }
    max
}

#[test]
fn order_list_tiers() {
    let s = tier_server();
    let mut api = Api::new(&s);
    assert_eq!(
        admitted(&mut api, r#"{"limit": 10}"#, 30),
        20,
        "without extend: 20 per minute"
    );
    assert_eq!(
        admitted(&mut api, r#"{"limit": 99, "extend": ["visit"]}"#, 30),
        10,
        "visits, limit < 100"
    );
    assert_eq!(
        admitted(&mut api, r#"{"limit": 100, "extend": ["visit"]}"#, 30),
        5,
        "exactly 100: the stricter 5"
    );
    assert_eq!(
        admitted(&mut api, r#"{"limit": 1000, "extend": ["visit"]}"#, 30),
        0,
        "same tier as 100"
    );
    assert_eq!(
        admitted(&mut api, r#"{"limit": 1001, "extend": ["visit"]}"#, 30),
        1,
        "limit > 1000: 1 per minute"
    );
    // Other methods are not limited by the order-list tiers.
    assert_eq!(
        api.post("/project/integration/status/list", "").json()["status"],
        "success"
    );
}

#[test]
fn refusal_carries_limit_details_and_http_429() {
    let s = tier_server();
    let mut api = Api::new(&s);
    assert_eq!(
        admitted(&mut api, r#"{"limit": 2000, "extend": ["visit"]}"#, 5),
        1
    );
    let target = api.target(LIST);
    let r = api
        .conn
        .request(
            "POST",
            &target,
            &[("Api-key", "demo-key"), ("Use-Http-Code", "1")],
            br#"{"limit": 2000, "extend": ["visit"]}"#,
        )
        .unwrap();
    assert_eq!(r.status, 429);
    let v = r.json();
    assert_eq!(v["error"], "request_limit_error");
    assert_eq!(v["details"], json!({"limit": 1, "period": 60}));
    assert_eq!(
        v["description"],
        "Request limit exceeded: 1 requests per minute"
    );
    support::assert_same_shape(
        &v,
        &support::fixture("variants/error-request_limit_error.json"),
        "$",
    );
}

#[test]
fn the_window_slides() {
    let mut limits = RateLimits::documented();
    limits.window = Duration::from_millis(500);
    limits.project_per_second = None;
    limits.project_per_hour = None;
    let s = MockServer::builder().limits(limits).start().unwrap();
    let mut api = Api::new(&s);
    let body = r#"{"limit": 5000, "extend": ["visit"]}"#;
    let first = Instant::now();
    assert_eq!(admitted(&mut api, body, 3), 1);
    // Poll until the next request is admitted: that happens once the first one has
    // left the window, not before.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let v = api.post(LIST, body).json();
        if v["status"] == "success" {
            break;
        }
        assert!(Instant::now() < deadline, "never admitted again");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        first.elapsed() >= Duration::from_millis(300),
        "admitted after {:?}",
        first.elapsed()
    );
}

#[test]
fn project_wide_budget_counts_every_method() {
    let mut limits = RateLimits::documented();
    limits.window = Duration::from_secs(60); // the real second and hour
    limits.project_per_second = Some(3);
    limits.project_per_hour = Some(1000);
    let s = MockServer::builder().limits(limits).start().unwrap();
    let mut api = Api::new(&s);
    let paths = [
        "/project/integration/status/list",
        "/project/analytics/order-custom-fields",
        LIST,
    ];
    let mut answers = Vec::new();
    for p in paths.iter().cycle().take(4) {
        answers.push(api.post(p, "{}").json());
    }
    assert!(
        answers[..3].iter().all(|v| v["status"] == "success"),
        "{answers:?}"
    );
    assert_eq!(answers[3]["error"], "request_limit_error");
    assert_eq!(answers[3]["details"], json!({"limit": 3, "period": 1}));

    let mut limits = RateLimits::documented();
    limits.project_per_second = None;
    limits.project_per_hour = Some(5);
    let s = MockServer::builder().limits(limits).start().unwrap();
    let mut api = Api::new(&s);
    for _ in 0..5 {
        assert_eq!(
            api.post("/project/integration/status/list", "").json()["status"],
            "success"
        );
    }
    let v = api.post("/project/integration/status/list", "").json();
    assert_eq!(v["details"], json!({"limit": 5, "period": 3600}));
}

#[test]
fn limits_are_off_by_default_in_the_library() {
    let s = MockServer::start().unwrap();
    let mut api = Api::new(&s);
    let body = r#"{"limit": 5000, "extend": ["visit"]}"#;
    assert_eq!(admitted(&mut api, body, 30), 30);
}
