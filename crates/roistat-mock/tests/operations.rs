//! Every operation over real HTTP, the reference's curl examples, and the JSON shapes
//! compared with the documented fixtures (plus insta snapshots of the answers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use roistat_mock::{MockServer, Operation};
use serde_json::{Value, json};
use support::{Api, Conn, assert_same_shape, fixture};

fn text(rel: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../fixtures/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn ids_of(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

/// The reference's curl examples, in the order the reference lists them, with the same
/// methods, paths, headers and bodies, pointed at a server with its defaults: each one
/// answers success and does what the reference says it does, as when a new user
/// pastes them one after another. The delete example's `{orderId}` is order `1` of the
/// add-orders example.
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
        let r = c
            .request(method, &target, &headers, body.as_bytes())
            .unwrap();
        assert_eq!(r.status, 200, "{method} {path}: {}", r.text());
        let v = r.json();
        assert_eq!(v["status"], "success", "{method} {path}: {v}");
        v
    };
    let list = |curl: &mut dyn FnMut(&str, &str, &str) -> Value, filters: &str| {
        curl(
            "POST",
            "/project/integration/order/list",
            &format!(r#"{{"filters": {filters}}}"#),
        )
    };

    // Order list: the documented request asks for cancelled orders of May 21-22 2016;
    // none of the example orders is one, so the page is empty and total says so.
    let v = curl(
        "POST",
        "/project/integration/order/list",
        &text("reference/order-list.request.json"),
    );
    assert_eq!(
        (v["data"].clone(), v["total"].clone()),
        (json!([]), json!(0))
    );
    // Without its filter the same request lists the example orders, newest first,
    // with their visits (order_12345 has one).
    let v = curl(
        "POST",
        "/project/integration/order/list",
        r#"{"extend": ["visit"], "limit": 100, "offset": 0}"#,
    );
    assert_eq!(ids_of(&v), ["95101", "order_12345", "123"]);
    assert_eq!(v["total"], 3);
    assert_eq!(v["data"][1]["visit"]["id"], "12345");
    assert_eq!(
        v["data"][0],
        fixture("reference/order-list.response.json")["data"][0]
    );

    // add-orders: both orders are new and saved; status "0" is not in the dictionary,
    // so they are stored with that status id and no group.
    let v = curl(
        "POST",
        "/project/add-orders",
        &text("reference/add-orders.request.json"),
    );
    assert_same_shape(&v, &fixture("reference/add-orders.response.json"), "$");
    assert_eq!(
        (
            v["uploaded"].clone(),
            v["processed"].clone(),
            v["saved"].clone()
        ),
        (json!(2), json!(2), json!(2))
    );
    assert_eq!(v["skipped_by_status"], 0);
    let v = list(&mut curl, r#"[["id", "in", ["1", "2"]]]"#);
    assert_eq!(ids_of(&v), ["2", "1"], "newest first");
    let one = &v["data"][1];
    assert_eq!(one["status"], json!({"id": "0", "name": ""}));
    assert_eq!(
        (one["revenue"].clone(), one["cost"].clone()),
        (json!(222), json!(111))
    );
    assert_eq!(one["visit_id"], "12345");
    assert_eq!(one["creation_date"], "2014-03-01T11:26:40+0000");
    assert_eq!(one["custom_fields"], json!({"Manager": "John Doe"}));
    assert!(one["update_date"].is_string(), "{one}");

    // Order info: the documented order with its visit chain and products.
    let v = curl("GET", "/project/orders/order_12345/info", "");
    assert_eq!(v["order"]["id"], "order_12345");
    assert_eq!(v["order"]["status"], "canceled");
    assert_eq!(v["visits"].as_array().map(Vec::len), Some(2));
    assert_eq!(v, fixture("reference/order-info.response.json"));

    // External URL of order 123.
    let v = curl("GET", "/project/orders/123/external-url", "");
    assert_eq!(
        v["externalUrl"],
        "http://new123qwerty.amocrm.ru/leads/detail/123"
    );

    // Status list: the 14 documented statuses.
    let v = curl("POST", "/project/integration/status/list", "");
    assert_eq!(v["total"], 14);
    assert_eq!(
        v["data"][0],
        json!({"id": "deal_WON", "name": "Successful deal (Main) (Deals)", "type": "paid"})
    );

    // set-statuses replaces the dictionary with the example's two statuses.
    let v = curl(
        "POST",
        "/project/set-statuses",
        &text("reference/set-statuses.request.json"),
    );
    assert_eq!(v, json!({"status": "success"}));
    let v = curl("POST", "/project/integration/status/list", "");
    assert_eq!(
        v["data"],
        json!([{"id": "1", "name": "New", "type": "progress"},
               {"id": "2", "name": "inProgress", "type": "progress"}])
    );

    // Custom fields: the documented names.
    let v = curl("POST", "/project/analytics/order-custom-fields", "");
    assert_eq!(v["fields"], json!(["City", "Cashier", "Manager"]));

    // Status update, as documented on order 123, and on order 1 of add-orders: both
    // now have status 1 ("New", in progress).
    let update = text("reference/order-status-update.request.json");
    for id in ["123", "1"] {
        let v = curl(
            "POST",
            &format!("/project/integration/order/{id}/status/update"),
            &update,
        );
        assert_eq!(v, json!({"status": "success"}));
        let v = list(&mut curl, &format!(r#"[["id", "=", "{id}"]]"#));
        assert_eq!(
            v["data"][0]["status"],
            json!({"id": "1", "type": "progress", "name": "New"}),
            "order {id}"
        );
    }
    let v = list(&mut curl, r#"[["status", "=", "0"]]"#);
    assert!(
        ids_of(&v).contains(&"1".to_string()),
        "order 1 is in work now"
    );

    // Delete order 1: it is gone from the list.
    let v = curl("POST", "/project/integration/order/1/delete", "");
    assert_eq!(v, json!({"status": "success"}));
    let v = curl("POST", "/project/integration/order/list", "{}");
    assert_eq!(ids_of(&v), ["2", "95101", "order_12345", "123"]);
    assert_eq!(v["total"], 4);

    assert_eq!(server.requests().len(), 17);
    let applied = server.applied();
    assert_eq!(applied.requests(Operation::AddOrders), 1);
    assert_eq!(applied.order(Operation::UpdateStatus, "1"), 1);
    assert_eq!(applied.order(Operation::Delete, "1"), 1);
}

/// The reference's example answers, as the mock's copies of them must stay.
#[test]
fn documented_answers_are_served_verbatim() {
    let server = MockServer::start().unwrap();
    let mut api = Api::new(&server);
    let r = api.list(r#"{"filters": [["id", "=", "95101"]]}"#);
    assert_eq!(r, fixture("reference/order-list.response.json"));
    insta::assert_json_snapshot!("order_list_95101", r);
    let v = api
        .post(
            "/project/add-orders",
            &text("reference/add-orders.request.json"),
        )
        .json();
    insta::assert_json_snapshot!("add_orders_example", v);
    assert_eq!(
        api.post("/project/integration/status/list", "").json(),
        fixture("reference/status-list.response.json")
    );
    assert_eq!(
        api.get("/project/orders/123/external-url").json(),
        fixture("reference/order-external-url.response.json")
    );
    assert_eq!(
        api.post("/project/analytics/order-custom-fields", "")
            .json(),
        fixture("reference/order-custom-fields.response.json")
    );
    assert_eq!(
        api.post(
            "/project/integration/order/123/status/update",
            r#"{"status_id": "deal_WON"}"#
        )
        .json(),
        fixture("reference/order-status-update.response.json")
    );
    assert_eq!(
        api.post("/project/integration/order/123/delete", "").json(),
        fixture("reference/order-delete.response.json")
    );
}

#[test]
fn order_list_pages_totals_and_newest_first_order() {
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
    // Newest first by internal id: the documented examples (seeded last), then the
    // generated orders from the highest id down.
    assert_eq!(&all_ids[..3], &["95101", "order_12345", "123"]);
    assert_eq!(all_ids[3], "200250");
    assert_eq!(all_ids[252], "200001");

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

    // One changed, one to a status outside the dictionary (stored without a group, as
    // live projects show such orders), one new with a field over 1000 characters.
    let long = "x".repeat(1001);
    let batch = format!(
        r#"[{{"id":"1","price":"500","status":"5"}},
            {{"id":"2","status":"nope"}},
            {{"id":"3","name":"Third","date_create":"2024-01-31 12:30","price":10.5,"fields":{{"Long":"{long}","Source":"web"}}}}]"#
    );
    let v = api.post("/project/add-orders", &batch).json();
    assert_eq!(v["uploaded"], 1);
    assert_eq!(v["processed"], 3);
    assert_eq!(v["saved"], 3);
    assert_eq!(v["skipped_by_status"], 0);
    assert_eq!(v["skipped_fields_by_invalid_format"], 1);
    let o2 = api.list(r#"{"filters": [["id", "=", "2"]]}"#)["data"][0].clone();
    assert_eq!(o2["status"], json!({"id": "nope", "name": ""}));
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
        "order 2 kept its other fields"
    );
}

#[test]
fn unknown_statuses_can_be_skipped_as_the_counters_describe() {
    let server = MockServer::builder()
        .skip_unknown_statuses(true)
        .start()
        .unwrap();
    let mut api = Api::new(&server);
    let before = server.store().snapshot();
    let v = api
        .post(
            "/project/add-orders",
            &text("reference/add-orders.request.json"),
        )
        .json();
    assert_eq!(
        (
            v["skipped_by_status"].as_u64(),
            v["processed"].as_u64(),
            v["saved"].as_u64()
        ),
        (Some(2), Some(0), Some(0))
    );
    assert_eq!(server.store().snapshot(), before);
    let v = api
        .post(
            "/project/add-orders",
            r#"[{"id":"9","status":"deal_NEW"},{"id":"10","status":"0"}]"#,
        )
        .json();
    assert_eq!(
        (v["saved"].as_u64(), v["skipped_by_status"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(server.store().order("9").is_some());
    assert!(server.store().order("10").is_none());
}

#[test]
fn update_date_comes_from_the_servers_clock() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    let now = Arc::new(AtomicI64::new(1_700_000_000));
    let clock = Arc::clone(&now);
    let server = MockServer::builder()
        .clock(move || {
            time::OffsetDateTime::from_unix_timestamp(clock.load(Ordering::SeqCst)).unwrap()
        })
        .start()
        .unwrap();
    let mut api = Api::new(&server);
    let date = |api: &mut Api<'_>, id: &str| {
        let v = api.list(&format!(r#"{{"filters": [["id", "=", "{id}"]]}}"#));
        (
            v["data"][0]["creation_date"].clone(),
            v["data"][0]["update_date"].clone(),
        )
    };
    // A new order without date_create: created and updated now.
    api.post("/project/add-orders", r#"[{"id":"n1","price":"5"}]"#);
    assert_eq!(
        date(&mut api, "n1"),
        (
            json!("2023-11-14T22:13:20+0000"),
            json!("2023-11-14T22:13:20+0000")
        )
    );
    // A change an hour later moves update_date only.
    now.store(1_700_003_600, Ordering::SeqCst);
    api.post("/project/add-orders", r#"[{"id":"n1","price":"6"}]"#);
    assert_eq!(
        date(&mut api, "n1"),
        (
            json!("2023-11-14T22:13:20+0000"),
            json!("2023-11-14T23:13:20+0000")
        )
    );
    // An identical upload changes nothing.
    now.store(1_700_007_200, Ordering::SeqCst);
    api.post("/project/add-orders", r#"[{"id":"n1","price":"6"}]"#);
    assert_eq!(date(&mut api, "n1").1, json!("2023-11-14T23:13:20+0000"));
    // A status update stamps it.
    let r = api.post(
        "/project/integration/order/n1/status/update",
        r#"{"status_id": "deal_WON"}"#,
    );
    assert_eq!(r.json()["status"], "success");
    assert_eq!(date(&mut api, "n1").1, json!("2023-11-15T00:13:20+0000"));
    // The documented example order 123 gets the same stamp from a status update.
    api.post(
        "/project/integration/order/123/status/update",
        r#"{"status_id": "deal_WON"}"#,
    );
    assert_eq!(date(&mut api, "123").1, json!("2023-11-15T00:13:20+0000"));
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
