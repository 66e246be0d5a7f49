//! [`Api`]: the surface both clients share, as one trait, so a scenario is written once.
//!
//! The blocking implementation's futures never wait (each method runs the blocking call
//! to completion when first polled), so [`block_on`] drives them without a runtime: the
//! blocking client really runs on a plain thread, as its users would run it.

use std::fmt::Debug;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use roistat_core::types::{
    AddOrdersReport, ListOrdersRequest, NewOrder, Order, OrderId, OrderInfo, OrderList, Status,
    StatusId, StatusList,
};
use roistat_core::{
    BatchResult, BulkReport, ClientBuilder, Endpoint, Engine, Error, FromEngine, RetryPolicy,
    ScheduleConfig, WalkReport,
};
use roistat_mock::MockServer;

/// Polls a future of the blocking driver once: it must be ready.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a blocking scenario awaited something that is not ready"),
    }
}

/// Retries that keep the tests fast: 3 attempts, 10-50 ms backoff, 50 ms after a rate
/// limit (a `Retry-After` still wins).
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(50))
        .with_rate_limit_delays(vec![Duration::from_millis(50)])
}

/// A builder aimed at `base_url` with short timeouts, fast retries and no client-side
/// rate limit (tests that need one set it).
pub fn builder<C: Api>(base_url: &str, project: u64, key: &str) -> ClientBuilder<C> {
    ClientBuilder::<C>::new()
        .project(project)
        .api_key(key)
        .base_url(base_url)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .total_timeout(Duration::from_secs(20))
        .retry_policy(fast_retries())
        .rate_limits(ScheduleConfig::disabled())
}

/// A client of `server` with [`builder`]'s settings.
pub fn mock_client<C: Api>(server: &MockServer) -> C {
    builder::<C>(&server.base_url(), server.project(), server.api_key())
        .build()
        .unwrap()
}

/// The result of walking the order iterator (or stream) to its end.
#[derive(Debug)]
pub struct Walk {
    /// The orders yielded before the end or the first error.
    pub orders: Vec<Order>,
    /// The error that ended the walk, if any.
    pub error: Option<Error>,
    /// Whether the walk yielded nothing more after its error (it must end).
    pub ended_after_error: bool,
    /// The walk's progress at the end.
    pub progress: WalkReport,
}

/// The surface of both clients (same names, same arguments).
#[allow(async_fn_in_trait)] // only driven in this crate, never spawned
pub trait Api: FromEngine + Clone + Send + Sync + Debug + 'static {
    /// `"blocking"` or `"async"`.
    const NAME: &'static str;
    fn engine(&self) -> &Engine;
    async fn send<E: Endpoint + Sync>(&self, endpoint: &E) -> Result<E::Output, Error>;
    async fn list_orders(&self, request: &ListOrdersRequest) -> Result<OrderList, Error>;
    /// Walks `orders(request)` (with `page_size`/`max_orders` when given) to its end.
    async fn walk(
        &self,
        request: ListOrdersRequest,
        page_size: Option<u32>,
        max_orders: Option<u64>,
    ) -> Walk;
    async fn order_info(&self, id: &OrderId) -> Result<OrderInfo, Error>;
    async fn order_external_url(&self, id: &OrderId) -> Result<String, Error>;
    async fn add_orders(&self, orders: &[NewOrder]) -> Result<AddOrdersReport, Error>;
    /// Drives `add_orders_in_batches`, calling `after` after each batch (a test arms a
    /// fault there), and accounts for the batches in a report.
    async fn upload_batches(
        &self,
        orders: &[NewOrder],
        batch_size: usize,
        after: &mut (dyn FnMut(&BatchResult) + Send),
    ) -> BulkReport;
    async fn add_orders_bulk(&self, orders: &[NewOrder], batch_size: usize) -> BulkReport;
    async fn list_statuses(&self) -> Result<StatusList, Error>;
    async fn set_statuses(&self, statuses: &[Status]) -> Result<(), Error>;
    async fn upsert_statuses(&self, statuses: &[Status]) -> Result<Vec<Status>, Error>;
    async fn custom_field_names(&self) -> Result<Vec<String>, Error>;
    async fn update_order_status(&self, id: &OrderId, status: &StatusId) -> Result<(), Error>;
    async fn delete_order(&self, id: &OrderId) -> Result<(), Error>;
}

