//! Every fixture under `fixtures/` goes through `decode` with the endpoint its name
//! selects (see `fixtures/README.md`): success bodies decode (and are snapshotted), error
//! envelopes become typed API errors with or without `Use-Http-Code`, and the non-JSON
//! bodies become `UnexpectedResponse`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::fixtures;
use http::{HeaderMap, StatusCode};
use roistat_core::endpoints::{
    AddOrders, DeleteOrder, GetOrderExternalUrl, GetOrderInfo, ListCustomFields, ListOrders,
    ListStatuses, SetStatuses, UpdateOrderStatus,
};
use roistat_core::types::{ErrorCode, NewOrder, OrderId, Status, StatusId, StatusType};
use roistat_core::{DecodeOptions, Endpoint, Error, decode, decode_with};
use serde::Serialize;

/// Decodes `body` as the answer to the operation named by `prefix`; the output is
/// returned re-serialized for snapshots.
fn decode_as(prefix: &str, status: StatusCode, body: &[u8]) -> Result<serde_json::Value, Error> {
    fn go<E: Endpoint>(e: E, status: StatusCode, body: &[u8]) -> Result<serde_json::Value, Error>
    where
        E::Output: Serialize,
    {
        decode(&e, status, &HeaderMap::new(), body).map(|v| serde_json::to_value(v).unwrap())
    }
    let id = || OrderId::new("123").unwrap();
    match prefix {
        "order-list" => go(ListOrders::all(), status, body),
        "add-orders" => go(
            AddOrders::new(vec![NewOrder::new(id())]).unwrap(),
            status,
            body,
        ),
        "order-info" => go(GetOrderInfo::new(id()).unwrap(), status, body),
        "order-external-url" => go(GetOrderExternalUrl::new(id()).unwrap(), status, body),
        "status-list" => go(ListStatuses::new(), status, body),
        "set-statuses" => go(
            SetStatuses::new(vec![Status::new(
                StatusId::new("1").unwrap(),
                "New",
                StatusType::Progress,
            )])
            .unwrap(),
            status,
            body,
        ),
        "order-custom-fields" => go(ListCustomFields::new(), status, body),
        "order-status-update" => go(
            UpdateOrderStatus::new(id(), StatusId::new("1").unwrap()).unwrap(),
            status,
            body,
        ),
        "order-delete" => go(DeleteOrder::new(id()).unwrap(), status, body),
        other => panic!("no operation for fixture prefix `{other}`"),
    }
}

const OPERATIONS: [&str; 9] = [
    "order-list",
    "add-orders",
    "order-info",
    "order-external-url",
    "status-list",
    "set-statuses",
    "order-custom-fields",
    "order-status-update",
    "order-delete",
];

