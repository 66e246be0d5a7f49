//! The blocking client: each call is core's [`Call`](roistat_core::Call) driven with ureq and
//! `std::thread::sleep`.

use std::time::{Instant, SystemTime};

use roistat_core::endpoints::*;
use roistat_core::types::{AddOrdersReport, ListOrdersRequest, NewOrder, OrderId, OrderList};
use roistat_core::types::{Status, StatusId, StatusList};
use roistat_core::{BulkReport, Endpoint, Engine, Error, Step};

use crate::bulk::BulkUpload;
use crate::orders::Orders;
use crate::transport;

/// A blocking Roistat Orders API client.
///
/// Cheap to clone: clones share the connection pool, the rate-limit state and the
/// cancel handle, so the documented limits hold across every thread that uses them. It
/// never starts an async runtime and works inside or outside one.
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
    engine: Engine,
    agent: ureq::Agent,
}

roistat_core::client_basics!(
    Client,
    agent = |engine: &Engine| Ok::<_, Error>(transport::agent(engine)),
    BulkUpload
);

impl Client {
    /// Sends any [`Endpoint`]: waits for a rate-limit slot, retries as the policy
    /// says, and decodes the answer. Every operation method goes through here.
    ///
    /// ```no_run
    /// use roistat_blocking::endpoints::ListStatuses;
    ///
    /// let client = roistat_blocking::Client::from_env()?;
    /// let statuses = client.send(&ListStatuses::new())?;
    /// # Ok::<(), roistat_blocking::Error>(())
    /// ```
    pub fn send<E: Endpoint + ?Sized>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let mut call = self.engine.call(endpoint, Instant::now())?;
        let span = tracing::debug_span!("roistat.request", operation = call.name());
        let _guard = span.enter();
        loop {
            match call.next_step(Instant::now()) {
                Step::Done(result) => return result,
                Step::Wait { until, .. } => {
                    let wait = until.saturating_duration_since(Instant::now());
                    self.engine.cancel_handle().wait_timeout(wait);
                }
                Step::Send { timeout } => {
                    let answer =
                        transport::send(&self.agent, call.request(), timeout, call.body_limit());
                    call.receive(answer, Instant::now(), SystemTime::now());
                }
            }
        }
    }

    /// One page of the order list.
    ///
    /// ```no_run
    /// use roistat_blocking::types::{Filter, ListOrdersRequest, StatusFunnel};
    /// let client = roistat_blocking::Client::from_env()?;
    /// let page = client.list_orders(ListOrdersRequest::new().filter(Filter::status(StatusFunnel::Paid)).limit(100))?;
    /// println!("{} of {}", page.data.len(), page.total);
    /// # Ok::<(), roistat_blocking::Error>(())
    /// ```
    pub fn list_orders(&self, request: ListOrdersRequest) -> Result<OrderList, Error> {
        self.send(&ListOrders::new(request)?)
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
    ///     eprintln!("{}/{:?}: {}", p.rows, p.total, order.id);
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
    /// let info = client.order_info(OrderId::new("order_12345")?)?;
    /// println!("{} visits", info.visits.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn order_info(&self, id: OrderId) -> Result<roistat_core::types::OrderInfo, Error> {
        self.send(&GetOrderInfo::new(id)?)
    }

    /// The deal's page in the CRM.
    ///
    /// ```no_run
    /// use roistat_blocking::types::OrderId;
    /// let client = roistat_blocking::Client::from_env()?;
    /// println!("{}", client.order_external_url(OrderId::new("123")?)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn order_external_url(&self, id: OrderId) -> Result<String, Error> {
        Ok(self.send(&GetOrderExternalUrl::new(id)?)?.external_url)
    }

    /// Uploads deals in one request (upsert by id).
    ///
    /// ```no_run
    /// use roistat_blocking::types::{NewOrder, OrderId};
    /// let client = roistat_blocking::Client::from_env()?;
    /// let report = client.add_orders(vec![NewOrder::new(OrderId::new("1")?).price(100.0)])?;
    /// println!("{} uploaded", report.uploaded);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_orders(&self, orders: Vec<NewOrder>) -> Result<AddOrdersReport, Error> {
        self.send(&AddOrders::new(orders)?)
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
    pub fn add_orders_bulk(&self, orders: &[NewOrder], batch_size: usize) -> BulkReport {
        let mut report = BulkReport::default();
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
    /// client.set_statuses(vec![Status::new(StatusId::new("1")?, "New", StatusType::Progress)])?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_statuses(&self, statuses: Vec<Status>) -> Result<(), Error> {
        self.send(&SetStatuses::new(statuses)?).map(|_| ())
    }

    /// Adds or renames statuses, keeping every other one: reads the dictionary,
    /// merges, sends the whole list. Returns the list sent.
    ///
    /// ```no_run
    /// use roistat_blocking::types::{Status, StatusId, StatusType};
    /// let client = roistat_blocking::Client::from_env()?;
    /// let all = client.upsert_statuses(vec![Status::new(StatusId::new("won")?, "Won", StatusType::Paid)])?;
    /// println!("{} statuses now", all.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn upsert_statuses(&self, statuses: Vec<Status>) -> Result<Vec<Status>, Error> {
        let set = SetStatuses::upsert(&self.list_statuses()?, &statuses)?;
        self.send(&set)?;
        Ok(set.into_statuses())
    }

    /// The names of the deals' custom fields.
    ///
    /// ```no_run
    /// let client = roistat_blocking::Client::from_env()?;
    /// println!("{:?}", client.custom_field_names()?);
    /// # Ok::<(), roistat_blocking::Error>(())
    /// ```
    pub fn custom_field_names(&self) -> Result<Vec<String>, Error> {
        Ok(self.send(&ListCustomFields::new())?.fields)
    }

    /// Moves a deal to another status (integrations with goals or via API only).
    ///
    /// ```no_run
    /// use roistat_blocking::types::{OrderId, StatusId};
    /// let client = roistat_blocking::Client::from_env()?;
    /// client.update_order_status(OrderId::new("123")?, StatusId::new("2")?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_order_status(&self, id: OrderId, status: StatusId) -> Result<(), Error> {
        self.send(&UpdateOrderStatus::new(id, status)?).map(|_| ())
    }

    /// Deletes a deal (integration via API only). Not retried once it may have been
    /// processed: a repeat would answer `resource_not_found`.
    ///
    /// ```no_run
    /// use roistat_blocking::types::OrderId;
    /// let client = roistat_blocking::Client::from_env()?;
    /// client.delete_order(OrderId::new("123")?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_order(&self, id: OrderId) -> Result<(), Error> {
        self.send(&DeleteOrder::new(id)?).map(|_| ())
    }
}
