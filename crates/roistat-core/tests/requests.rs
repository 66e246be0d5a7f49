//! Snapshots of the request `prepare` builds for each of the nine operations, and the
//! checks that the documented request bodies are sent exactly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{config, config_http_code, fixture, render};
use roistat_core::endpoints::{
    AddOrders, DeleteOrder, GetOrderExternalUrl, GetOrderInfo, ListCustomFields, ListOrders,
    ListStatuses, SetStatuses, UpdateOrderStatus,
};
use roistat_core::types::{
    ListOrdersRequest, MAX_ID_LEN, NewOrder, OrderId, Status, StatusId, ValidationError,
};
use roistat_core::{Endpoint, RateClass, RetrySafety, prepare};

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The body we send equals the documented example (as JSON values).
fn assert_sends_fixture(endpoint: &impl Endpoint, rel: &str) {
    let request = prepare(&config(), endpoint).unwrap();
    assert_eq!(json(request.body()), json(&fixture(rel)), "{rel}");
}

#[test]
fn list_orders() {
    let body: ListOrdersRequest =
        serde_json::from_slice(&fixture("reference/order-list.request.json")).unwrap();
    let endpoint = ListOrders::new(body).unwrap();
    assert_sends_fixture(&endpoint, "reference/order-list.request.json");
    assert_eq!(endpoint.retry_safety(), RetrySafety::Idempotent);
    assert_eq!(
        endpoint.rate_class(),
        RateClass::OrderList {
            with_visits: true,
            limit: Some(100)
        }
    );
    insta::assert_snapshot!(render(&prepare(&config(), &endpoint).unwrap()));
}

#[test]
fn add_orders() {
    let orders: Vec<NewOrder> =
        serde_json::from_slice(&fixture("reference/add-orders.request.json")).unwrap();
    let endpoint = AddOrders::new(orders).unwrap();
    assert_sends_fixture(&endpoint, "reference/add-orders.request.json");
    assert_eq!(endpoint.retry_safety(), RetrySafety::Idempotent);
    insta::assert_snapshot!(render(&prepare(&config(), &endpoint).unwrap()));
}

#[test]
fn order_info() {
    let endpoint = GetOrderInfo::new(OrderId::new("order_12345").unwrap()).unwrap();
    insta::assert_snapshot!(render(&prepare(&config(), &endpoint).unwrap()));
}

#[test]
fn order_external_url() {
    let endpoint = GetOrderExternalUrl::new(OrderId::new("123").unwrap()).unwrap();
    insta::assert_snapshot!(render(&prepare(&config(), &endpoint).unwrap()));
}

#[test]
fn list_statuses() {
    insta::assert_snapshot!(render(&prepare(&config(), &ListStatuses::new()).unwrap()));
}

#[test]
fn set_statuses() {
    let statuses: Vec<Status> =
        serde_json::from_slice(&fixture("reference/set-statuses.request.json")).unwrap();
    let endpoint = SetStatuses::new(statuses).unwrap();
    assert_sends_fixture(&endpoint, "reference/set-statuses.request.json");
    insta::assert_snapshot!(render(&prepare(&config(), &endpoint).unwrap()));
}

#[test]
fn custom_field_names() {
    insta::assert_snapshot!(render(
        &prepare(&config(), &ListCustomFields::new()).unwrap()
    ));
}

#[test]
fn update_order_status() {
    let endpoint =
        UpdateOrderStatus::new(OrderId::new("123").unwrap(), StatusId::new("1").unwrap()).unwrap();
    assert_sends_fixture(&endpoint, "reference/order-status-update.request.json");
    insta::assert_snapshot!(render(&prepare(&config(), &endpoint).unwrap()));
}

#[test]
fn delete_order() {
    let endpoint = DeleteOrder::new(OrderId::new("123").unwrap()).unwrap();
    assert_eq!(endpoint.retry_safety(), RetrySafety::NotIdempotent);
    insta::assert_snapshot!(render(&prepare(&config(), &endpoint).unwrap()));
}

#[test]
fn use_http_code_header() {
    let request = prepare(&config_http_code(), &ListStatuses::new()).unwrap();
    assert_eq!(request.headers()["use-http-code"], "1");
    let request = prepare(&config(), &ListStatuses::new()).unwrap();
    assert!(request.headers().get("use-http-code").is_none());
}

