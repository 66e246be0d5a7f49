//! Every recorded fixture decodes into its model, re-encodes to the wire form, and
//! decodes back to the same value; the decoded values are snapshotted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use roistat_types::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Decodes, snapshots the re-encoded wire form, and checks decode(encode(x)) == x.
fn check<T>(path: &Path) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let bytes = std::fs::read(path).unwrap();
    let value: T = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()));
    let encoded = serde_json::to_vec(&value).unwrap();
    let again: T = serde_json::from_slice(&encoded).unwrap();
    assert_eq!(again, value, "{} does not round-trip", path.display());
    let name = format!(
        "{}__{}",
        path.parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy(),
        path.file_name().unwrap().to_string_lossy()
    );
    if encoded == b"{}" {
        // A model without fields (`Success`) would snapshot as `{}`, which shows nothing:
        // show the body it was decoded from, and the value.
        let raw = String::from_utf8_lossy(&bytes);
        insta::assert_snapshot!(name, format!("fixture: {}\ndecoded: {value:?}", raw.trim()));
    } else {
        insta::assert_json_snapshot!(name, value);
    }
    value
}

/// Which model a fixture file holds, by its name.
fn decode(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let (op, rest) = name.split_once('.').unwrap_or((name.as_str(), ""));
    let request = rest.ends_with("request.json");
    match op {
        _ if op.starts_with("error-") => {
            check::<ApiErrorBody>(path);
        }
        "order-list" if request => {
            check::<ListOrdersRequest>(path);
        }
        "order-list" => {
            check::<OrderList>(path);
        }
        "add-orders" if request => {
            for o in check::<Vec<NewOrder>>(path) {
                o.validate().unwrap();
            }
        }
        "add-orders" => {
            check::<AddOrdersReport>(path);
        }
        "order-info" => {
            check::<OrderInfo>(path);
        }
        "order-external-url" => {
            check::<ExternalUrl>(path);
        }
        "status-list" => {
            check::<StatusList>(path);
        }
        "set-statuses" if request => {
            for s in check::<Vec<Status>>(path) {
                s.validate().unwrap();
            }
        }
        "order-custom-fields" => {
            check::<CustomFieldNames>(path);
        }
        "order-status-update" if request => {
            check::<UpdateOrderStatusRequest>(path);
        }
        "set-statuses" | "order-status-update" | "order-delete" => {
            check::<Success>(path);
        }
        // HTML and empty bodies are the core decoder's business, not a model's.
        _ if !name.ends_with(".json") => return false,
        _ => panic!("fixture {name} has no model: name it <operation>.<...>.json"),
    }
    true
}

#[test]
fn every_fixture_decodes_round_trips_and_matches_its_snapshot() {
    let mut decoded = 0;
    for dir in ["reference", "variants"] {
        let mut paths: Vec<_> = std::fs::read_dir(fixtures_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            if decode(&path) {
                decoded += 1;
            }
        }
    }
    // 13 reference files and the JSON variants: a missing directory must not pass.
    assert!(decoded >= 40, "only {decoded} fixtures decoded");
}

#[test]
fn reference_examples_decode_to_the_documented_values() {
    let dir = fixtures_dir().join("reference");
    let list: OrderList =
        serde_json::from_slice(&std::fs::read(dir.join("order-list.response.json")).unwrap())
            .unwrap();
    let order = &list.data[0];
    assert_eq!(order.id, "95101");
    assert_eq!(order.creation_date.unwrap().unix_timestamp(), 1_466_296_332);
    assert_eq!(order.custom_fields.get_i64("roistat"), Some(4_336_465));
    assert_eq!(order.status.as_ref().unwrap().r#type, StatusType::Progress);
    assert!(order.visit.is_none());

    let info: OrderInfo =
        serde_json::from_slice(&std::fs::read(dir.join("order-info.response.json")).unwrap())
            .unwrap();
    assert_eq!(info.order.status, Some(StatusType::Canceled));
    assert_eq!(info.order.price, Some(9_989.728));
    assert_eq!(info.visits.len(), 2);
    assert_eq!(
        info.visits[0].marker_info[1],
        MarkerLevel::new("google", "Google")
    );
    assert_eq!(info.products[1].categories[0].value, "Standard");
    assert!(info.order.is_multichannel);

    let statuses: StatusList =
        serde_json::from_slice(&std::fs::read(dir.join("status-list.response.json")).unwrap())
            .unwrap();
    assert_eq!(statuses.total, 14);
    assert_eq!(statuses.data.len(), 14);

    let req: ListOrdersRequest =
        serde_json::from_slice(&std::fs::read(dir.join("order-list.request.json")).unwrap())
            .unwrap();
    assert!(req.has_visit_extend());
    assert_eq!(req.filters.unwrap().conditions().len(), 3);
}

#[test]
fn quirk_variants_decode_leniently() {
    let dir = fixtures_dir().join("variants");
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap();
    let l: OrderList =
        serde_json::from_slice(&read("order-list.total-string.response.json")).unwrap();
    assert!(l.total > 0);
    let l: OrderList =
        serde_json::from_slice(&read("order-list.custom-fields-empty-array.response.json"))
            .unwrap();
    assert!(l.data[0].custom_fields.is_empty());
    let l: OrderList =
        serde_json::from_slice(&read("order-list.numeric-strings.response.json")).unwrap();
    assert_eq!(l.data[0].revenue, Some(1500.0));
    let f: CustomFieldNames =
        serde_json::from_slice(&read("order-custom-fields.fields-object.response.json")).unwrap();
    assert!(!f.fields.is_empty());
    let r: AddOrdersReport =
        serde_json::from_slice(&read("add-orders.skipped-by-invalid-format.response.json"))
            .unwrap();
    assert!(r.skipped_fields_by_invalid_format > 0);
    let e: ApiErrorBody = serde_json::from_slice(&read("error-some_new_code.json")).unwrap();
    assert!(matches!(e.error, ErrorCode::Other(_)));
}
