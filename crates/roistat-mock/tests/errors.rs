//! Each error code path, as an HTTP 200 envelope by default and with the matching HTTP
//! status under `Use-Http-Code: 1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use roistat_mock::{Fault, MockServer};
use support::{Conn, Response};

/// Send the same request without and with `Use-Http-Code: 1`; both must carry the same
/// envelope; return (code, status with the header).
fn both(
    server: &MockServer,
    method: &str,
    target: &str,
    key: Option<&str>,
    body: &str,
) -> (String, u16) {
    let mut c = Conn::open(server.addr());
    let mut answers: Vec<Response> = Vec::new();
    for use_http_code in [false, true] {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(k) = key {
            headers.push(("Api-key", k));
        }
        if use_http_code {
            headers.push(("Use-Http-Code", "1"));
        }
        answers.push(
            c.request(method, target, &headers, body.as_bytes())
                .unwrap(),
        );
    }
    assert_eq!(
        answers[0].status, 200,
        "without Use-Http-Code errors are HTTP 200"
    );
    assert_eq!(answers[0].header("content-type"), Some("application/json"));
    let code = answers[0].error_code();
    assert_eq!(answers[1].error_code(), code);
    (code, answers[1].status)
}

#[test]
fn authentication_and_project_errors() {
    let s = MockServer::start().unwrap();
    let list = "/api/v1/project/integration/order/list?project=12345";
    assert_eq!(
        both(&s, "POST", list, None, "{}"),
        ("authentication_failed".into(), 401)
    );
    assert_eq!(
        both(&s, "POST", list, Some("wrong"), "{}"),
        ("authentication_failed".into(), 401)
    );
    assert_eq!(
        both(
            &s,
            "POST",
            "/api/v1/project/integration/order/list?project=12345&key=wrong",
            None,
            "{}"
        ),
        ("authentication_failed".into(), 401)
    );
    assert_eq!(
        both(
            &s,
            "POST",
            "/api/v1/project/integration/order/list?project=999",
            Some("demo-key"),
            "{}"
        ),
        ("access_denied".into(), 403)
    );
    assert_eq!(
        both(
            &s,
            "POST",
            "/api/v1/project/integration/order/list",
            Some("demo-key"),
            "{}"
        ),
        ("incorrect_request".into(), 400)
    );
    assert_eq!(
        both(
            &s,
            "POST",
            "/api/v1/project/integration/order/list?project=abc",
            Some("demo-key"),
            "{}"
        ),
        ("incorrect_request".into(), 400)
    );
    // The (unsafe) ?key= parameter is accepted, and redacted in the log.
    let mut c = Conn::open(s.addr());
    let r = c
        .request(
            "POST",
            "/api/v1/project/integration/order/list?project=12345&key=demo-key",
            &[],
            b"{}",
        )
        .unwrap();
    assert_eq!(r.json()["status"], "success");
    assert_eq!(
        s.requests().last().unwrap().query,
        "project=12345&key=[redacted]"
    );
}

