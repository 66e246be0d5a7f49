#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Both clients, one binary, against the fake server.

use roistat_core::ScheduleConfig;
use roistat_mock::MockServer;
use roistat_types::{ListOrdersRequest, NewOrder, OrderId};

fn blocking(server: &MockServer) -> roistat_blocking::Client {
    roistat_blocking::Client::builder()
        .project(server.project())
        .api_key(server.api_key())
        .base_url(server.base_url())
        .rate_limits(ScheduleConfig::disabled())
        .build()
        .unwrap()
}

fn asynchronous(server: &MockServer) -> roistat_async::Client {
    roistat_async::Client::builder()
        .project(server.project())
        .api_key(server.api_key())
        .base_url(server.base_url())
        .rate_limits(ScheduleConfig::disabled())
        .build()
        .unwrap()
}

#[test]
fn blocking_smoke() {
    let server = MockServer::builder().orders(2500).seed(7).start().unwrap();
    let client = blocking(&server);
    let page = client
        .list_orders(&ListOrdersRequest::new().limit(10))
        .unwrap();
    assert_eq!(page.data.len(), 10);
    let all: Vec<_> = client
        .orders(ListOrdersRequest::new().limit(1000))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all.len() as u64, page.total);
    let report = client
        .add_orders(&[NewOrder::new(OrderId::new("new-1").unwrap()).price(5.0)])
        .unwrap();
    assert_eq!(report.uploaded, 1);
    assert!(client.list_statuses().unwrap().total >= 14);
}

#[tokio::test]
async fn async_smoke() {
    let server = MockServer::builder().orders(2500).seed(7).start().unwrap();
    let client = asynchronous(&server);
    let page = client
        .list_orders(&ListOrdersRequest::new().limit(10))
        .await
        .unwrap();
    assert_eq!(page.data.len(), 10);
    let mut n = 0u64;
    let mut orders = client.orders(ListOrdersRequest::new().limit(1000));
    while let Some(o) = orders.next().await {
        o.unwrap();
        n += 1;
    }
    assert_eq!(n, page.total);
    assert!(client.list_statuses().await.unwrap().total >= 14);
}
