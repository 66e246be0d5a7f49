//! Every operation over real HTTP, the reference's curl examples, and the JSON shapes
//! compared with the documented fixtures (plus insta snapshots of the answers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use roistat_mock::MockServer;
use serde_json::{Value, json};
use support::{Api, Conn, assert_same_shape, fixture};

fn text(rel: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../fixtures/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The reference's curl examples, in the order the reference lists them, with the same
/// methods, paths, headers and bodies, pointed at the fake server.
#[test]
fn curl_examples_answer_what_the_reference_shows() {
    let server = MockServer::start().unwrap();
    let key = server.api_key().to_string();
    let mut c = Conn::open(server.addr());
    let headers = [
        ("Content-type", "application/json"),
        ("Api-key", key.as_str()),
    ];
    let mut curl = |method: &str, path: &str, body: &str| {
        let target = format!("/api/v1{path}?project=12345");
        c.request(method, &target, &headers, body.as_bytes())
            .unwrap()
    };

    // Order list: the documented request filters May 2016 and status 2, which the
    // documented answer (an order of June 2016 in status type progress) does not match;
    // the mock filters truthfully and answers an empty page of the same shape.
    let r = curl(
        "POST",
        "/project/integration/order/list",
        &text("reference/order-list.request.json"),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"data": [], "total": 0, "status": "success"})
    );
    // The documented order itself, verbatim.
    let r = curl(
        "POST",
        "/project/integration/order/list",
        r#"{"filters": [["id", "=", "95101"]]}"#,
    );
    assert_eq!(r.json(), fixture("reference/order-list.response.json"));
    insta::assert_json_snapshot!("order_list_95101", r.json());

    // add-orders: the example's status "0" is not in the documented dictionary, so both
    // orders are skipped by status; the answer has the documented keys and types.
    let r = curl(
        "POST",
        "/project/add-orders",
        &text("reference/add-orders.request.json"),
    );
    let v = r.json();
    assert_same_shape(&v, &fixture("reference/add-orders.response.json"), "$");
    assert_eq!(v["skipped_by_status"], 2);
    insta::assert_json_snapshot!("add_orders_example", v);

    let r = curl("GET", "/project/orders/order_12345/info", "");
    assert_eq!(r.json(), fixture("reference/order-info.response.json"));

    let r = curl("GET", "/project/orders/123/external-url", "");
    assert_eq!(
        r.json(),
        fixture("reference/order-external-url.response.json")
    );

    let r = curl("POST", "/project/integration/status/list", "");
    assert_eq!(r.json(), fixture("reference/status-list.response.json"));

    let r = curl(
        "POST",
        "/project/set-statuses",
        &text("reference/set-statuses.request.json"),
    );
    assert_eq!(r.json(), fixture("reference/set-statuses.response.json"));

    let r = curl("POST", "/project/analytics/order-custom-fields", "");
    assert_eq!(
        r.json(),
        fixture("reference/order-custom-fields.response.json")
    );

    let r = curl(
        "POST",
        "/project/integration/order/123/status/update",
        &text("reference/order-status-update.request.json"),
    );
    assert_eq!(
        r.json(),
        fixture("reference/order-status-update.response.json")
    );

    let r = curl("POST", "/project/integration/order/123/delete", "");
    assert_eq!(r.json(), fixture("reference/order-delete.response.json"));

    assert_eq!(server.store().order("123"), None);
    assert_eq!(server.store().order("95101").unwrap().id.as_str(), "95101");
    assert_eq!(server.requests().len(), 10);
}