fn files(dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(fixtures().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_success_fixture_decodes() {
    let mut decoded = 0;
    for dir in ["reference", "variants"] {
        for (name, body) in files(dir) {
            if !name.ends_with(".response.json") {
                continue;
            }
            let prefix = name.split('.').next().unwrap();
            let value = decode_as(prefix, StatusCode::OK, &body)
                .unwrap_or_else(|e| panic!("{dir}/{name}: {e}"));
            let snapshot = format!("{dir}__{}", name.trim_end_matches(".json"));
            if value == serde_json::json!({}) {
                // `Success` has no fields: `{}` alone would show nothing. Show the body
                // that `decode` accepted as a success.
                let raw = String::from_utf8_lossy(&body);
                insta::assert_snapshot!(
                    snapshot,
                    format!("fixture: {}\ndecoded: Success", raw.trim())
                );
            } else {
                insta::assert_json_snapshot!(snapshot, value);
            }
            decoded += 1;
        }
    }
    // 9 answers (delete has none in the reference; ours is assumed) + 25 variants.
    assert!(decoded >= 34, "only {decoded} fixtures found");
}

#[test]
fn every_reference_operation_has_a_response_fixture() {
    let names: Vec<String> = files("reference").into_iter().map(|(n, _)| n).collect();
    for op in OPERATIONS {
        assert!(
            names.contains(&format!("{op}.response.json")),
            "missing reference/{op}.response.json"
        );
    }
}

#[test]
fn every_error_envelope_is_a_typed_api_error_for_every_operation() {
    let mut seen = 0;
    for (name, body) in files("variants") {
        let Some(code) = name
            .strip_prefix("error-")
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let expected = ErrorCode::from(code);
        let envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
        // Default: HTTP 200. With Use-Http-Code: the status that code maps to.
        for status in [
            StatusCode::OK,
            StatusCode::from_u16(expected.http_status()).unwrap(),
        ] {
            for op in OPERATIONS {
                let err = decode_as(op, status, &body).unwrap_err();
                let Error::Api(api) = &err else {
                    panic!("{name} as {op} with {status}: {err:?}")
                };
                assert_eq!(api.code, expected, "{name}");
                assert_eq!(api.http_status, status);
                assert_eq!(
                    api.description.as_deref(),
                    envelope["description"].as_str(),
                    "{name}"
                );
                assert_eq!(api.details.as_ref(), envelope.get("details"), "{name}");
                assert_eq!(err.request_state(), roistat_core::RequestState::Answered);
                assert_eq!(
                    err.is_retryable(),
                    matches!(
                        expected,
                        ErrorCode::RequestLimitError | ErrorCode::InternalError
                    ),
                    "{name}"
                );
            }
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        ErrorCode::KNOWN.len() + 1,
        "one fixture per known code + an unknown one"
    );
}

#[test]
fn unknown_codes_are_kept() {
    let body = common::fixture("variants/error-some_new_code.json");
    let err = decode_as("order-list", StatusCode::OK, &body).unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(&ErrorCode::Other("some_new_code".into()))
    );
}

#[test]
fn proxy_html_keeps_status_and_a_snippet() {
    let body = common::fixture("variants/proxy-502.html");
    for op in OPERATIONS {
        let err = decode_as(op, StatusCode::BAD_GATEWAY, &body).unwrap_err();
        let Error::UnexpectedResponse {
            http_status,
            snippet,
            ..
        } = &err
        else {
            panic!("{op}: {err:?}")
        };
        assert_eq!(*http_status, StatusCode::BAD_GATEWAY);
        assert!(snippet.contains("502 Bad Gateway"));
        assert!(err.is_retryable());
        assert!(err.to_string().contains("HTTP 502"), "{err}");
    }
    // The same page with a 200 (a misconfigured proxy) is still no success.
    assert!(matches!(
        decode_as("order-delete", StatusCode::OK, &body),
        Err(Error::UnexpectedResponse { .. })
    ));
}

#[test]
fn empty_body_is_unexpected_not_a_panic() {
    let body = common::fixture("variants/empty.txt");
    assert!(body.is_empty());
    for status in [
        StatusCode::OK,
        StatusCode::BAD_GATEWAY,
        StatusCode::NO_CONTENT,
    ] {
        for op in OPERATIONS {
            let err = decode_as(op, status, &body).unwrap_err();
            assert!(
                matches!(&err, Error::UnexpectedResponse { http_status, snippet, .. }
                    if *http_status == status && snippet.is_empty()),
                "{op} {status}: {err:?}"
            );
        }
    }
}

#[test]
fn decode_errors_name_the_json_path() {
    let mut doc: serde_json::Value =
        serde_json::from_slice(&common::fixture("reference/order-info.response.json")).unwrap();
    doc["products"][1]["categories"] = serde_json::json!(17);
    let body = serde_json::to_vec(&doc).unwrap();
    let err = decode_as("order-info", StatusCode::OK, &body).unwrap_err();
    let Error::Decode { path, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, "products[1].categories");
    assert!(err.to_string().contains("products[1].categories"), "{err}");
}

#[test]
fn the_odd_row_is_delivered_and_strict_mode_names_it() {
    let body = common::fixture("variants/order-list.one-odd-row.response.json");
    let list = ListOrders::all();
    let page = decode(&list, StatusCode::OK, &HeaderMap::new(), &body).unwrap();
    assert_eq!(page.data.len(), 10);
    assert_eq!(page.partial_rows().count(), 1);
    assert_eq!(
        list.first_decode_issue(&page).unwrap().0,
        "data[9].creation_date"
    );
    let strict = DecodeOptions::strict();
    let err = decode_with(&list, StatusCode::OK, &HeaderMap::new(), &body, &strict).unwrap_err();
    let Error::Decode {
        path,
        message,
        http_status,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(path, "data[9].creation_date");
    assert!(message.contains("31.08.2026 03:00"), "{message}");
    assert_eq!(*http_status, StatusCode::OK);
    assert_eq!(err.request_state(), roistat_core::RequestState::Answered);
    // Every other order-list fixture passes strict mode: their quirks are supported.
    for (name, body) in files("variants").into_iter().chain(files("reference")) {
        if name.starts_with("order-list.")
            && name.ends_with(".response.json")
            && !name.contains("one-odd-row")
        {
            decode_with(&list, StatusCode::OK, &HeaderMap::new(), &body, &strict)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
