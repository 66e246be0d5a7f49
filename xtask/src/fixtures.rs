//! `cargo xtask fixtures`: every fixture decodes with the SDK's own models and decoder.
//!
//! The file name selects the check (see `fixtures/README.md`):
//! - `<operation>.response.json`: `roistat_core::decode` with that operation's endpoint
//!   must succeed;
//! - `<operation>.request.json`: the request model must deserialize and the endpoint
//!   constructor must accept it;
//! - `error-<CODE>.json`: decoding (as any operation, with HTTP 200 and with the status
//!   `Use-Http-Code` gives) must be `Error::Api` with that code;
//! - `*.html`, `*.txt`: decoding must fail with a typed `UnexpectedResponse`, not panic.

use std::path::{Path, PathBuf};

use http::{HeaderMap, StatusCode};
use roistat_blocking::types::{
    ErrorCode, ListOrdersRequest, NewOrder, OrderId, Status, StatusId, StatusType,
    UpdateOrderStatusRequest,
};
use roistat_core::endpoints::{
    AddOrders, DeleteOrder, GetOrderExternalUrl, GetOrderInfo, ListCustomFields, ListOrders,
    ListStatuses, SetStatuses, UpdateOrderStatus,
};
use roistat_core::{Endpoint, Error, decode};

/// What a check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Fixtures checked.
    pub checked: usize,
    /// `path: what went wrong`, one per failed fixture.
    pub problems: Vec<String>,
}

/// Checks every file under `dir`, recursively (`README.md` and dot files skipped).
pub fn check_dir(dir: &Path) -> Result<Report, String> {
    let mut files = Vec::new();
    collect(dir, &mut files).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    files.sort();
    let mut report = Report::default();
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.starts_with('.') || name.eq_ignore_ascii_case("README.md") {
            continue;
        }
        report.checked += 1;
        let result = std::fs::read(&path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| check_file(&name, &bytes));
        if let Err(problem) = result {
            report
                .problems
                .push(format!("{}: {problem}", path.display()));
        }
    }
    Ok(report)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The operations, by fixture prefix.
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

/// Checks one fixture by its file name.
pub fn check_file(name: &str, body: &[u8]) -> Result<(), String> {
    if let Some(code) = name
        .strip_prefix("error-")
        .and_then(|n| n.strip_suffix(".json"))
    {
        return check_error(code, body);
    }
    if name.ends_with(".html") || name.ends_with(".txt") {
        return check_not_json(body);
    }
    let prefix = name.split('.').next().unwrap_or_default();
    if name.ends_with(".response.json") {
        return decode_response(prefix, StatusCode::OK, body)
            .map(|_| ())
            .map_err(|e| format!("does not decode: {e}"));
    }
    if name.ends_with(".request.json") {
        return check_request(prefix, body);
    }
    Err("no rule for this file name (see fixtures/README.md)".to_string())
}

/// Decodes `body` as the answer to the operation `prefix` names.
fn decode_response(prefix: &str, status: StatusCode, body: &[u8]) -> Result<(), Error> {
    fn go<E: Endpoint>(e: E, status: StatusCode, body: &[u8]) -> Result<(), Error> {
        decode(&e, status, &HeaderMap::new(), body).map(|_| ())
    }
    let id = || OrderId::new_unchecked("123");
    let status_id = || StatusId::new_unchecked("1");
    match prefix {
        "order-list" => go(ListOrders::all(), status, body),
        "add-orders" => go(AddOrders::new(vec![NewOrder::new(id())])?, status, body),
        "order-info" => go(GetOrderInfo::new(id())?, status, body),
        "order-external-url" => go(GetOrderExternalUrl::new(id())?, status, body),
        "status-list" => go(ListStatuses::new(), status, body),
        "set-statuses" => go(
            SetStatuses::new(vec![Status::new(status_id(), "New", StatusType::Progress)])?,
            status,
            body,
        ),
        "order-custom-fields" => go(ListCustomFields::new(), status, body),
        "order-status-update" => go(UpdateOrderStatus::new(id(), status_id())?, status, body),
        "order-delete" => go(DeleteOrder::new(id())?, status, body),
        other => Err(Error::invalid_request(format!(
            "unknown operation `{other}` (one of {})",
            OPERATIONS.join(", ")
        ))),
    }
}

fn check_request(prefix: &str, body: &[u8]) -> Result<(), String> {
    let json = |e: serde_json::Error| format!("does not deserialize: {e}");
    let endpoint = |e: Error| format!("refused by the endpoint: {e}");
    match prefix {
        "order-list" => {
            let r: ListOrdersRequest = serde_json::from_slice(body).map_err(json)?;
            ListOrders::new(r).map(|_| ()).map_err(endpoint)
        }
        "add-orders" => {
            let r: Vec<NewOrder> = serde_json::from_slice(body).map_err(json)?;
            AddOrders::new(r).map(|_| ()).map_err(endpoint)
        }
        "set-statuses" => {
            let r: Vec<Status> = serde_json::from_slice(body).map_err(json)?;
            SetStatuses::new(r).map(|_| ()).map_err(endpoint)
        }
        "order-status-update" => {
            let r: UpdateOrderStatusRequest = serde_json::from_slice(body).map_err(json)?;
            UpdateOrderStatus::new(OrderId::new_unchecked("1"), r.status_id)
                .map(|_| ())
                .map_err(endpoint)
        }
        other => Err(format!("no request model for `{other}`")),
    }
}

fn check_error(code: &str, body: &[u8]) -> Result<(), String> {
    let expected = ErrorCode::from(code);
    let statuses = [
        StatusCode::OK,
        StatusCode::from_u16(expected.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
    ];
    for status in statuses {
        for op in OPERATIONS {
            match decode_response(op, status, body) {
                Err(Error::Api(api)) if api.code == expected => {}
                Err(Error::Api(api)) => {
                    return Err(format!(
                        "as {op} with HTTP {status}: code `{}`, the name says `{code}`",
                        api.code
                    ));
                }
                other => {
                    return Err(format!(
                        "as {op} with HTTP {status}: not an API error: {other:?}"
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_not_json(body: &[u8]) -> Result<(), String> {
    for status in [StatusCode::OK, StatusCode::BAD_GATEWAY] {
        for op in OPERATIONS {
            match decode_response(op, status, body) {
                Err(Error::UnexpectedResponse { .. }) => {}
                other => {
                    return Err(format!(
                        "as {op} with HTTP {status}: expected UnexpectedResponse, got {other:?}"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_fixtures_all_pass() {
        let report = check_dir(&crate::workspace_root().join("fixtures")).unwrap();
        assert!(report.problems.is_empty(), "{:#?}", report.problems);
        assert!(report.checked >= 40, "only {} fixtures", report.checked);
    }

    #[test]
    fn broken_fixtures_fail() {
        for (name, body) in [
            (
                "order-list.response.json",
                &br#"{"data": 5, "status": "success"}"#[..],
            ),
            ("status-list.response.json", b"not json"),
            ("error-access_denied.json", br#"{"status":"success"}"#),
            (
                "error-access_denied.json",
                br#"{"status":"error","error":"project_frozen"}"#,
            ),
            ("add-orders.request.json", br#"[{"id": ""}]"#),
            ("proxy.html", br#"{"status":"success"}"#),
            ("what-is-this.json", b"{}"),
            ("nope.response.json", br#"{"status":"success"}"#),
        ] {
            assert!(check_file(name, body).is_err(), "{name} passed: {body:?}");
        }
        assert!(
            check_file(
                "status-list.response.json",
                br#"{"data":[],"total":0,"status":"success"}"#
            )
            .is_ok()
        );
    }
}
