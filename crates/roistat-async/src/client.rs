//! The async client: each call is core's [`Exchange`] driven with reqwest and
//! `tokio::time::sleep`.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use roistat_core::endpoints::{
    AddOrders, CustomFieldNames, DeleteOrder, ListOrders, ListStatuses, OrderExternalUrl,
    OrderInfo, SetStatuses, UpdateOrderStatus, merge_statuses,
};
use roistat_core::types::{
    AddOrdersReport, ListOrdersRequest, NewOrder, OrderId, OrderList, Status, StatusId, StatusList,
};
use roistat_core::{
    ClientBuilder, Endpoint, Error, Exchange, Finish, FromSettings, RateLimiter, Settings, Step,
    decode,
};
use tracing::Instrument;

use crate::bulk::BulkUpload;
use crate::orders::Orders;
use crate::transport;

/// An async Roistat Orders API client (reqwest + tokio).
///
/// Cheap to clone: clones share the connection pool and the rate-limit state. Needs a
/// tokio runtime with the time driver; never blocks a thread.
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
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    http: reqwest::Client,
    limiter: Mutex<RateLimiter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Config`'s Debug redacts the key.
        f.debug_struct("Client")
            .field("config", &self.inner.settings.config)
            .field("timeouts", &self.inner.settings.timeouts)
            .finish_non_exhaustive()
    }
}

impl FromSettings for Client {
    fn from_settings(settings: Settings) -> Result<Self, Error> {
        let http = transport::http_client(&settings.timeouts, settings.config.user_agent())?;
        let limiter = Mutex::new(RateLimiter::new(settings.schedule.clone()));
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                http,
                limiter,
            }),
        })
    }
}

impl Client {
    /// Starts building a client.
    ///
    /// ```
    /// let client = roistat_async::Client::builder().project(12345).api_key("KEY").build()?;
    /// assert_eq!(client.settings().config.project().get(), 12345);
    /// # Ok::<(), roistat_async::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::new()
    }

    /// A client from `ROISTAT_API_KEY`, `ROISTAT_PROJECT` and (optionally)
    /// `ROISTAT_BASE_URL`, with default settings.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().env_with(|k| std::env::var(k).ok())?.build()
    }

    /// The settings the client was built with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Sends any [`Endpoint`]: waits for a rate-limit slot, retries as the policy
    /// says, and decodes the answer. Every operation method goes through here.
    ///
    /// ```no_run
    /// use roistat_async::core::endpoints::ListStatuses;
    /// # async fn run() -> Result<(), roistat_async::Error> {
    /// let client = roistat_async::Client::from_env()?;
    /// let statuses = client.send(&ListStatuses::new()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send<E: Endpoint + Sync + ?Sized>(
        &self,
        endpoint: &E,
    ) -> Result<E::Output, Error> {
        let inner = &*self.inner;
        let mut exchange = Exchange::new(
            &inner.settings.config,
            endpoint,
            &inner.settings.timeouts,
            Instant::now(),
        )?;
        let span = tracing::debug_span!("roistat.request", operation = exchange.name());
        async move {
            loop {
                let step = exchange.next_step(&mut self.limiter(), Instant::now())?;
                match step {
                    Step::Wait(until) => {
                        tracing::debug!(
                            wait_ms = until.saturating_duration_since(Instant::now()).as_millis() as u64,
                            "waiting for a rate-limit slot"
                        );
                        sleep_until(until).await;
                    }
                    Step::Send { timeout } => {
                        let sent_at = Instant::now();
                        let result = transport::send(&inner.http, exchange.request(), timeout)
                            .await
                            .and_then(|a| {
                                tracing::debug!(
                                    attempt = exchange.attempt(),
                                    status = a.status.as_u16(),
                                    elapsed_ms = sent_at.elapsed().as_millis() as u64,
                                    bytes = a.body.len(),
                                    "response"
                                );
                                decode(endpoint, a.status, &a.headers, &a.body)
                            });
                        if let Err(e) = &result {
                            tracing::debug!(attempt = exchange.attempt(), error = %e, "attempt failed");
                        }
                        let finish = exchange.finish(
                            result,
                            &mut self.limiter(),
                            &inner.settings.retry,
                            Instant::now(),
                            SystemTime::now(),
                            &mut fastrand::f64,
                        );
                        match finish {
                            Finish::Done(result) => return result,
                            Finish::RetryAt(until) => sleep_until(until).await,
                        }
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    fn limiter(&self) -> std::sync::MutexGuard<'_, RateLimiter> {
        // Never held across an await. A panic elsewhere while holding it leaves a
        // consistent limiter: keep using it.
        self.inner
            .limiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// One page of the order list.
    ///
    /// ```no_run
    /// use roistat_async::types::ListOrdersRequest;
    /// # async fn run() -> Result<(), roistat_async::Error> {
    /// let client = roistat_async::Client::from_env()?;
    /// let page = client.list_orders(&ListOrdersRequest::new().limit(100)).await?;
    /// println!("{} of {}", page.data.len(), page.total);
    /// # Ok(()) }
    /// ```
    pub async fn list_orders(&self, request: &ListOrdersRequest) -> Result<OrderList, Error> {
        self.send(&ListOrders::new(request.clone())?).await
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
    ///     eprintln!("{} ({} so far)", order.id, orders.progress().orders);
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
    /// let info = client.order_info(&OrderId::new("order_12345")?).await?;
    /// println!("{} visits", info.visits.len());
    /// # Ok(()) }
    /// ```
    pub async fn order_info(&self, id: &OrderId) -> Result<roistat_core::types::OrderInfo, Error> {
        self.send(&OrderInfo::new(id.clone())?).await
    }

    /// The deal's page in the CRM.
    ///
    /// ```no_run
    /// use roistat_async::types::OrderId;
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// println!("{}", client.order_external_url(&OrderId::new("123")?).await?);
    /// # Ok(()) }
    /// ```
    pub async fn order_external_url(&self, id: &OrderId) -> Result<String, Error> {
        Ok(self
            .send(&OrderExternalUrl::new(id.clone())?)
            .await?
            .external_url)
    }

    /// Uploads deals in one request (upsert by id).
    ///
    /// ```no_run
    /// use roistat_async::types::{NewOrder, OrderId};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// let report = client.add_orders(&[NewOrder::new(OrderId::new("1")?)]).await?;
    /// println!("{} uploaded", report.uploaded);
    /// # Ok(()) }
    /// ```
    pub async fn add_orders(&self, orders: &[NewOrder]) -> Result<AddOrdersReport, Error> {
        self.send(&AddOrders::new(orders.to_vec())?).await
    }

    /// Uploads deals in batches of `batch_size`, one request per batch, as a stream of
    /// each batch's outcome (stop polling to stop uploading).
    ///
    /// ```no_run
    /// use roistat_async::types::{NewOrder, OrderId};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// let orders = vec![NewOrder::new(OrderId::new("1")?)];
    /// let mut batches = client.add_orders_in_batches(&orders, 1000);
    /// while let Some(batch) = batches.next().await {
    ///     println!("batch {}: {:?}", batch.index, batch.result.map(|r| r.uploaded));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn add_orders_in_batches(&self, orders: &[NewOrder], batch_size: usize) -> BulkUpload {
        BulkUpload::new(self.clone(), orders, batch_size)
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
    pub async fn add_orders_bulk(
        &self,
        orders: &[NewOrder],
        batch_size: usize,
    ) -> roistat_core::BulkReport {
        let mut report = roistat_core::BulkReport::default();
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
    /// client.set_statuses(&[Status::new(StatusId::new("1")?, "New", StatusType::Progress)]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_statuses(&self, statuses: &[Status]) -> Result<(), Error> {
        self.send(&SetStatuses::new(statuses.to_vec())?)
            .await
            .map(|_| ())
    }

    /// Adds or renames statuses, keeping every other one: reads the dictionary,
    /// merges, sends the whole list. Returns the list sent.
    ///
    /// ```no_run
    /// use roistat_async::types::{Status, StatusId, StatusType};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// let all = client.upsert_statuses(&[Status::new(StatusId::new("won")?, "Won", StatusType::Paid)]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn upsert_statuses(&self, statuses: &[Status]) -> Result<Vec<Status>, Error> {
        let current = self.list_statuses().await?.data;
        let merged = merge_statuses(&current, statuses);
        self.set_statuses(&merged).await?;
        Ok(merged)
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
        Ok(self.send(&CustomFieldNames::new()).await?.fields)
    }

    /// Moves a deal to another status (integrations with goals or via API only).
    ///
    /// ```no_run
    /// use roistat_async::types::{OrderId, StatusId};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = roistat_async::Client::from_env()?;
    /// client.update_order_status(&OrderId::new("123")?, &StatusId::new("2")?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_order_status(&self, id: &OrderId, status: &StatusId) -> Result<(), Error> {
        self.send(&UpdateOrderStatus::new(id.clone(), status.clone())?)
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
    /// client.delete_order(&OrderId::new("123")?).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_order(&self, id: &OrderId) -> Result<(), Error> {
        self.send(&DeleteOrder::new(id.clone())?).await.map(|_| ())
    }
}

async fn sleep_until(until: Instant) {
    tokio::time::sleep_until(tokio::time::Instant::from_std(until)).await;
}
