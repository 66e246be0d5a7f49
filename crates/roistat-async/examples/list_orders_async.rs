//! Lists the paid orders of a fake Roistat project and prints a summary, with the async
//! client.
//!
//! ```text
//! cargo run -p roistat-async --example list_orders_async
//! ```
//!
//! The fake server (`roistat-mock`) runs in this process on 127.0.0.1; point the
//! builder at `https://cloud.roistat.com/api/v1` (the default) and your own project and
//! key for the real thing. The documented rate limits stay on, as in production.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roistat_async::Client;
use roistat_async::types::{Filter, ListOrdersRequest, StatusFunnel};
use roistat_mock::MockServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::builder().orders(2_500).seed(42).start()?;
    println!("fake Roistat at {}", server.base_url());

    let client = Client::builder()
        .project(server.project())
        .api_key(server.api_key())
        .base_url(server.base_url())
        .build()?;

    // Paid deals worth at least 1,000, 500 per page.
    let filter = Filter::status(StatusFunnel::Paid).and(Filter::revenue().ge(1000));
    println!("filter: {filter}");
    let mut orders = client.orders(ListOrdersRequest::new().filter(filter).limit(500));

    let mut count = 0u64;
    let mut revenue = 0.0;
    let mut top: Vec<(f64, String)> = Vec::new();
    while let Some(order) = orders.next().await {
        let order = order?;
        let r = order.revenue.unwrap_or(0.0);
        count += 1;
        revenue += r;
        top.push((r, order.id.to_string()));
    }
    top.sort_by(|a, b| b.0.total_cmp(&a.0));

    let progress = orders.progress();
    println!(
        "{count} orders in {} pages (server total {:?})",
        progress.pages, progress.total
    );
    println!("revenue: {revenue:.2}");
    if count > 0 {
        println!("average: {:.2}", revenue / count as f64);
    }
    for (r, id) in top.iter().take(5) {
        println!("  {id:>12}  {r:>12.2}");
    }
    Ok(())
}
