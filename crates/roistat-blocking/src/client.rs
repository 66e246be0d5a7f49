//! The blocking client: each call is core's [`Exchange`] driven with ureq and
//! `std::thread::sleep`.

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

use crate::bulk::BulkUpload;
use crate::orders::Orders;
use crate::transport;

/// A blocking Roistat Orders API client.
///
/// Cheap to clone: clones share the connection pool and the rate-limit state, so the
/// documented limits hold across every thread that uses them. It never starts an async
/// runtime and works inside or outside one.
///
/// ```no_run
/// use roistat_blocking::Client;
/// use roistat_blocking::types::{Filter, ListOrdersRequest};
///
/// let client = Client::builder().project(12345).api_key("KEY").build()?;
/// for order in client.orders(ListOrdersRequest::new().filter(Filter::revenue().gt(0))) {
///     let order = order?;
///     println!("{} {:?}", order.id, order.revenue);
/// }
/// # Ok::<(), roistat_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    agent: ureq::Agent,
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
        let agent = transport::agent(&settings.timeouts);
        let limiter = Mutex::new(RateLimiter::new(settings.schedule.clone()));
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                agent,
                limiter,
            }),
        })
    }
}

impl Client {
    /// Starts building a client.
    ///
    /// ```
    /// use std::time::Duration;
    /// let client = roistat_blocking::Client::builder()
    ///     .project(12345)
    ///     .api_key("KEY")
    ///     .timeout(Duration::from_secs(30))
    ///     .build()?;
    /// assert_eq!(client.settings().config.project().get(), 12345);
    /// # Ok::<(), roistat_blocking::Error>(())
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
    /// use roistat_blocking::Client;
    /// use roistat_blocking::core::endpoints::ListStatuses;
    ///
    /// let client = Client::from_env()?;
    /// let statuses = client.send(&ListStatuses::new())?;
    /// # Ok::<(), roistat_blocking::Error>(())
    /// ```
    pub fn send<E: Endpoint + ?Sized>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let inner = &*self.inner;
        let mut exchange = Exchange::new(
            &inner.settings.config,
            endpoint,
            &inner.settings.timeouts,
            Instant::now(),
        )?;
        let span = tracing::debug_span!("roistat.request", operation = exchange.name());
        let _guard = span.enter();
        loop {
            let step = exchange.next_step(&mut self.limiter(), Instant::now())?;
            match step {
                Step::Wait(until) => {
                    tracing::debug!(
                        wait_ms =
                            until.saturating_duration_since(Instant::now()).as_millis() as u64,
                        "waiting for a rate-limit slot"
                    );
                    sleep_until(until);
                }
                Step::Send { timeout } => {
                    let sent_at = Instant::now();
                    let result = transport::send(&inner.agent, exchange.request(), timeout)
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
                        Finish::RetryAt(until) => sleep_until(until),
                    }
                }
            }
        }
    }

    fn limiter(&self) -> std::sync::MutexGuard<'_, RateLimiter> {
        // A panic elsewhere while holding the lock leaves a consistent limiter (each
        // method is a few pushes and pops): keep using it.
        self.inner
            .limiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// One page of the order list.
    ///
    /// ```no_run
    /// use roistat_blocking::types::{Filter, ListOrdersRequest, StatusFunnel};
    /// let client = roistat_blocking::Client::from_env()?;
    /// let page = client.list_orders(&ListOrdersRequest::new().filter(Filter::status(StatusFunnel::Paid)).limit(100))?;
    /// println!("{} of {}", page.data.len(), page.total);
    /// # Ok::<(), roistat_blocking::Error>(())
    /// ```
    pub fn list_orders(&self, request: &ListOrdersRequest) -> Result<OrderList, Error> {
        self.send(&ListOrders::new(request.clone())?)
    }

    /// Every order `request` selects, page after page under the rate limit (its
    /// `limit` is the page size, by default the best one for the documented tiers;
    /// its `offset` is where to start). Memory holds one page at a time.
    ///
    /// ```no_run
    /// use roistat_blocking::types::ListOrdersRequest;
    /// let client = roistat_blocking::Client::from_env()?;
    /// let mut orders = client.orders(ListOrdersRequest::new().with_visits());
    /// while let Some(order) = orders.next() {
    ///     let order = order?;
    ///     let p = orders.progress();
    ///     eprintln!("{}/{:?}: {}", p.orders, p.total, order.id);
    /// }
    /// # Ok::<(), roistat_blocking::Error>(())
    /// ```
    pub fn orders(&self, request: ListOrdersRequest) -> Orders {
        Orders::new(self.clone(), request)
    }

    /// Everything about one deal: visits, products, client.
    ///
    /// ```no_run
    /// use roistat_blocking::types::OrderId;
    /// let client = roistat_blocking::Client::from_env()?;
    /// let info = client.order_info(&OrderId::new("order_12345")?)?;
    /// println!("{} visits", info.visits.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn order_info(&self, id: &OrderId) -> Result<roistat_core::types::OrderInfo, Error> {
        self.send(&OrderInfo::new(id.clone())?)
    }

    /// The deal's page in the CRM.
    ///
    /// ```no_run
    /// use roistat_blocking::types::OrderId;
    /// let client = roistat_blocking::Client::from_env()?;
    /// println!("{}", client.order_external_url(&OrderId::new("123")?)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn order_external_url(&self, id: &OrderId) -> Result<String, Error> {
        Ok(self.send(&OrderExternalUrl::new(id.clone())?)?.external_url)
    }

    /// Uploads deals in one request (upsert by id).
    ///
    /// ```no_run
    /// use roistat_blocking::types::{NewOrder, OrderId};
    /// let client = roistat_blocking::Client::from_env()?;
    /// let report = client.add_orders(&[NewOrder::new(OrderId::new("1")?).price(100.0)])?;
    /// println!("{} uploaded", report.uploaded);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_orders(&self, orders: &[NewOrder]) -> Result<AddOrdersReport, Error> {
        self.send(&AddOrders::new(orders.to_vec())?)
    }

    /// Uploads deals in batches of `batch_size`, one request per batch, yielding each
    /// batch's outcome as it completes (stop iterating to stop uploading).
    ///
    /// ```no_run
    /// use roistat_blocking::types::{NewOrder, OrderId};
    /// let client = roistat_blocking::Client::from_env()?;
    /// let orders: Vec<NewOrder> = (0..2500).map(|i| NewOrder::new(OrderId::new(i.to_string()).unwrap())).collect();
    /// for batch in client.add_orders_in_batches(&orders, 1000) {
    ///     println!("batch {} ({:?}): {:?}", batch.index, batch.range, batch.result.map(|r| r.uploaded));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_orders_in_batches<'a>(
        &self,
        orders: &'a [NewOrder],
        batch_size: usize,
    ) -> BulkUpload<'a> {
        BulkUpload::new(self.clone(), orders, batch_size)
    }

    /// Uploads every batch and accounts for each: [`BulkReport::failed_orders`]
    /// gives what to send again to resume (safe: uploads upsert by id).
    ///
    /// [`BulkReport::failed_orders`]: roistat_core::BulkReport::failed_orders
    ///
    /// ```no_run
    /// use roistat_blocking::types::{NewOrder, OrderId};
    /// let client = roistat_blocking::Client::from_env()?;
    /// let orders = vec![NewOrder::new(OrderId::new("1")?)];
    /// let report = client.add_orders_bulk(&orders, 500);
    /// if !report.is_complete() {
    ///     let retry = report.failed_orders(&orders);
    ///     client.add_orders_bulk(&retry, 500);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_orders_bulk(
        &self,
        orders: &[NewOrder],
        batch_size: usize,
    ) -> roistat_core::BulkReport {
        let mut report = roistat_core::BulkReport::default();
        for batch in self.add_orders_in_batches(orders, batch_size) {
            report.push(batch);
        }
        report
    }

    /// The project's status dictionary.
    ///
    /// ```no_run
    /// let client = roistat_blocking::Client::from_env()?;
    /// for s in client.list_statuses()?.data { println!("{} {} {}", s.id, s.r#type, s.name); }
    /// # Ok::<(), roistat_blocking::Error>(())
    /// ```
    pub fn list_statuses(&self) -> Result<StatusList, Error> {
        self.send(&ListStatuses::new())
    }

    /// Replaces the whole status dictionary: statuses not listed are deleted. See
    /// [`upsert_statuses`](Self::upsert_statuses) to add or rename without losing any.
    ///
    /// ```no_run
    /// use roistat_blocking::types::{Status, StatusId, StatusType};
    /// let client = roistat_blocking::Client::from_env()?;
    /// client.set_statuses(&[Status::new(StatusId::new("1")?, "New", StatusType::Progress)])?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_statuses(&self, statuses: &[Status]) -> Result<(), Error> {
        self.send(&SetStatuses::new(statuses.to_vec())?).map(|_| ())
    }

    /// Adds or renames statuses, keeping every other one: reads the dictionary,
    /// merges, sends the whole list. Returns the list sent.
    ///
    /// ```no_run
    /// use roistat_blocking::types::{Status, StatusId, StatusType};
    /// let client = roistat_blocking::Client::from_env()?;
    /// let all = client.upsert_statuses(&[Status::new(StatusId::new("won")?, "Won", StatusType::Paid)])?;
    /// println!("{} statuses now", all.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn upsert_statuses(&self, statuses: &[Status]) -> Result<Vec<Status>, Error> {
        let current = self.list_statuses()?.data;
        let merged = merge_statuses(&current, statuses);
        self.set_statuses(&merged)?;
        Ok(merged)
    }

    /// The names of the deals' custom fields.
    ///
    /// ```no_run
    /// let client = roistat_blocking::Client::from_env()?;
    /// println!("{:?}", client.custom_field_names()?);
    /// # Ok::<(), roistat_blocking::Error>(())
    /// ```
    pub fn custom_field_names(&self) -> Result<Vec<String>, Error> {
        Ok(self.send(&CustomFieldNames::new())?.fields)
    }

    /// Moves a deal to another status (integrations with goals or via API only).
    ///
    /// ```no_run
    /// use roistat_blocking::types::{OrderId, StatusId};
    /// let client = roistat_blocking::Client::from_env()?;
    /// client.update_order_status(&OrderId::new("123")?, &StatusId::new("2")?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_order_status(&self, id: &OrderId, status: &StatusId) -> Result<(), Error> {
        self.send(&UpdateOrderStatus::new(id.clone(), status.clone())?)
            .map(|_| ())
    }

    /// Deletes a deal (integration via API only). Not retried once it may have been
    /// processed: a repeat would answer `resource_not_found`.
    ///
    /// ```no_run
    /// use roistat_blocking::types::OrderId;
    /// let client = roistat_blocking::Client::from_env()?;
    /// client.delete_order(&OrderId::new("123")?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_order(&self, id: &OrderId) -> Result<(), Error> {
        self.send(&DeleteOrder::new(id.clone())?).map(|_| ())
    }
}

fn sleep_until(until: Instant) {
    let now = Instant::now();
    if until > now {
        std::thread::sleep(until - now);
    }
}
