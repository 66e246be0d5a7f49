//! Every operation through both clients against `roistat-mock`.

use std::collections::{BTreeSet, HashSet};

use http::Method;
use roistat_core::endpoints::{ListOrders, ListStatuses};
use roistat_core::types::{
    ErrorCode, Filter, ListOrdersRequest, NewOrder, OrderId, Status, StatusFunnel, StatusId,
    StatusType,
};
use roistat_core::{Endpoint, Error, Path, RateClass, RequestState, RetrySafety};
use roistat_mock::{Fault, MockServer};

use crate::support::{Api, both_clients, builder, mock_client};

both_clients!(
    list_page_with_filter,
    orders_walks_five_thousand_orders,
    orders_walk_with_filter_and_max,
    order_info_and_external_url,
    add_orders_upserts,
    add_orders_bulk_accounts_for_every_order,
    bulk_upload_resumes_after_a_failed_batch,
    list_set_and_upsert_statuses,
    custom_field_names,
    update_order_status,
    delete_order,
    send_any_endpoint,
    every_error_code_is_typed,
    every_error_code_is_typed_with_http_codes,
    unknown_error_code_still_decodes,
    wrong_key_is_authentication_failed,
);

fn id(s: &str) -> OrderId {
    OrderId::new(s).unwrap()
}

fn sid(s: &str) -> StatusId {
    StatusId::new(s).unwrap()
}

async fn list_page_with_filter<C: Api>() {
    let server = MockServer::builder().orders(300).seed(3).start().unwrap();
    let client: C = mock_client(&server);
    let request = ListOrdersRequest::new()
        .filter(Filter::revenue().gt(1000))
        .limit(20)
        .offset(5);
    let page = client.list_orders(&request).await.unwrap();
    let expected: Vec<String> = server
        .store()
        .orders()
        .into_iter()
        .filter(|o| o.revenue.is_some_and(|r| r > 1000.0))
        .map(|o| o.id.into_inner())
        .collect();
    assert!(expected.len() > 25, "the seed should give enough matches");
    assert_eq!(page.total, expected.len() as u64);
    let got: Vec<String> = page.data.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(got, expected[5..25]);
    // What went over the wire.
    let rec = server.requests().last().unwrap();
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.path, "/api/v1/project/integration/order/list");
    assert_eq!(
        rec.query_param("project"),
        Some(server.project().to_string())
    );
    assert_eq!(
        rec.body_json().unwrap(),
        serde_json::json!({"filters": [["revenue", ">", 1000]], "limit": 20, "offset": 5})
    );
}

async fn orders_walks_five_thousand_orders<C: Api>() {
    let server = MockServer::builder().orders(5000).seed(11).start().unwrap();
    let client: C = mock_client(&server);
    let walk = client
        .walk(ListOrdersRequest::new(), Some(1000), None)
        .await;
    assert!(walk.error.is_none(), "{}: {:?}", C::NAME, walk.error);
    let store: Vec<String> = server
        .store()
        .orders()
        .into_iter()
        .map(|o| o.id.into_inner())
        .collect();
    assert_eq!(store.len(), 5003);
    let got: Vec<String> = walk.orders.iter().map(|o| o.id.to_string()).collect();
    // Every order once, in the server's order.
    assert_eq!(got.len(), store.len());
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), got.len());
    assert_eq!(got, store);
    assert_eq!(walk.progress.rows, 5003);
    assert_eq!(walk.progress.total, Some(5003));
    assert!(walk.progress.done);
    // Pages of 1000 that overlap by the walk's overlap (stitched on ids): offsets step by
    // 1000 - overlap, and 5,003 orders take six such pages, no empty seventh.
    let step = 1000 - u64::from(walk.progress.overlap);
    assert!(step >= 950, "overlap {}", walk.progress.overlap);
    let pages = server.requests().matching("order/list");
    let mut offsets: Vec<u64> = pages
        .iter()
        .map(|r| {
            let body = r.body_json().unwrap();
            assert_eq!(body["limit"], 1000);
            body["offset"].as_u64().unwrap()
        })
        .collect();
    offsets.sort_unstable();
    let want: Vec<u64> = (0..6).map(|i| i * step).collect();
    assert_eq!(offsets, want);
    assert_eq!(walk.progress.requests, 6);
    assert_eq!(walk.progress.duplicates_suppressed, 0);
}