#[test]
fn routing_method_and_body_errors() {
    let s = MockServer::start().unwrap();
    let k = Some("demo-key");
    let cases: &[(&str, &str, &str, &str, u16)] = &[
        (
            "POST",
            "/api/v1/project/no/such/method?project=12345",
            "",
            "resource_not_found",
            404,
        ),
        (
            "GET",
            "/api/v2/project/integration/order/list?project=12345",
            "",
            "resource_not_found",
            404,
        ),
        ("GET", "/?project=12345", "", "resource_not_found", 404),
        (
            "GET",
            "/api/v1/project/orders/nope/info?project=12345",
            "",
            "resource_not_found",
            404,
        ),
        (
            "GET",
            "/api/v1/project/orders/nope/external-url?project=12345",
            "",
            "resource_not_found",
            404,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/nope/delete?project=12345",
            "",
            "resource_not_found",
            404,
        ),
        (
            "DELETE",
            "/api/v1/project/integration/order/123/delete?project=12345",
            "",
            "incorrect_request",
            400,
        ),
        (
            "GET",
            "/api/v1/project/add-orders?project=12345",
            "",
            "incorrect_request",
            400,
        ),
        (
            "POST",
            "/api/v1/project/orders/123/info?project=12345",
            "",
            "incorrect_request",
            400,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/list?project=12345",
            "{not json",
            "incorrect_request",
            400,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/list?project=12345",
            "[1,2]",
            "incorrect_request",
            400,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/list?project=12345",
            r#"{"limit": -1}"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/list?project=12345",
            r#"{"extend": "visit"}"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/add-orders?project=12345",
            "",
            "incorrect_request",
            400,
        ),
        (
            "POST",
            "/api/v1/project/add-orders?project=12345",
            r#"{"id": "1"}"#,
            "incorrect_request",
            400,
        ),
        (
            "POST",
            "/api/v1/project/add-orders?project=12345",
            r#"[{"name": "no id"}]"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/add-orders?project=12345",
            r#"[{"id": "1", "price": "abc"}]"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/add-orders?project=12345",
            r#"[{"id": "1", "fields": "x"}]"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/add-orders?project=12345",
            r#"[{"id": "1", "date_create": "soon"}]"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/set-statuses?project=12345",
            r#"[{"id": "1", "name": "x", "type": "weird"}]"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/set-statuses?project=12345",
            r#"[{"name": "x", "type": "paid"}]"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/set-statuses?project=12345",
            r#"{"id": "1"}"#,
            "incorrect_request",
            400,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/123/status/update?project=12345",
            "{}",
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/123/status/update?project=12345",
            r#"{"status_id": "nope"}"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/123/status/update?project=12345",
            r#"{"status_id": ["x"]}"#,
            "request_data_validation_error",
            400,
        ),
        (
            "POST",
            "/api/v1/project/integration/order/list?project=12345",
            r#"{"filters": {"and": [["id", "=", "1"]]}}"#,
            "internal_error",
            500,
        ),
    ];
    let before = s.store().snapshot();
    for (method, target, body, code, status) in cases {
        let got = both(&s, method, target, k, body);
        assert_eq!(got, (code.to_string(), *status), "{method} {target} {body}");
    }
    assert_eq!(
        s.store().snapshot(),
        before,
        "no failed request changed the store"
    );
}

#[test]
fn billing_and_authorization_codes_via_the_fault_script() {
    let s = MockServer::start().unwrap();
    let t = "/api/v1/project/integration/status/list?project=12345";
    for (code, status) in [
        ("project_frozen", 402),
        ("insufficient_funds", 402),
        ("option_not_paid", 402),
        ("authorization_failed", 403),
        ("access_denied", 403),
        ("request_limit_error", 429),
        ("unknown_error", 500),
    ] {
        s.faults()
            .next(2, Fault::error(code, format!("{code} for a test")));
        assert_eq!(
            both(&s, "POST", t, Some("demo-key"), ""),
            (code.to_string(), status)
        );
    }
}

#[test]
fn error_envelopes_have_the_documented_shape() {
    let s = MockServer::start().unwrap();
    let mut c = Conn::open(s.addr());
    let r = c
        .request(
            "POST",
            "/api/v1/project/integration/order/list?project=12345",
            &[],
            b"",
        )
        .unwrap();
    support::assert_same_shape(
        &r.json(),
        &support::fixture("variants/error-authentication_failed.json"),
        "$",
    );
    insta::assert_json_snapshot!("error_authentication_failed", r.json());
    let r = c
        .request(
            "GET",
            "/api/v1/project/orders/nope/info?project=12345",
            &[("Api-key", "demo-key")],
            b"",
        )
        .unwrap();
    insta::assert_json_snapshot!("error_resource_not_found", r.json());
}