impl Api for roistat_blocking::Client {
    const NAME: &'static str = "blocking";
    fn engine(&self) -> &Engine {
        self.engine()
    }
    async fn send<E: Endpoint + Sync>(&self, endpoint: &E) -> Result<E::Output, Error> {
        self.send(endpoint)
    }
    async fn list_orders(&self, request: &ListOrdersRequest) -> Result<OrderList, Error> {
        self.list_orders(request.clone())
    }
    async fn walk(
        &self,
        request: ListOrdersRequest,
        page_size: Option<u32>,
        max_orders: Option<u64>,
    ) -> Walk {
        let mut it = self.orders(request);
        if let Some(size) = page_size {
            it = it.page_size(size);
        }
        if let Some(n) = max_orders {
            it = it.max_orders(n);
        }
        let mut orders = Vec::new();
        let mut error = None;
        for item in it.by_ref() {
            match item {
                Ok(o) => orders.push(o),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let ended_after_error = error.is_none() || it.next().is_none();
        Walk {
            orders,
            error,
            ended_after_error,
            progress: it.progress(),
        }
    }
    async fn order_info(&self, id: &OrderId) -> Result<OrderInfo, Error> {
        self.order_info(id.clone())
    }
    async fn order_external_url(&self, id: &OrderId) -> Result<String, Error> {
        self.order_external_url(id.clone())
    }
    async fn add_orders(&self, orders: &[NewOrder]) -> Result<AddOrdersReport, Error> {
        self.add_orders(orders.to_vec())
    }
    async fn upload_batches(
        &self,
        orders: &[NewOrder],
        batch_size: usize,
        after: &mut (dyn FnMut(&BatchResult) + Send),
    ) -> BulkReport {
        let mut report = BulkReport::default();
        for batch in self.add_orders_in_batches(orders, batch_size) {
            after(&batch);
            report.push(batch);
        }
        report
    }
    async fn add_orders_bulk(&self, orders: &[NewOrder], batch_size: usize) -> BulkReport {
        self.add_orders_bulk(orders, batch_size)
    }
    async fn list_statuses(&self) -> Result<StatusList, Error> {
        self.list_statuses()
    }
    async fn set_statuses(&self, statuses: &[Status]) -> Result<(), Error> {
        self.set_statuses(statuses.to_vec())
    }
    async fn upsert_statuses(&self, statuses: &[Status]) -> Result<Vec<Status>, Error> {
        self.upsert_statuses(statuses.to_vec())
    }
    async fn custom_field_names(&self) -> Result<Vec<String>, Error> {
        self.custom_field_names()
    }
    async fn update_order_status(&self, id: &OrderId, status: &StatusId) -> Result<(), Error> {
        self.update_order_status(id.clone(), status.clone())
    }
    async fn delete_order(&self, id: &OrderId) -> Result<(), Error> {
        self.delete_order(id.clone())
    }
}

impl Api for roistat_async::Client {
    const NAME: &'static str = "async";
    fn engine(&self) -> &Engine {
        self.engine()
    }
    async fn send<E: Endpoint + Sync>(&self, endpoint: &E) -> Result<E::Output, Error> {
        self.send(endpoint).await
    }
    async fn list_orders(&self, request: &ListOrdersRequest) -> Result<OrderList, Error> {
        self.list_orders(request.clone()).await
    }
    async fn walk(
        &self,
        request: ListOrdersRequest,
        page_size: Option<u32>,
        max_orders: Option<u64>,
    ) -> Walk {
        let mut stream = self.orders(request);
        if let Some(size) = page_size {
            stream = stream.page_size(size);
        }
        if let Some(n) = max_orders {
            stream = stream.max_orders(n);
        }
        let mut orders = Vec::new();
        let mut error = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(o) => orders.push(o),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let ended_after_error = error.is_none() || stream.next().await.is_none();
        Walk {
            orders,
            error,
            ended_after_error,
            progress: stream.progress(),
        }
    }
    async fn order_info(&self, id: &OrderId) -> Result<OrderInfo, Error> {
        self.order_info(id.clone()).await
    }
    async fn order_external_url(&self, id: &OrderId) -> Result<String, Error> {
        self.order_external_url(id.clone()).await
    }
    async fn add_orders(&self, orders: &[NewOrder]) -> Result<AddOrdersReport, Error> {
        self.add_orders(orders.to_vec()).await
    }
    async fn upload_batches(
        &self,
        orders: &[NewOrder],
        batch_size: usize,
        after: &mut (dyn FnMut(&BatchResult) + Send),
    ) -> BulkReport {
        let mut report = BulkReport::default();
        let mut batches = self.add_orders_in_batches(orders, batch_size);
        while let Some(batch) = batches.next().await {
            after(&batch);
            report.push(batch);
        }
        report
    }
    async fn add_orders_bulk(&self, orders: &[NewOrder], batch_size: usize) -> BulkReport {
        self.add_orders_bulk(orders, batch_size).await
    }
    async fn list_statuses(&self) -> Result<StatusList, Error> {
        self.list_statuses().await
    }
    async fn set_statuses(&self, statuses: &[Status]) -> Result<(), Error> {
        self.set_statuses(statuses.to_vec()).await
    }
    async fn upsert_statuses(&self, statuses: &[Status]) -> Result<Vec<Status>, Error> {
        self.upsert_statuses(statuses.to_vec()).await
    }
    async fn custom_field_names(&self) -> Result<Vec<String>, Error> {
        self.custom_field_names().await
    }
    async fn update_order_status(&self, id: &OrderId, status: &StatusId) -> Result<(), Error> {
        self.update_order_status(id.clone(), status.clone()).await
    }
    async fn delete_order(&self, id: &OrderId) -> Result<(), Error> {
        self.delete_order(id.clone()).await
    }
}