async fn orders_walk_with_filter_and_max<C: Api>() {
    let server = MockServer::builder().orders(700).seed(5).start().unwrap();
    let client: C = mock_client(&server);
    let paid: BTreeSet<String> = server
        .store()
        .orders()
        .into_iter()
        .filter(|o| {
            o.status
                .as_ref()
                .is_some_and(|s| s.r#type.funnel() == Some(StatusFunnel::Paid))
        })
        .map(|o| o.id.into_inner())
        .collect();
    assert!(paid.len() > 50);
    let walk = client
        .walk(
            ListOrdersRequest::new().filter(Filter::status(StatusFunnel::Paid)),
            Some(40),
            None,
        )
        .await;
    assert!(walk.error.is_none(), "{:?}", walk.error);
    let got: BTreeSet<String> = walk.orders.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(got.len(), walk.orders.len());
    assert_eq!(got, paid);

    // max_orders stops early: the first 90 orders of the list, each once.
    server.requests().clear();
    let walk = client
        .walk(ListOrdersRequest::new(), Some(40), Some(90))
        .await;
    let listed: Vec<String> = server
        .store()
        .orders()
        .into_iter()
        .take(90)
        .map(|o| o.id.into_inner())
        .collect();
    let got: Vec<String> = walk.orders.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(got, listed);
    let limits: Vec<u64> = server
        .requests()
        .matching("order/list")
        .iter()
        .map(|r| r.body_json().unwrap()["limit"].as_u64().unwrap())
        .collect();
    assert!(limits.iter().all(|&l| l <= 40), "{limits:?}");
}

async fn order_info_and_external_url<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = mock_client(&server);
    let info = client.order_info(&id("order_12345")).await.unwrap();
    assert_eq!(info.order.id, "order_12345");
    assert!(!info.visits.is_empty());
    assert!(!info.products.is_empty());
    let url = client.order_external_url(&id("123")).await.unwrap();
    assert_eq!(url, "http://new123qwerty.amocrm.ru/leads/detail/123");

    let e = client.order_info(&id("nope")).await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ErrorCode::ResourceNotFound), "{e:?}");
    assert_eq!(e.request_state(), RequestState::Answered);
    let e = client.order_external_url(&id("nope")).await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ErrorCode::ResourceNotFound), "{e:?}");
    // Invalid input never reaches the server.
    let before = server.requests().total();
    let e = client
        .order_info(&OrderId::new_unchecked(" "))
        .await
        .unwrap_err();
    assert_eq!(e.request_state(), RequestState::NotSent);
    assert_eq!(server.requests().total(), before);
}

async fn add_orders_upserts<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = mock_client(&server);
    let before = server.store().order_count();
    let orders = vec![
        NewOrder::new(id("new-1")).name("First").price(100.0),
        NewOrder::new(id("new-2"))
            .price(200.5)
            .field("City", "Moscow"),
        NewOrder::new(id("new-3"))
            .status(sid("deal_WON"))
            .cost(10.0),
    ];
    let report = client.add_orders(&orders).await.unwrap();
    assert_eq!(report.uploaded, 3);
    assert_eq!(report.processed, 3);
    assert_eq!(server.store().order_count(), before + 3);
    let o = server.store().order("new-2").unwrap();
    assert_eq!(o.revenue, Some(200.5));
    assert_eq!(o.custom_fields.get_str("City"), Some("Moscow"));
    assert_eq!(
        server.store().order("new-3").unwrap().status.unwrap().id,
        "deal_WON"
    );

    // Sending again updates, never duplicates.
    let report = client
        .add_orders(&[NewOrder::new(id("new-1")).price(150.0)])
        .await
        .unwrap();
    assert_eq!((report.uploaded, report.saved), (0, 1));
    assert_eq!(server.store().order_count(), before + 3);
    assert_eq!(server.store().order("new-1").unwrap().revenue, Some(150.0));
}

fn new_orders(prefix: &str, n: usize) -> Vec<NewOrder> {
    (0..n)
        .map(|i| NewOrder::new(id(&format!("{prefix}-{i:04}"))).price(i as f64))
        .collect()
}

async fn add_orders_bulk_accounts_for_every_order<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = mock_client(&server);
    let before = server.store().order_count();
    let orders = new_orders("bulk", 1234);
    let report = client.add_orders_bulk(&orders, 500).await;
    assert!(report.is_complete());
    let plan: Vec<_> = report
        .batches
        .iter()
        .map(|b| (b.index, b.range.clone()))
        .collect();
    assert_eq!(plan, [(0, 0..500), (1, 500..1000), (2, 1000..1234)]);
    assert_eq!(report.totals.uploaded, 1234);
    assert_eq!(report.orders_sent(), 1234);
    assert!(report.failed_orders(&orders).is_empty());
    assert_eq!(server.store().order_count(), before + 1234);
    assert_eq!(server.requests().matching("add-orders").len(), 3);

    // A zero batch size is one failed batch, not a panic or a silent no-op.
    let report = client.add_orders_bulk(&orders, 0).await;
    assert!(!report.is_complete());
    assert_eq!(report.failed_orders(&orders).len(), orders.len());
}

