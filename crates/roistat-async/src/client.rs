//! The async client: each call is core's [`Call`](roistat_core::Call) driven with reqwest and
//! `tokio::time::sleep`.

use std::time::SystemTime;

use roistat_core::endpoints::*;
use roistat_core::types::{AddOrdersReport, ListOrdersRequest, NewOrder, OrderId, OrderList};
use roistat_core::types::{Status, StatusId, StatusList};
use roistat_core::{BulkReport, Endpoint, Engine, Error, Step};
use tokio::time::Instant;
use tracing::Instrument;

use crate::bulk::BulkUpload;
use crate::orders::Orders;
use crate::transport;

/// An async Roistat Orders API client (reqwest + tokio).
///
/// Cheap to clone: clones share the connection pool, the rate-limit state and the
/// cancel handle. Needs a tokio runtime with the time driver; never blocks a thread. It
/// reads time on tokio's clock, so it works under `tokio::time::pause()`.
///
/// Cancelling: drop the future (an attempt on the wire is abandoned and may still be
/// processed by the server), or trigger [`cancel_handle`](Self::cancel_handle) to end
/// every wait with [`Error::Cancelled`](roistat_core::Error::Cancelled).
///
/// ```no_run
/// use roistat_async::Client;
/// use roistat_async::types::{Filter, ListOrdersRequest};
///
/// # async fn run() -> Result<(), roistat_async::Error> {
/// let client = Client::builder().project(12345).api_key("KEY").build()?;
/// let mut orders = client.orders(ListOrdersRequest::new().filter(Filter::revenue().gt(0)));
/// while let Some(order) = orders.next().await {
///     println!("{}", order?.id);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    engine: Engine,
    http: reqwest::Client,
}

roistat_core::client_basics!(Client, http = transport::http_client, BulkUpload);