#[test]
fn hostile_order_ids_stay_in_their_segment() {
    let id = OrderId::new("../delete?x").unwrap();
    for request in [
        prepare(&config(), &GetOrderInfo::new(id.clone()).unwrap()).unwrap(),
        prepare(&config(), &DeleteOrder::new(id.clone()).unwrap()).unwrap(),
    ] {
        let uri = request.uri();
        assert!(uri.path().contains("/..%2Fdelete%3Fx/"), "{uri}");
        assert_eq!(uri.query(), Some("project=12345"));
    }
    // URL parsers read `%2E%2E` as `..`: dot ids are refused before anything is built.
    for dots in [".", ".."] {
        let e = GetOrderInfo::new(OrderId::new(dots).unwrap()).unwrap_err();
        assert!(e.to_string().contains("relative path segment"), "{e}");
        assert!(DeleteOrder::new(OrderId::new(dots).unwrap()).is_err());
    }
    // `...` is an ordinary segment name.
    let three = prepare(
        &config(),
        &GetOrderInfo::new(OrderId::new("...").unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(three.uri().path(), "/api/v1/project/orders/%2E%2E%2E/info");
    // Empty ids (possible through new_unchecked) are refused, not turned into `//`.
    assert!(GetOrderInfo::new(OrderId::new_unchecked("")).is_err());
    assert!(DeleteOrder::new(OrderId::new_unchecked("  ")).is_err());
}

#[test]
fn validation_errors_are_clear() {
    let long = "x".repeat(1001);
    let e = AddOrders::new(vec![
        NewOrder::new(OrderId::new("ok").unwrap()),
        NewOrder::new(OrderId::new("bad").unwrap()).field("Manager", long),
    ])
    .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("order #1") && text.contains("`bad`") && text.contains("Manager"),
        "{text}"
    );

    let raw = roistat_core::types::Filter::raw(
        "source_type",
        roistat_core::types::Operator::Eq,
        roistat_core::types::FilterValue::Text("x".into()),
    );
    let e = ListOrders::new(ListOrdersRequest::new().filter(raw)).unwrap_err();
    assert!(e.to_string().contains("source_type"), "{e}");
    assert!(ListOrders::new(ListOrdersRequest::new().limit(0)).is_err());
}

#[test]
fn an_order_id_too_long_for_a_url_is_invalid_input() {
    // 70,000 bytes: past the 64 KiB a URI may have. Before the check, building the
    // request failed with a configuration error, as if the base URL were wrong.
    let huge = || OrderId::new_unchecked("7".repeat(70_000));
    let results: Vec<roistat_core::Error> = vec![
        GetOrderInfo::new(huge()).map(|_| ()).unwrap_err(),
        GetOrderExternalUrl::new(huge()).map(|_| ()).unwrap_err(),
        DeleteOrder::new(huge()).map(|_| ()).unwrap_err(),
        UpdateOrderStatus::new(huge(), StatusId::new("1").unwrap())
            .map(|_| ())
            .unwrap_err(),
        AddOrders::new(vec![NewOrder::new(huge())])
            .map(|_| ())
            .unwrap_err(),
    ];
    for e in results {
        assert!(
            matches!(
                &e,
                roistat_core::Error::InvalidInput(ValidationError::IdTooLong {
                    kind: "order id",
                    len: 70_000,
                    ..
                })
            ) || matches!(&e, roistat_core::Error::InvalidRequest { message }
                if message.contains("order #0") && message.contains("at most")),
            "{e:?}"
        );
        assert!(e.to_string().contains("70000 bytes"), "{e}");
        assert!(
            e.to_string().len() < 300,
            "the id is not repeated whole: {e}"
        );
    }
    // The checked constructor says the same, and the longest allowed id goes through.
    assert!(matches!(
        OrderId::new("7".repeat(70_000)),
        Err(ValidationError::IdTooLong { .. })
    ));
    let longest = OrderId::new("7".repeat(MAX_ID_LEN)).unwrap();
    assert!(prepare(&config(), &GetOrderInfo::new(longest).unwrap()).is_ok());
}