async fn bulk_upload_resumes_after_a_failed_batch<C: Api>() {
    let server = MockServer::start().unwrap();
    // Retries off: the failure must surface in the report.
    let client: C = builder::<C>(&server.base_url(), server.project(), server.api_key())
        .max_attempts(1)
        .build()
        .unwrap();
    let before = server.store().order_count();
    let orders = new_orders("resume", 45);
    // Batch 1 (the second add-orders request) fails: arm the fault once batch 0 is done.
    let faults = server.faults().clone();
    let mut after = move |b: &roistat_core::BatchResult| {
        if b.index == 0 {
            faults.next_on("add-orders", 1, Fault::Http500);
        }
    };
    let report = client.upload_batches(&orders, 10, &mut after).await;
    assert_eq!(report.batches.len(), 5, "every batch is accounted for");
    assert!(!report.is_complete());
    let failed: Vec<_> = report.failed().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].index, failed[0].range.clone()), (1, 10..20));
    let e = failed[0].result.as_ref().unwrap_err();
    assert_eq!(e.api_code(), Some(&ErrorCode::InternalError), "{e:?}");
    assert_eq!(e.request_state(), RequestState::Answered);
    assert_eq!(report.totals.uploaded, 35);
    assert_eq!(report.orders_sent(), 35);
    assert_eq!(server.store().order_count(), before + 35);

    // Resume: exactly the failed batch goes again.
    let retry = report.failed_orders(&orders);
    let ids: Vec<String> = retry.iter().map(|o| o.id.to_string()).collect();
    let expected: Vec<String> = orders[10..20].iter().map(|o| o.id.to_string()).collect();
    assert_eq!(ids, expected);
    let resumed = client.add_orders_bulk(&retry, 10).await;
    assert!(resumed.is_complete());
    assert_eq!(resumed.totals.uploaded, 10);
    assert_eq!(resumed.totals.skipped_because_not_changed, 0);

    // Every order exactly once: 45 new orders, each uploaded once in all.
    assert_eq!(report.totals.uploaded + resumed.totals.uploaded, 45);
    assert_eq!(server.store().order_count(), before + 45);
    for o in &orders {
        let stored = server.store().order(o.id.as_str()).unwrap();
        assert_eq!(stored.revenue, o.price);
    }
    let ids: Vec<String> = server
        .store()
        .orders()
        .into_iter()
        .map(|o| o.id.into_inner())
        .filter(|i| i.starts_with("resume-"))
        .collect();
    assert_eq!(ids.len(), 45);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 45);
}

async fn list_set_and_upsert_statuses<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = mock_client(&server);
    let list = client.list_statuses().await.unwrap();
    assert_eq!(list.total, 14);
    assert_eq!(list.data.len(), 14);
    assert_eq!(list.data, server.store().statuses());

    // upsert: one renamed, one new, the other 13 kept.
    let renamed = Status::new(
        list.data[0].id.clone(),
        "Renamed",
        list.data[0].r#type.clone(),
    );
    let new = Status::new(sid("won-2"), "Won again", StatusType::Paid);
    let sent = client
        .upsert_statuses(&[renamed.clone(), new.clone()])
        .await
        .unwrap();
    assert_eq!(sent.len(), 15);
    let now = server.store().statuses();
    assert_eq!(now.len(), 15);
    assert!(now.contains(&renamed));
    assert!(now.contains(&new));
    for old in &list.data[1..] {
        assert!(now.contains(old), "{old:?} was lost");
    }
    assert_eq!(client.list_statuses().await.unwrap().data, now);

    // set_statuses replaces the whole dictionary.
    let only = vec![
        Status::new(sid("a"), "A", StatusType::Progress),
        Status::new(sid("b"), "B", StatusType::Canceled),
    ];
    client.set_statuses(&only).await.unwrap();
    assert_eq!(server.store().statuses(), only);
    let rec = server.requests().last().unwrap();
    assert_eq!(rec.path, "/api/v1/project/set-statuses");
}

async fn custom_field_names<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = mock_client(&server);
    let names = client.custom_field_names().await.unwrap();
    assert_eq!(names, server.store().custom_field_names());
    assert_eq!(names, ["City", "Cashier", "Manager"]);
}

async fn update_order_status<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = mock_client(&server);
    client
        .update_order_status(&id("123"), &sid("deal_NEW"))
        .await
        .unwrap();
    assert_eq!(
        server.store().order("123").unwrap().status.unwrap().id,
        "deal_NEW"
    );
    let rec = server.requests().last().unwrap();
    assert_eq!(
        rec.path,
        "/api/v1/project/integration/order/123/status/update"
    );
    assert_eq!(
        rec.body_json().unwrap(),
        serde_json::json!({"status_id": "deal_NEW"})
    );
    let e = client
        .update_order_status(&id("123"), &sid("no-such-status"))
        .await
        .unwrap_err();
    assert_eq!(
        e.api_code(),
        Some(&ErrorCode::RequestDataValidationError),
        "{e:?}"
    );
    assert_eq!(e.request_state(), RequestState::Answered);
    let e = client
        .update_order_status(&id("nope"), &sid("deal_NEW"))
        .await
        .unwrap_err();
    assert_eq!(e.api_code(), Some(&ErrorCode::ResourceNotFound));
}

