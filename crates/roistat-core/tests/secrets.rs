//! The API key never appears in a URL, a Debug or a Display output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{KEY, config, config_http_code};
use http::{HeaderMap, StatusCode};
use roistat_core::endpoints::{
    AddOrders, DeleteOrder, GetOrderExternalUrl, GetOrderInfo, ListCustomFields, ListOrders,
    ListStatuses, SetStatuses, UpdateOrderStatus,
};
use roistat_core::types::{NewOrder, OrderId, ProjectId, Status, StatusId, StatusType};
use roistat_core::{ApiKey, Config, Endpoint, Error, FailureKind, decode, prepare, redact_secret};

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(KEY),
        "the API key leaked through {what}: {text}"
    );
}

fn check<E: Endpoint + std::fmt::Debug>(endpoint: &E) {
    for config in [config(), config_http_code()] {
        let request = prepare(&config, endpoint).unwrap();
        assert_clean("the URI", &request.uri().to_string());
        assert_clean("Debug of the request", &format!("{request:?}"));
        assert_clean("Debug of the headers", &format!("{:?}", request.headers()));
        assert_clean("the body", &String::from_utf8_lossy(request.body()));
        assert_clean("Debug of the endpoint", &format!("{endpoint:?}"));
        // Every kind of answer error.
        for (status, body) in [
            (
                200,
                &br#"{"status":"error","error":"authentication_failed","description":"bad key"}"#[..],
            ),
            (502, b"<html>502</html>"),
            (200, b""),
            (200, br#"{"data": 1, "status": "success"}"#),
        ] {
            if let Err(e) = decode(
                endpoint,
                StatusCode::from_u16(status).unwrap(),
                &HeaderMap::new(),
                body,
            ) {
                assert_clean("Debug of an error", &format!("{e:?}"));
                assert_clean("Display of an error", &e.to_string());
            }
        }
    }
}

#[test]
fn no_output_contains_the_key() {
    let id = || OrderId::new("1").unwrap();
    check(&ListOrders::all());
    check(&AddOrders::new(vec![NewOrder::new(id())]).unwrap());
    check(&GetOrderInfo::new(id()).unwrap());
    check(&GetOrderExternalUrl::new(id()).unwrap());
    check(&ListStatuses::new());
    check(
        &SetStatuses::new(vec![Status::new(
            StatusId::new("1").unwrap(),
            "a",
            StatusType::Paid,
        )])
        .unwrap(),
    );
    check(&ListCustomFields::new());
    check(&UpdateOrderStatus::new(id(), StatusId::new("2").unwrap()).unwrap());
    check(&DeleteOrder::new(id()).unwrap());

    let key = ApiKey::new(KEY).unwrap();
    assert_eq!(format!("{key:?}"), "ApiKey(***)");
    assert_eq!(format!("{key}"), "ApiKey(***)");
    assert_clean("Debug of the config", &format!("{:?}", config()));
    let builder = Config::builder(ProjectId::new(1), key.clone()).base_url("http://example.com");
    assert_clean("Debug of the builder", &format!("{builder:?}"));
    let err = builder.build().unwrap_err();
    assert_clean("a config error", &format!("{err} {err:?}"));
    let err = Error::RetriesExhausted {
        attempts: 4,
        last: Box::new(Error::transport(
            FailureKind::Io,
            Some("connection reset".into()),
        )),
    };
    assert_clean("a wrapped error", &format!("{err} {err:?}"));
    // A key that cannot be a header value is refused without being echoed.
    let bad = ApiKey::new(format!("{KEY}\u{7f}")).unwrap_err();
    assert_clean("an API key error", &format!("{bad} {bad:?}"));
}

/// A proxy's error page or a debugging endpoint that reflects the request headers puts
/// the key into the body, and the body's start into the error (`snippet`, the decoder's
/// message, Roistat's description and details). The decoder never sees the key, so it
/// cannot hide it; `redact_secret`, applied where the key is known, must.
#[test]
fn a_body_that_echoes_the_key_is_redacted_by_redact_secret() {
    let key = ApiKey::new(KEY).unwrap();
    let api_error = format!(
        r#"{{"status":"error","error":"authentication_failed","description":"bad key {KEY}","details":{{"{KEY}":["{KEY}"]}}}}"#
    );
    let html = format!("<html><body>502<pre>Api-key: {KEY}\r\nHost: x</pre></body></html>");
    let decode_error = format!(r#"{{"data": "{KEY}", "status": "success"}}"#);
    // The key cut by the snippet's end (at most SNIPPET_LEN bytes are kept).
    let cut = format!(
        "<html>{}{KEY}</html>",
        "x".repeat(roistat_core::decode::SNIPPET_LEN - 6 - KEY.len() / 2)
    );
    let bodies: [(u16, &[u8]); 5] = [
        (200, api_error.as_bytes()),
        (401, api_error.as_bytes()),
        (502, html.as_bytes()),
        (200, decode_error.as_bytes()),
        (503, cut.as_bytes()),
    ];
    let mut leaked = 0;
    for (status, body) in bodies {
        for endpoint in [&ListStatuses::new() as &dyn Check, &ListOrders::all()] {
            let e = endpoint.decode_err(StatusCode::from_u16(status).unwrap(), body);
            let raw = format!("{e} {e:?}");
            if raw.contains(KEY) || raw.contains(&KEY[..KEY.len() / 2]) {
                leaked += 1;
            }
            let wrapped = Error::RetriesExhausted {
                attempts: 2,
                last: Box::new(endpoint.decode_err(StatusCode::from_u16(status).unwrap(), body)),
            };
            for e in [e, wrapped] {
                let kind = std::mem::discriminant(&e);
                let clean = redact_secret(e, &key);
                assert_eq!(std::mem::discriminant(&clean), kind, "same variant");
                let text = format!("{clean} {clean:?}");
                assert_clean("a redacted error", &text);
                assert!(
                    !text.contains(&KEY[..KEY.len() / 2]),
                    "half of the key survived: {text}"
                );
                assert!(text.contains("***"), "{text}");
            }
        }
    }
    // Without redaction every one of these errors shows the key: the case is real.
    assert_eq!(leaked, 10);
    // Errors without the key come back unchanged.
    let plain = Error::transport(FailureKind::Connect, Some("connection refused".into()));
    let plain = redact_secret(plain, &key);
    assert_eq!(
        plain.to_string(),
        "cannot connect before the request was sent"
    );
    let source = std::error::Error::source(&plain).map(|s| s.to_string());
    assert_eq!(source.as_deref(), Some("connection refused"));
    // A transport error whose cause quotes the key loses that cause.
    let leaky = Error::transport(FailureKind::Io, Some(format!("reset by {KEY}").into()));
    assert!(std::error::Error::source(&redact_secret(leaky, &key)).is_none());
}

/// `decode` for any endpoint, object-safe for the loop above.
trait Check {
    fn decode_err(&self, status: StatusCode, body: &[u8]) -> Error;
}

impl<E: Endpoint> Check for E {
    fn decode_err(&self, status: StatusCode, body: &[u8]) -> Error {
        decode(self, status, &HeaderMap::new(), body)
            .err()
            .expect("the body is an error")
    }
}
