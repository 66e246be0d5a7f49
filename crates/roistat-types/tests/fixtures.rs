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
    // 13 reference files and 44 JSON variants: a missing directory must not pass.
    assert!(decoded >= 57, "only {decoded} fixtures decoded");
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

fn variant<T: DeserializeOwned>(name: &str) -> T {
    let bytes = std::fs::read(fixtures_dir().join("variants").join(name)).unwrap();
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn statuses_without_a_group_decode_in_orders_and_in_the_dictionary() {
    let page: OrderList = variant("order-list.status-type-quirks.response.json");
    let types: Vec<StatusType> = page
        .data
        .iter()
        .map(|o| o.status.as_ref().unwrap().r#type.clone())
        .collect();
    assert_eq!(
        types,
        [
            StatusType::Progress,
            StatusType::Ungrouped,
            StatusType::Ungrouped,
            StatusType::Other("archived".into()),
        ]
    );
    assert!(page.data.iter().all(|o| !o.is_partial()));
    assert_eq!(page.data[1].status.as_ref().unwrap().id, "41");

    let dict: StatusList = variant("status-list.type-quirks.response.json");
    assert_eq!(dict.total, 7);
    let by_id = |id: &str| dict.data.iter().find(|s| s.id == id).unwrap();
    assert_eq!(by_id("lead_NEW").r#type, StatusType::Ungrouped);
    assert_eq!(by_id("lead_4").r#type, StatusType::Ungrouped);
    assert_eq!(by_id("deal_C49:UC_8JTBV2").r#type, StatusType::Progress);
    assert_eq!(
        by_id("deal_C49:WON").r#type.funnel(),
        Some(StatusFunnel::Paid)
    );
    assert_eq!(by_id("deal_C49:LOSE").r#type, StatusType::Canceled);
    assert_eq!(by_id("7").r#type, StatusType::Other("archived".into()));
    // Such entries cannot be sent back with set-statuses as they are.
    assert!(by_id("lead_4").validate().is_err());
    assert!(by_id("deal_C49:WON").validate().is_ok());
}

#[test]
fn lead_and_deal_ids_are_ids() {
    let page: OrderList = variant("order-list.lead-deal-ids.response.json");
    let ids: Vec<(&str, &str)> = page
        .data
        .iter()
        .map(|o| (o.id.as_str(), o.status.as_ref().unwrap().id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("lead_4", "lead_NEW"),
            ("deal_C49:118", "deal_C49:UC_8JTBV2"),
            ("deal_C49:119", "deal_C49:WON"),
        ]
    );
    assert_eq!(page.total, 3);
    assert_eq!(page.data[2].revenue, Some(54_000.0));
    for id in ["lead_4", "deal_C49:WON", "deal_C49:UC_8JTBV2"] {
        assert_eq!(StatusId::new(id).unwrap().as_str(), id);
        assert_eq!(OrderId::new(id).unwrap().as_str(), id);
    }
}

#[test]
fn integer_ids_read_as_text() {
    let page: OrderList = variant("order-list.integer-ids.response.json");
    let o = &page.data[0];
    assert_eq!(o.id, "95301");
    assert_eq!(o.client_id.as_ref().unwrap().as_str(), "78190");
    assert_eq!(o.visit_id.as_ref().unwrap().as_str(), "4336480");
    assert_eq!(o.status.as_ref().unwrap().id, "2");
    assert_eq!(page.data[1].visit_id, None);
    // Written back as Roistat's string ids.
    let back = serde_json::to_value(o).unwrap();
    assert_eq!(back["id"], "95301");
    assert_eq!(back["status"]["id"], "2");
}

#[test]
fn live_extra_keys_are_ignored() {
    let page: OrderList = variant("order-list.live-extra-keys.response.json");
    assert_eq!(page.data.len(), 2);
    assert!(page.data.iter().all(|o| !o.is_partial()));
    assert_eq!(page.data[0].revenue, Some(2500.0));
    let back = serde_json::to_value(&page.data[0]).unwrap();
    for key in [
        "page",
        "profit",
        "roistat",
        "is_multichannel",
        "products",
        "order_id_alias",
    ] {
        assert!(back.get(key).is_none(), "{key}");
    }
}

#[test]
fn custom_field_dates_and_numbers_as_strings() {
    let page: OrderList = variant("order-list.custom-field-dates.response.json");
    let fields = &page.data[0].custom_fields;
    let delivery = fields.get_date("Delivery date").unwrap();
    assert_eq!(delivery.unix_timestamp(), 1_788_134_400); // 2026-08-31 00:00 UTC
    assert_eq!(delivery.offset().whole_hours(), 3);
    assert!(fields.get_date("Contract signed").unwrap() < delivery);
    assert_eq!(fields.get_date("Manager"), None);
    assert_eq!(fields.get_f64("Deposit"), Some(1500.5));
    assert_eq!(fields.get_i64("Items"), Some(3));
    assert_eq!(fields.get_i64("roistat"), Some(4_336_465));
}

#[test]
fn visit_dates_keep_their_instant_whatever_the_offset() {
    let page: OrderList = variant("order-list.visit-offsets.response.json");
    let utc: Vec<i64> = page
        .data
        .iter()
        .map(|o| o.visit.as_ref().unwrap().date.unwrap().unix_timestamp())
        .collect();
    // +0300, -0200, -0230: 00:00, 00:00 and 00:00 UTC on 2026-08-31.
    assert_eq!(utc, [1_788_134_400; 3]);
    assert_eq!(
        page.data[2]
            .visit
            .as_ref()
            .unwrap()
            .geo
            .as_ref()
            .unwrap()
            .city
            .as_deref(),
        Some("St. John's")
    );
}

#[test]
fn request_bodies_of_shipped_clients() {
    let php: ListOrdersRequest = variant("order-list.php-nulls.request.json");
    assert_eq!(php, ListOrdersRequest::new().limit(1000));
    let mixed: ListOrdersRequest = variant("order-list.mixed-id-list.request.json");
    assert!(mixed.has_visit_extend());
    let filter = mixed.filters.unwrap();
    assert_eq!(filter.conditions().len(), 2);
    assert_eq!(
        filter.conditions()[1].value,
        FilterValue::List(vec![
            FilterValue::Text("62".into()),
            FilterValue::Text("63".into()),
            FilterValue::Text("64".into()),
        ])
    );
}

#[test]
fn skip_counters_in_both_spellings() {
    let all: AddOrdersReport = variant("add-orders.skipped-counters.response.json");
    assert_eq!(all.skipped_total(), 5);
    assert_eq!(all.skipped().count(), 4);
    let by_status: AddOrdersReport = variant("add-orders.skipped-by-status.response.json");
    assert_eq!(by_status.skipped_total(), 2);
    assert_eq!(
        by_status.skipped().collect::<Vec<_>>(),
        [(SkipReason::Status, 2)]
    );
    assert_eq!(by_status.saved, 0);
    let other: AddOrdersReport = variant("add-orders.skipped-by-invalid-format.response.json");
    assert_eq!(
        other.skipped().collect::<Vec<_>>(),
        [(SkipReason::InvalidFormat, 1)]
    );
}

#[test]
fn one_odd_row_in_ten_keeps_the_other_nine_whole() {
    let name = "order-list.one-odd-row.response.json";
    let page: OrderList = variant(name);
    let doc: serde_json::Value = variant(name);
    assert_eq!(page.data.len(), 10);
    for (i, order) in page.data.iter().take(9).enumerate() {
        assert!(!order.is_partial(), "row {i}");
        let alone: Order = serde_json::from_value(doc["data"][i].clone()).unwrap();
        assert_eq!(order, &alone, "row {i}");
        assert_eq!(order.revenue, Some(1000.0 * i as f64));
    }
    let odd = &page.data[9];
    assert_eq!(page.partial_rows().map(|(i, _)| i).collect::<Vec<_>>(), [9]);
    // Everything readable is there.
    assert_eq!(odd.id, "95709");
    assert_eq!(odd.update_date.unwrap().unix_timestamp(), 1_788_156_131);
    assert_eq!(odd.custom_fields.get_str("Manager"), Some("Jane Roe"));
    assert_eq!(odd.status.as_ref().unwrap().r#type, StatusType::Progress);
    // What is not, is kept raw with its path and the reason.
    assert_eq!((odd.creation_date, odd.revenue), (None, None));
    let issues: Vec<(&str, &serde_json::Value)> = odd
        .decode_issues
        .iter()
        .map(|i| (i.path.as_str(), &i.raw))
        .collect();
    assert_eq!(
        issues,
        [
            ("creation_date", &doc["data"][9]["creation_date"]),
            ("revenue", &doc["data"][9]["revenue"]),
        ]
    );
    assert_eq!(odd.decode_issues[0].raw, "31.08.2026 03:00");
    assert!(odd.decode_issues[1].message.contains("1 500,50"));
}

#[test]
fn total_as_a_number_or_a_string() {
    let raw = |rel: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(fixtures_dir().join(rel)).unwrap()).unwrap()
    };
    let number = raw("reference/order-list.response.json");
    let string = raw("variants/order-list.total-string.response.json");
    assert!(number["total"].is_u64() && string["total"].is_string());
    let a: OrderList = serde_json::from_value(number).unwrap();
    let b: OrderList = variant("order-list.total-string.response.json");
    assert_eq!((a.total, b.total), (1, 1));
    assert_eq!(a.data.len() as u64, a.total);
    // A larger total as a string, as a live project sends it for a big list.
    let big: OrderList = serde_json::from_str(r#"{"data": [], "total": "52987"}"#).unwrap();
    assert_eq!(big.total, 52_987);
}