async fn delete_order<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = mock_client(&server);
    let before = server.store().order_count();
    client.delete_order(&id("95101")).await.unwrap();
    assert!(server.store().order("95101").is_none());
    assert_eq!(server.store().order_count(), before - 1);
    let e = client.delete_order(&id("95101")).await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ErrorCode::ResourceNotFound), "{e:?}");
    // A not-found answer is final: sent once, not retried.
    assert_eq!(server.requests().matching("/delete").len(), 2);
}

/// An operation the SDK does not cover, defined by the caller.
struct RawOrderInfo(String);

impl Endpoint for RawOrderInfo {
    type Output = serde_json::Value;
    fn name(&self) -> &'static str {
        "raw_order_info"
    }
    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> Path {
        Path::new("project/orders").param(&self.0).literal("info")
    }
    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }
    fn retry_safety(&self) -> RetrySafety {
        RetrySafety::Idempotent
    }
    fn rate_class(&self) -> RateClass {
        RateClass::Other
    }
}

async fn send_any_endpoint<C: Api>() {
    let server = MockServer::builder().orders(30).start().unwrap();
    let client: C = mock_client(&server);
    let statuses = client.send(&ListStatuses::new()).await.unwrap();
    assert_eq!(statuses.data, server.store().statuses());
    let page = client
        .send(&ListOrders::new(ListOrdersRequest::new().limit(7)).unwrap())
        .await
        .unwrap();
    assert_eq!(page.data.len(), 7);
    assert_eq!(page.total, 33);
    let raw = client
        .send(&RawOrderInfo("order_12345".into()))
        .await
        .unwrap();
    assert_eq!(raw["order"]["id"], "order_12345");
    assert_eq!(raw["status"], "success");
}

async fn error_codes<C: Api>(use_http_code: bool) {
    let server = MockServer::start().unwrap();
    let client: C = builder::<C>(&server.base_url(), server.project(), server.api_key())
        .use_http_code(use_http_code)
        .max_attempts(1)
        .build()
        .unwrap();
    for code in ErrorCode::KNOWN {
        server
            .faults()
            .next(1, Fault::error(code.as_str(), format!("about {code}")));
        let e = client.list_statuses().await.unwrap_err();
        let Error::Api(api) = &e else {
            panic!("{code}: expected Error::Api, got {e:?}")
        };
        assert_eq!(&api.code, code);
        assert_eq!(api.description.as_deref(), Some(&*format!("about {code}")));
        let status = if use_http_code {
            code.http_status()
        } else {
            200
        };
        assert_eq!(api.http_status.as_u16(), status, "{code}");
        assert_eq!(e.request_state(), RequestState::Answered);
        assert_eq!(e.api_code(), Some(code));
        let rec = server.requests().last().unwrap();
        assert_eq!(rec.status, status, "{code}");
        assert_eq!(
            rec.header("use-http-code").is_some(),
            use_http_code,
            "{code}"
        );
    }
    assert_eq!(server.requests().total(), ErrorCode::KNOWN.len() as u64);
}

async fn every_error_code_is_typed<C: Api>() {
    error_codes::<C>(false).await;
}

async fn every_error_code_is_typed_with_http_codes<C: Api>() {
    error_codes::<C>(true).await;
}

async fn unknown_error_code_still_decodes<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = mock_client(&server);
    server
        .faults()
        .next(1, Fault::error("some_new_code", "new"));
    let e = client.custom_field_names().await.unwrap_err();
    assert_eq!(
        e.api_code(),
        Some(&ErrorCode::Other("some_new_code".into()))
    );
}

async fn wrong_key_is_authentication_failed<C: Api>() {
    let server = MockServer::start().unwrap();
    let client: C = builder::<C>(&server.base_url(), server.project(), "not-the-key")
        .build()
        .unwrap();
    let e = client.list_statuses().await.unwrap_err();
    assert_eq!(
        e.api_code(),
        Some(&ErrorCode::AuthenticationFailed),
        "{e:?}"
    );
    let client: C = builder::<C>(&server.base_url(), server.project() + 1, server.api_key())
        .build()
        .unwrap();
    let e = client.list_statuses().await.unwrap_err();
    assert_eq!(e.api_code(), Some(&ErrorCode::AccessDenied), "{e:?}");
}