impl Client {
    /// Sends any [`Endpoint`]: waits for a rate-limit slot, retries as the policy
    /// says, and decodes the answer. Every operation method goes through here.
    ///
    /// ```no_run
    /// use roistat_async::endpoints::ListStatuses;
    /// # async fn run() -> Result<(), roistat_async::Error> {
    /// let client = roistat_async::Client::from_env()?;
    /// let statuses = client.send(&ListStatuses::new()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send<E: Endpoint + Sync + ?Sized>(
        &self,
        endpoint: &E,
    ) -> Result<E::Output, Error> {
        let mut call = self.engine.call(endpoint, Instant::now().into_std())?;
        let span = tracing::debug_span!("roistat.request", operation = call.name());
        async move {
            loop {
                match call.next_step(Instant::now().into_std()) {
                    Step::Done(result) => return result,
                    Step::Wait { until, .. } => tokio::select! {
                        () = tokio::time::sleep_until(Instant::from_std(until)) => {}
                        () = self.engine.cancel_handle().cancelled() => {}
                    },
                    Step::Send { timeout } => {
                        let limit = call.body_limit();
                        let answer =
                            transport::send(&self.http, call.request(), timeout, limit).await;
                        call.receive(answer, Instant::now().into_std(), SystemTime::now());
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    /// One page of the order list.
    ///
    /// ```no_run
    /// use roistat_async::types::ListOrdersRequest;
    /// # async fn run() -> Result<(), roistat_async::Error> {
    /// let client = roistat_async::Client::from_env()?;
    /// let page = client.list_orders(ListOrdersRequest::new().limit(100)).await?;
    /// println!("{} of {}", page.data.len(), page.total);
    /// # Ok(()) }
    /// ```
    pub async fn list_orders(&self, request: ListOrdersRequest) -> Result<OrderList, Error> {
        self.send(&ListOrders::new(request)?).await
    }

    /// Every order `request` selects, as a [`Stream`](futures_core::Stream) fetching
    /// page after page under the rate limit; memory holds one page at a time.
    ///
    /// ```no_run
    /// use roistat_async::types::ListOrdersRequest;
    /// # async fn run() -> Result<(), roistat_async::Error> {
    /// let client = roistat_async::Client::from_env()?;
    /// let mut orders = client.orders(ListOrdersRequest::new().with_visits());
    /// while let Some(order) = orders.next().await {
    ///     let order = order?;
    ///     eprintln!("{} ({} so far)", order.id, orders.progress().rows);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn orders(&self, request: ListOrdersRequest) -> Orders {
        Orders::new(self.clone(), request)
    }

    /// Everything about one deal: visits, products, client.
    ///
    /// ```no_run
    /// use roistat_async::types::OrderId;
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// let info = client.order_info(OrderId::new("order_12345")?).await?;
    /// println!("{} visits", info.visits.len());
    /// # Ok(()) }
    /// ```
    pub async fn order_info(&self, id: OrderId) -> Result<roistat_core::types::OrderInfo, Error> {
        self.send(&GetOrderInfo::new(id)?).await
    }

    /// The deal's page in the CRM.
    ///
    /// ```no_run
    /// use roistat_async::types::OrderId;
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// println!("{}", client.order_external_url(OrderId::new("123")?).await?);
    /// # Ok(()) }
    /// ```
    pub async fn order_external_url(&self, id: OrderId) -> Result<String, Error> {
        Ok(self
            .send(&GetOrderExternalUrl::new(id)?)
            .await?
            .external_url)
    }

    /// Uploads deals in one request (upsert by id).
    ///
    /// ```no_run
    /// use roistat_async::types::{NewOrder, OrderId};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// let report = client.add_orders(vec![NewOrder::new(OrderId::new("1")?)]).await?;
    /// println!("{} uploaded", report.uploaded);
    /// # Ok(()) }
    /// ```
    pub async fn add_orders(&self, orders: Vec<NewOrder>) -> Result<AddOrdersReport, Error> {
        self.send(&AddOrders::new(orders)?).await
    }

    /// Uploads every batch and accounts for each: [`BulkReport::failed_orders`] gives
    /// what to send again to resume (safe: uploads upsert by id).
    ///
    /// [`BulkReport::failed_orders`]: roistat_core::BulkReport::failed_orders
    ///
    /// ```no_run
    /// use roistat_async::types::{NewOrder, OrderId};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// let orders = vec![NewOrder::new(OrderId::new("1")?)];
    /// let report = client.add_orders_bulk(&orders, 500).await;
    /// assert!(report.is_complete());
    /// # Ok(()) }
    /// ```
    pub async fn add_orders_bulk(&self, orders: &[NewOrder], batch_size: usize) -> BulkReport {
        let mut report = BulkReport::default();
        let mut batches = self.add_orders_in_batches(orders, batch_size);
        while let Some(batch) = batches.next().await {
            report.push(batch);
        }
        report
    }

    /// The project's status dictionary.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), roistat_async::Error> {
    /// let client = roistat_async::Client::from_env()?;
    /// for s in client.list_statuses().await?.data { println!("{} {}", s.id, s.name); }
    /// # Ok(()) }
    /// ```
    pub async fn list_statuses(&self) -> Result<StatusList, Error> {
        self.send(&ListStatuses::new()).await
    }

    /// Replaces the whole status dictionary: statuses not listed are deleted. See
    /// [`upsert_statuses`](Self::upsert_statuses) to add or rename without losing any.
    ///
    /// ```no_run
    /// use roistat_async::types::{Status, StatusId, StatusType};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// client.set_statuses(vec![Status::new(StatusId::new("1")?, "New", StatusType::Progress)]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_statuses(&self, statuses: Vec<Status>) -> Result<(), Error> {
        self.send(&SetStatuses::new(statuses)?).await.map(|_| ())
    }

    /// Adds or renames statuses, keeping every other one: reads the dictionary,
    /// merges, sends the whole list. Returns the list sent.
    ///
    /// ```no_run
    /// use roistat_async::types::{Status, StatusId, StatusType};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// let all = client.upsert_statuses(vec![Status::new(StatusId::new("won")?, "Won", StatusType::Paid)]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn upsert_statuses(&self, statuses: Vec<Status>) -> Result<Vec<Status>, Error> {
        let set = SetStatuses::upsert(&self.list_statuses().await?, &statuses)?;
        self.send(&set).await?;
        Ok(set.into_statuses())
    }

    /// The names of the deals' custom fields.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), roistat_async::Error> {
    /// let client = roistat_async::Client::from_env()?;
    /// println!("{:?}", client.custom_field_names().await?);
    /// # Ok(()) }
    /// ```
    pub async fn custom_field_names(&self) -> Result<Vec<String>, Error> {
        Ok(self.send(&ListCustomFields::new()).await?.fields)
    }

    /// Moves a deal to another status (integrations with goals or via API only).
    ///
    /// ```no_run
    /// use roistat_async::types::{OrderId, StatusId};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// client.update_order_status(OrderId::new("123")?, StatusId::new("2")?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_order_status(&self, id: OrderId, status: StatusId) -> Result<(), Error> {
        self.send(&UpdateOrderStatus::new(id, status)?)
            .await
            .map(|_| ())
    }

    /// Deletes a deal (integration via API only). Not retried once it may have been
    /// processed: a repeat would answer `resource_not_found`.
    ///
    /// ```no_run
    /// use roistat_async::types::OrderId;
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// client.delete_order(OrderId::new("123")?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_order(&self, id: OrderId) -> Result<(), Error> {
        self.send(&DeleteOrder::new(id)?).await.map(|_| ())
    }
}
