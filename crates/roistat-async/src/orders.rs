//! Auto-pagination: core's [`Walk`](roistat_core::Walk) as a stream, with up to
//! `max_in_flight` pages fetched at once as concurrent futures on the caller's runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::{self, FuturesUnordered, StreamExt};
use roistat_core::types::{ListOrdersRequest, Order, OrderList};
use roistat_core::{Error, FetchId, WalkAction, WalkConfig, WalkReport, WalkSession};

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
}

impl Driver {
    async fn next(&mut self) -> Option<Result<Order, Error>> {
        let item = self.step().await;
        *self.report.lock().unwrap_or_else(PoisonError::into_inner) = self.session.report();
        item
    }

    async fn step(&mut self) -> Option<Result<Order, Error>> {
        loop {
            match self.session.next_action() {
                WalkAction::Deliver(order) => return Some(Ok(order)),
                WalkAction::Fetch(fetch) => {
                    // Through the session's engine: it counts the walk's refusals.
                    let client = self.client.with_engine(self.session.engine().clone());
                    self.in_flight.push(Box::pin(async move {
                        (fetch.id, client.send(&fetch.endpoint).await)
                    }));
                }
                WalkAction::AwaitAnswer => {
                    let (id, result) = self.in_flight.next().await?;
                    self.session.answer(id, result);
                }
                WalkAction::End(error) => return error.map(Err),
                _ => return None,
            }
        }
    }
}

roistat_core::walk_options!(Orders);

impl Orders {
    pub(crate) fn new(client: Client, request: ListOrdersRequest) -> Self {
        Self {
            setup: Some((client, request, WalkConfig::default())),
            inner: None,
            report: Arc::default(),
        }
    }

    fn config(mut self, f: impl FnOnce(WalkConfig) -> WalkConfig) -> Self {
        self.setup = self
            .setup
            .take()
            .map(|(client, request, config)| (client, request, f(config)));
        self
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
