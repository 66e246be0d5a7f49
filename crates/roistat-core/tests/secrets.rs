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
use roistat_core::{ApiKey, Config, Endpoint, Error, FailureKind, decode, prepare};

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
