//! Auto-pagination: core's [`Walk`](roistat_core::Walk) as a stream, with up to
//! `max_in_flight` pages fetched at once as concurrent futures on the caller's runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::{self, FuturesUnordered, StreamExt};
use roistat_core::types::{ListOrdersRequest, Order, OrderList};
use roistat_core::{Error, FetchId, WalkConfig, WalkReport, WalkSession, WalkStep};

use crate::Client;

type OrderStream = Pin<Box<dyn Stream<Item = Result<Order, Error>> + Send>>;
type Fetching = Pin<Box<dyn Future<Output = (FetchId, Result<OrderList, Error>)> + Send>>;

/// Every order a query selects, exactly once even while the project changes (see
/// [`roistat_core::walk`]), fetched under the rate limit with a few pages in flight.
///
/// A [`Stream`]; [`next`](Self::next) saves importing a stream extension trait. Memory
/// holds the pages in flight, not the walk. After an error it yields that error once and
/// ends; [`progress`](Self::progress) says how far it got. Dropping it drops the
/// requests in flight.
#[must_use = "streams do nothing unless polled"]
pub struct Orders {
    setup: Option<(Client, ListOrdersRequest, WalkConfig)>,
    inner: Option<OrderStream>,
    report: Arc<Mutex<WalkReport>>,
}

impl std::fmt::Debug for Orders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders")
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

/// The walk and the fetches in flight, driven by [`Driver::next`].
struct Driver {
    client: Client,
    session: WalkSession,
    in_flight: FuturesUnordered<Fetching>,
    report: Arc<Mutex<WalkReport>>,
    ended: bool,
}

impl Driver {
    async fn next(&mut self) -> Option<Result<Order, Error>> {
        let item = self.step().await;
        *self.report.lock().unwrap_or_else(PoisonError::into_inner) = self.session.report();
        item
    }

    async fn step(&mut self) -> Option<Result<Order, Error>> {
        if self.ended {
            return None;
        }
        loop {
            let walk = match self.session.walk() {
                Ok(walk) => walk,
                Err(e) => {
                    self.ended = true;
                    return e.map(Err);
                }
            };
            let failure = match walk.poll() {
                WalkStep::Deliver(order) => return Some(Ok(order)),
                WalkStep::Fetch(fetch) => {
                    // Through the session's engine: it counts the walk's refusals.
                    let client = self.client.with_engine(self.session.engine().clone());
                    self.in_flight.push(Box::pin(async move {
                        let result = client.send(&fetch.endpoint).await;
                        (fetch.id, result)
                    }));
                    None
                }
                WalkStep::Pending => {
                    let (id, result) = self.in_flight.next().await?;
                    self.session.answer(id, result)
                }
                WalkStep::Failed(e) => Some(e),
                _ => {
                    self.ended = true;
                    return None;
                }
            };
            if let Some(e) = failure {
                self.ended = true;
                return Some(Err(e));
            }
        }
    }
}

impl Orders {
    pub(crate) fn new(client: Client, request: ListOrdersRequest) -> Self {
        Self {
            setup: Some((client, request, WalkConfig::default())),
            inner: None,
            report: Arc::default(),
        }
    }

    fn config(mut self, f: impl FnOnce(WalkConfig) -> WalkConfig) -> Self {
        if let Some((client, request, config)) = self.setup.take() {
            self.setup = Some((client, request, f(config)));
        }
        self
    }

    /// Sets the page size (the request's `limit` otherwise, or the fastest size for the
    /// documented tiers, up to 5,000 or the server's learned cap). Call before polling.
    pub fn page_size(self, size: u32) -> Self {
        self.config(|c| c.page_size(size))
    }

    /// Stops after `n` orders. Call before polling.
    pub fn max_orders(self, n: u64) -> Self {
        self.config(|c| c.max_orders(n))
    }

    /// How many pages may be in flight at once (default 4; 1 fetches one page at a
    /// time). The rate limiter still decides when each is sent. Call before polling.
    pub fn max_in_flight(self, pages: usize) -> Self {
        self.config(|c| c.max_in_flight(pages))
    }

    /// Rows, pages, requests, refusals, duplicates suppressed and gaps re-fetched so far,
    /// and where to resume.
    pub fn progress(&self) -> WalkReport {
        *self.report.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next order, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Order, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    fn stream(&mut self) -> Option<&mut OrderStream> {
        if let Some((client, request, config)) = self.setup.take() {
            let session = WalkSession::new(client.engine(), request, config);
            let driver = Driver {
                client,
                session,
                in_flight: FuturesUnordered::new(),
                report: Arc::clone(&self.report),
                ended: false,
            };
            let orders = stream::unfold(
                driver,
                |mut d| async move { d.next().await.map(|o| (o, d)) },
            );
            self.inner = Some(Box::pin(orders));
        }
        self.inner.as_mut()
    }
}

impl Stream for Orders {
    type Item = Result<Order, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.stream() {
            Some(s) => s.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}