#[test]
fn order_list_pages_totals_and_stable_order() {
    let server = MockServer::builder().orders(250).seed(3).start().unwrap();
    let mut api = Api::new(&server);
    let all = api.list(r#"{"limit": 1000}"#);
    assert_eq!(all["total"], 253);
    let all_ids: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(&all_ids[..3], &["95101", "order_12345", "123"]);
    assert_eq!(all_ids[3], "200001");

    // Pages concatenate to the full list, in the same order.
    let mut paged = Vec::new();
    for offset in (0..253).step_by(100) {
        let page = api.list(&format!(r#"{{"limit": 100, "offset": {offset}}}"#));
        assert_eq!(page["total"], 253);
        paged.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(paged, all_ids);
    // Past the end: empty data, same total.
    let page = api.list(r#"{"limit": 10, "offset": 1000}"#);
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["total"], 253);
    // Default limit when none is given.
    let page = api.list("{}");
    assert_eq!(page["data"].as_array().unwrap().len(), 253);
    // Numeric strings are accepted for limit and offset.
    let page = api.list(r#"{"limit": "2", "offset": "1"}"#);
    assert_eq!(page["data"][0]["id"], "order_12345");
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
}

#[test]
fn extend_visit_embeds_visits_and_shapes_match_the_fixtures() {
    let server = MockServer::builder().orders(40).seed(11).start().unwrap();
    let mut api = Api::new(&server);
    let plain = api.list(r#"{"limit": 100}"#);
    assert!(
        plain["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["visit"].is_null())
    );

    let with = api.list(r#"{"limit": 100, "extend": ["visit"]}"#);
    let orders = with["data"].as_array().unwrap();
    let visited: Vec<&Value> = orders.iter().filter(|o| !o["visit"].is_null()).collect();
    assert!(visited.len() > 30, "most generated orders have a visit");
    let example = fixture("variants/order-list.visit-extended.response.json");
    let example_order = &example["data"][0];
    for o in &visited {
        assert_same_shape(&o["visit"], &example_order["visit"], "visit");
        assert_eq!(o["visit"]["id"], o["visit_id"]);
        for key in example_order.as_object().unwrap().keys() {
            assert!(o.get(key).is_some(), "order lacks {key}: {o}");
        }
    }
    // Every listed order has the documented keys and types (custom fields aside).
    let documented = &fixture("reference/order-list.response.json")["data"][0];
    for o in orders {
        let mut o = o.clone();
        let mut d = documented.clone();
        o["custom_fields"] = json!({});
        d["custom_fields"] = json!({});
        o["visit"] = Value::Null;
        assert_same_shape(&o, &d, "order");
    }
    // Generated data is deterministic: snapshot one page.
    let page = api.list(r#"{"limit": 3, "offset": 3, "extend": ["visit"]}"#);
    insta::assert_json_snapshot!("generated_page_seed_11", page);
}

#[test]
fn list_accepts_get_with_query_parameters() {
    let server = MockServer::builder().orders(5).start().unwrap();
    let mut api = Api::new(&server);
    let filters = "%5B%5B%22id%22%2C%22%3D%22%2C%2295101%22%5D%5D"; // [["id","=","95101"]]
    let r = api.get_query(
        "/project/integration/order/list",
        &format!("filters={filters}&extend=visit&limit=5"),
    );
    let v = r.json();
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["data"][0]["id"], "95101");
    let r = api.get_query("/project/integration/order/list", "limit=2&offset=1");
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 2);
    let r = api.get("/project/integration/status/list");
    assert_eq!(
        r.json()["total"],
        16,
        "14 documented + 2 unused-type statuses of the generator"
    );
}

#[test]
fn info_for_generated_orders_is_derived_and_consistent() {
    let server = MockServer::builder().orders(20).seed(5).start().unwrap();
    let mut api = Api::new(&server);
    let list = api.list(r#"{"limit": 100, "extend": ["visit"]}"#);
    let documented = fixture("reference/order-info.response.json");
    for o in list["data"].as_array().unwrap().iter().skip(3) {
        let id = o["id"].as_str().unwrap();
        let info = api.get(&format!("/project/orders/{id}/info")).json();
        assert_eq!(info["status"], "success");
        assert_eq!(info["order"]["id"], id);
        assert_eq!(info["order"]["status_original"], o["status"]["id"]);
        assert_eq!(info["order"]["status"], o["status"]["type"]);
        assert_eq!(info["order"]["price"], o["revenue"]);
        assert_eq!(info["order"]["fields_data"], o["custom_fields"]);
        let mut i = info.clone();
        let mut d = documented.clone();
        for v in [&mut i, &mut d] {
            v["order"]["fields_data"] = json!({});
            v["products"] = json!([]);
        }
        assert_same_shape(&i, &d, "info");
        if !o["visit"].is_null() {
            assert_eq!(info["visits"][0]["id"], o["visit"]["id"]);
            assert!(info["order"]["visit"]["marker"].is_string());
        }
        let url = api
            .get(&format!("/project/orders/{id}/external-url"))
            .json();
        assert_eq!(url["externalUrl"], o["url"]);
    }
}

#[test]
fn add_orders_upserts_with_truthful_counters() {
    let server = MockServer::start().unwrap();
    let mut api = Api::new(&server);
    let r = api.post(
        "/project/set-statuses",
        r#"[{"id":"0","name":"New","type":"progress"},{"id":"5","name":"Won","type":"paid"}]"#,
    );
    assert_eq!(r.json(), json!({"status": "success"}));

    let example = text("reference/add-orders.request.json");
    let v = api.post("/project/add-orders", &example).json();
    assert_eq!(v["status"], "success");
    assert_eq!(
        (
            v["uploaded"].as_u64(),
            v["processed"].as_u64(),
            v["saved"].as_u64()
        ),
        (Some(2), Some(2), Some(2))
    );
    assert_eq!(v["skipped_because_not_changed"], 0);

    let o = api.list(r#"{"filters": [["id", "=", "1"]]}"#)["data"][0].clone();
    assert_eq!(o["revenue"], 222);
    assert_eq!(o["cost"], 111);
    assert_eq!(o["visit_id"], "12345");
    assert_eq!(o["creation_date"], "2014-03-01T11:26:40+0000");
    assert_eq!(o["custom_fields"], json!({"Manager": "John Doe"}));
    assert_eq!(
        o["status"],
        json!({"id": "0", "type": "progress", "name": "New"})
    );
    let info = api.get("/project/orders/1/info").json();
    assert_eq!(info["order"]["title"], "New order");

    // Identical re-upload: nothing changes.
    let before = server.store().snapshot();
    let v = api.post("/project/add-orders", &example).json();
    assert_eq!(v["skipped_because_not_changed"], 2);
    assert_eq!(
        (v["uploaded"].as_u64(), v["saved"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(server.store().snapshot(), before);

    // One changed, one unknown status, one new with a field over 1000 characters.
    let long = "x".repeat(1001);
    let batch = format!(
        r#"[{{"id":"1","price":"500","status":"5"}},
            {{"id":"2","status":"nope"}},
            {{"id":"3","name":"Third","date_create":"2024-01-31 12:30","price":10.5,"fields":{{"Long":"{long}","Source":"web"}}}}]"#
    );
    let v = api.post("/project/add-orders", &batch).json();
    assert_eq!(v["uploaded"], 1);
    assert_eq!(v["processed"], 2);
    assert_eq!(v["saved"], 2);
    assert_eq!(v["skipped_by_status"], 1);
    assert_eq!(v["skipped_fields_by_invalid_format"], 1);
    let o1 = server.store().order("1").unwrap();
    assert_eq!(o1.revenue, Some(500.0));
    assert_eq!(o1.status.unwrap().id.as_str(), "5");
    assert!(o1.update_date.is_some());
    let o3 = server.store().order("3").unwrap();
    assert_eq!(o3.custom_fields.get_str("Source"), Some("web"));
    assert!(o3.custom_fields.get("Long").is_none());
    assert_eq!(
        roistat_types::date::format(&o3.creation_date.unwrap()),
        "2024-01-31T12:30:00+0000"
    );
    assert!(
        server
            .store()
            .custom_field_names()
            .contains(&"Source".to_string())
    );
    assert_eq!(
        server.store().order("2").unwrap().revenue,
        Some(333.0),
        "order 2 kept its first upload"
    );
}

#[test]
fn set_statuses_replaces_the_dictionary_and_renames_order_statuses() {
    let server = MockServer::start().unwrap();
    let mut api = Api::new(&server);
    let r = api.post(
        "/project/set-statuses",
        r#"[{"id":"4","name":"Lost","type":"canceled"},{"id":"7","name":"Paid","type":"paid"},{"id":"7","name":"Paid in full","type":"paid"}]"#,
    );
    assert_eq!(r.json(), json!({"status": "success"}));
    let list = api.post("/project/integration/status/list", "").json();
    assert_eq!(
        list,
        json!({"data": [{"id":"4","name":"Lost","type":"canceled"},{"id":"7","name":"Paid in full","type":"paid"}],
               "total": 2, "status": "success"})
    );
    // order_12345 has status id 4: it now shows the dictionary's name.
    let o = api.list(r#"{"filters": [["id", "=", "order_12345"]]}"#);
    assert_eq!(o["data"][0]["status"]["name"], "Lost");
    let info = api.get("/project/orders/order_12345/info").json();
    assert_eq!(info["order"]["status_name"], "Lost");
}

#[test]
fn status_update_and_delete() {
    let server = MockServer::start().unwrap();
    let mut api = Api::new(&server);
    let r = api.post(
        "/project/integration/order/95101/status/update",
        r#"{"status_id": "deal_WON"}"#,
    );
    assert_eq!(r.json(), json!({"status": "success"}));
    let o = server.store().order("95101").unwrap();
    assert_eq!(o.status.unwrap().name, "Successful deal (Main) (Deals)");
    let info = api.get("/project/orders/95101/info").json();
    assert_eq!(info["order"]["status"], "paid");
    assert_eq!(api.ids(r#"[["status", "=", "1"]]"#), vec!["95101"]);

    // Unknown status: refused, order unchanged.
    let before = server.store().snapshot();
    let r = api.post(
        "/project/integration/order/95101/status/update",
        r#"{"status_id": "nope"}"#,
    );
    assert_eq!(r.error_code(), "request_data_validation_error");
    let r = api.post(
        "/project/integration/order/404/status/update",
        r#"{"status_id": "deal_WON"}"#,
    );
    assert_eq!(r.error_code(), "resource_not_found");
    assert_eq!(server.store().snapshot(), before);

    let r = api.post("/project/integration/order/95101/delete", "");
    assert_eq!(r.json(), json!({"status": "success"}));
    assert!(server.store().order("95101").is_none());
    let r = api.post("/project/integration/order/95101/delete", "");
    assert_eq!(r.error_code(), "resource_not_found");
    for path in [
        "/project/orders/95101/info",
        "/project/orders/95101/external-url",
    ] {
        assert_eq!(api.get(path).error_code(), "resource_not_found");
    }
    assert_eq!(api.list("{}")["total"], 2);
}

#[test]
fn store_handle_arranges_and_observes_state() {
    let server = MockServer::builder()
        .documented_examples(false)
        .start()
        .unwrap();
    let store = server.store();
    assert_eq!(store.order_count(), 0);
    store.insert_orders(roistat_mock::generate::orders(1, 5));
    store.set_statuses(roistat_mock::generate::statuses());
    store.set_custom_field_names(vec!["A".into()]);
    let mut api = Api::new(&server);
    assert_eq!(api.list("{}")["total"], 5);
    assert_eq!(
        api.post("/project/analytics/order-custom-fields", "")
            .json(),
        json!({"fields": ["A"], "status": "success"})
    );
    store.remove_order("200001").unwrap();
    assert_eq!(api.list("{}")["total"], 4);
    store.clear_orders();
    store.clear_statuses();
    assert_eq!(
        api.list("{}"),
        json!({"data": [], "total": 0, "status": "success"})
    );
    assert_eq!(
        api.post("/project/integration/status/list", "").json()["total"],
        0
    );
}
