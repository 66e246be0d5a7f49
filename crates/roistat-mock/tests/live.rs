//! The live API's behaviour beyond the reference: newest-first listing, orders with
//! statuses outside the dictionary, rows with live quirks, and per-method rate limits
//! whose refusals carry no `Retry-After`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use roistat_mock::{MockServer, RateLimits};
use serde_json::{Value, json};
use support::{Api, fixture};

const LIST: &str = "/project/integration/order/list";

fn rows(v: &Value) -> &Vec<Value> {
    v["data"].as_array().unwrap()
}

fn id_text(o: &Value) -> String {
    match &o["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("id {other}"),
    }
}

#[test]
fn new_orders_are_listed_first_and_upserts_keep_their_place() {
    let server = MockServer::builder().orders(5).start().unwrap();
    let mut api = Api::new(&server);
    let ids =
        |api: &mut Api<'_>| -> Vec<String> { rows(&api.list("{}")).iter().map(id_text).collect() };
    let before = ids(&mut api);
    assert_eq!(
        before,
        [
            "95101",
            "order_12345",
            "123",
            "200005",
            "200004",
            "200003",
            "200002",
            "200001"
        ]
    );
    api.post("/project/add-orders", r#"[{"id": "N-1"}, {"id": "N-2"}]"#);
    let after = ids(&mut api);
    assert_eq!(&after[..2], ["N-2", "N-1"]);
    assert_eq!(&after[2..], &before[..]);
    // An upsert of an old order changes it in place.
    let seq = server.store().internal_id("200003").unwrap();
    let v = api
        .post("/project/add-orders", r#"[{"id": "200003", "price": "7"}]"#)
        .json();
    assert_eq!(v["saved"], 1);
    assert_eq!(ids(&mut api), after);
    assert_eq!(server.store().internal_id("200003"), Some(seq));
    // Deleted and re-added: new again, so first.
    api.post("/project/integration/order/200001/delete", "");
    api.post("/project/add-orders", r#"[{"id": "200001"}]"#);
    assert_eq!(ids(&mut api)[0], "200001");
}

#[test]
fn orders_with_statuses_outside_the_dictionary_are_stored_without_a_group() {
    let server = MockServer::start().unwrap();
    let mut api = Api::new(&server);
    let v = api
        .post(
            "/project/add-orders",
            r#"[{"id": "L-1", "status": "lead_4"}, {"id": "L-2", "status": "deal_WON"}]"#,
        )
        .json();
    assert_eq!(
        (v["saved"].as_u64(), v["skipped_by_status"].as_u64()),
        (Some(2), Some(0))
    );
    let page = api.list(r#"{"filters": [["id", "=", "L-1"]]}"#);
    assert_eq!(
        rows(&page)[0]["status"],
        json!({"id": "lead_4", "name": ""})
    );
    // No group: in no funnel, but found by its id; its info names no group.
    for funnel in ["0", "1", "2"] {
        let ids = api.ids(&format!(
            r#"[["status", "=", "{funnel}"], ["id", "like", "L-"]]"#
        ));
        assert!(
            !ids.contains(&"L-1".to_string()),
            "funnel {funnel}: {ids:?}"
        );
    }
    assert_eq!(api.ids(r#"[["status", "=", "lead_4"]]"#), ["L-1"]);
    let info = api.get("/project/orders/L-1/info").json();
    assert_eq!(info["order"]["status"], Value::Null);
    assert_eq!(info["order"]["status_original"], "lead_4");
    // Once the dictionary knows the id, the order shows its group and name.
    let mut statuses = server.store().statuses();
    statuses.push(roistat_types::Status::new(
        roistat_types::StatusId::new("lead_4").unwrap(),
        "Lead in work",
        roistat_types::StatusType::Progress,
    ));
    server.store().set_statuses(statuses);
    let page = api.list(r#"{"filters": [["id", "=", "L-1"]]}"#);
    assert_eq!(
        rows(&page)[0]["status"],
        json!({"id": "lead_4", "type": "progress", "name": "Lead in work"})
    );
}

fn quirks_server(n: usize, rate: f64) -> MockServer {
    MockServer::builder()
        .quirks(true)
        .orders(n)
        .seed(5)
        .odd_status_rate(rate)
        .start()
        .unwrap()
}

#[test]
fn quirks_mode_generates_rows_as_live_projects_send_them() {
    let server = quirks_server(3000, 0.01);
    let mut api = Api::new(&server);
    let page = api.list(r#"{"limit": 5000}"#);
    assert_eq!(page["total"], "3003", "total as a string");
    let all = rows(&page);
    assert_eq!(all.len(), 3003);
    // The documented examples stay verbatim.
    assert_eq!(
        all[0],
        fixture("reference/order-list.response.json")["data"][0]
    );
    let generated = &all[3..];
    let dictionary: BTreeSet<String> = server
        .store()
        .statuses()
        .iter()
        .map(|s| s.id.to_string())
        .collect();

    let count = |f: &dyn Fn(&Value) -> bool| generated.iter().filter(|o| f(o)).count();
    for key in [
        "page",
        "profit",
        "roistat",
        "is_multichannel",
        "products",
        "order_id_alias",
    ] {
        assert_eq!(count(&|o| o.get(key).is_some()), 3000, "extra key {key}");
    }
    let int_ids = count(&|o| o["id"].is_u64());
    let int_clients = count(&|o| o["client_id"].is_u64());
    let int_visits = count(&|o| o["visit_id"].is_u64());
    let string_revenue = count(&|o| o["revenue"].is_string());
    let leads = count(&|o| o["id"].as_str().is_some_and(|s| s.starts_with("lead_")));
    let colon_dates = count(&|o| {
        o["custom_fields"]["Delivery date"]
            .as_str()
            .is_some_and(|d| d.len() == 25 && d.ends_with("+03:00"))
    });
    let string_numbers = count(&|o| o["custom_fields"]["Cashier"].is_string());
    for (what, n) in [
        ("integer id", int_ids),
        ("integer client_id", int_clients),
        ("integer visit_id", int_visits),
        ("revenue as a string", string_revenue),
        ("lead ids", leads),
        ("colon-offset dates", colon_dates),
        ("custom-field numbers as strings", string_numbers),
    ] {
        assert!(n > 100 && n < 3000, "{what}: {n} of 3000");
    }
    assert_eq!(count(&|o| o["custom_fields"]["Cashier"].is_number()), 0);

    // Odd statuses: id not in the dictionary, type missing, null or outside the four.
    let odd: Vec<&Value> = generated
        .iter()
        .filter(|o| {
            !matches!(
                o["status"]["type"].as_str(),
                Some("unused" | "progress" | "paid" | "canceled")
            )
        })
        .collect();
    assert!((10..=60).contains(&odd.len()), "{} odd of 3000", odd.len());
    let mut kinds = BTreeSet::new();
    for o in &odd {
        let s = &o["status"];
        let id = match &s["id"] {
            Value::String(x) => x.clone(),
            Value::Number(n) => n.to_string(),
            other => panic!("{other}"),
        };
        assert!(!dictionary.contains(&id), "{id} is in the dictionary");
        kinds.insert(match s.get("type") {
            None => "missing",
            Some(Value::Null) => "null",
            Some(_) => "other group",
        });
    }
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    // Every other status is a dictionary entry.
    for o in generated.iter().filter(|o| !odd.contains(o)) {
        let id = match &o["status"]["id"] {
            Value::String(x) => x.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        assert!(dictionary.contains(&id), "{id}");
    }
    // Filters still see the typed values: integer ids on the wire, text in the store.
    let one = generated.iter().find(|o| o["id"].is_u64()).unwrap();
    let id = one["id"].as_u64().unwrap().to_string();
    let found = api.list(&format!(r#"{{"filters": [["id", "=", "{id}"]]}}"#));
    assert_eq!(rows(&found).iter().map(id_text).collect::<Vec<_>>(), [id]);
    assert_eq!(found["total"], "1");
}

#[test]
fn quirks_are_seeded_and_rare_at_the_default_rate() {
    let body = |s: &MockServer| Api::new(s).list(r#"{"limit": 5000}"#);
    let a = MockServer::builder()
        .quirks(true)
        .orders(5000)
        .seed(9)
        .start()
        .unwrap();
    let b = MockServer::builder()
        .quirks(true)
        .orders(5000)
        .seed(9)
        .start()
        .unwrap();
    let page = body(&a);
    assert_eq!(page, body(&b));
    let odd = rows(&page)
        .iter()
        .filter(|o| {
            !matches!(
                o["status"]["type"].as_str(),
                Some("unused" | "progress" | "paid" | "canceled")
            )
        })
        .count();
    // About one in a thousand.
    assert!((1..=15).contains(&odd), "{odd} odd of 5000");
}

#[test]
fn default_rows_keep_the_documented_forms() {
    let server = MockServer::builder().orders(500).seed(5).start().unwrap();
    let mut api = Api::new(&server);
    let page = api.list(r#"{"limit": 1000}"#);
    assert_eq!(page["total"], 503);
    for o in rows(&page) {
        assert!(o["id"].is_string(), "{o}");
        assert!(o.get("page").is_none() && o.get("profit").is_none(), "{o}");
        assert!(
            matches!(
                o["status"]["type"].as_str(),
                Some("unused" | "progress" | "paid" | "canceled")
            ),
            "{o}"
        );
        assert!(o["revenue"].is_number() || o["revenue"].is_null());
    }
}

#[test]
fn request_limit_error_comes_without_retry_after() {
    let mut limits = RateLimits::documented();
    limits.window = Duration::from_secs(5);
    let server = MockServer::builder().limits(limits).start().unwrap();
    let mut api = Api::new(&server);
    let body = r#"{"limit": 2000, "extend": ["visit"]}"#;
    assert_eq!(api.post(LIST, body).json()["status"], "success");
    let target = api.target(LIST);
    for use_http_code in ["0", "1"] {
        let r = api
            .conn
            .request(
                "POST",
                &target,
                &[("Api-key", "demo-key"), ("Use-Http-Code", use_http_code)],
                body.as_bytes(),
            )
            .unwrap();
        assert_eq!(r.error_code(), "request_limit_error");
        assert_eq!(r.header("retry-after"), None, "{:?}", r.headers);
    }
}

#[test]
fn live_budgets_limit_the_order_list_by_tier_and_other_methods_by_project() {
    let mut limits = RateLimits::live();
    limits.window = Duration::from_secs(5);
    limits.project_per_second = None;
    limits.project_per_hour = Some(4);
    let server = MockServer::builder().limits(limits).start().unwrap();
    let mut api = Api::new(&server);
    // 20 order-list calls: all admitted (their tier), none spent from the project.
    for i in 0..20 {
        let v = api.post(LIST, r#"{"limit": 10}"#).json();
        assert_eq!(v["status"], "success", "list #{i}: {v}");
    }
    let v = api.post(LIST, r#"{"limit": 10}"#).json();
    assert_eq!(v["details"], json!({"limit": 20, "period": 60}));
    // Other methods share the project budget.
    for path in [
        "/project/integration/status/list",
        "/project/analytics/order-custom-fields",
        "/project/integration/status/list",
        "/project/orders/123/external-url",
    ] {
        let r = if path.ends_with("url") {
            api.get(path)
        } else {
            api.post(path, "")
        };
        assert_eq!(r.json()["status"], "success", "{path}");
    }
    let v = api.post("/project/integration/status/list", "").json();
    assert_eq!(v["error"], "request_limit_error");
    assert_eq!(v["details"], json!({"limit": 4, "period": 3600}));
}

#[test]
fn the_request_body_of_a_shipped_php_client_is_accepted() {
    // `extend: null`, `sort: null`, `offset: null`, `filters: []`: the live API answers
    // it as if those keys were absent, and so must the mock.
    let server = MockServer::builder().orders(1500).seed(3).start().unwrap();
    let mut api = Api::new(&server);
    let php = fixture("variants/order-list.php-nulls.request.json");
    assert_eq!(php["extend"], Value::Null, "the fixture is the PHP body");
    let page = api.list(&php.to_string());
    let plain = api.list(r#"{"limit": 1000}"#);
    assert_eq!(rows(&page).len(), 1000);
    assert_eq!(page["total"], 1503);
    assert_eq!(
        page, plain,
        "the nulls and the empty filter list change nothing"
    );
    assert!(
        rows(&page)[0]["visit"].is_null(),
        "extend: null embeds no visit"
    );
}
