//! Auto-pagination: core's paging state machine as a stream.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream;
use roistat_core::types::{ListOrdersRequest, Order};
use roistat_core::{Error, Pager, Progress};

use crate::Client;

type OrderStream = Pin<Box<dyn Stream<Item = Result<Order, Error>> + Send>>;

/// Every order a query selects, fetched page after page under the rate limit.
///
/// A [`Stream`]; [`next`](Self::next) saves importing a stream extension trait. Holds at
/// most one page in memory. After an error it yields that error once and ends.
#[must_use = "streams do nothing unless polled"]
pub struct Orders {
    setup: Option<(Client, Result<Pager, Error>)>,
    inner: Option<OrderStream>,
    progress: Arc<Mutex<Progress>>,
}

impl std::fmt::Debug for Orders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders")
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

struct Walk {
    client: Client,
    pager: Result<Pager, Option<Error>>,
    buffer: VecDeque<Order>,
    progress: Arc<Mutex<Progress>>,
}

impl Walk {
    async fn next(&mut self) -> Option<Result<Order, Error>> {
        loop {
            if let Some(order) = self.buffer.pop_front() {
                return Some(Ok(order));
            }
            let pager = match &mut self.pager {
                Ok(p) => p,
                Err(e) => return e.take().map(Err),
            };
            let request = pager.next_request()?;
            match self.client.send(&request).await {
                Ok(page) => {
                    pager.advance(&page);
                    *self.progress.lock().unwrap_or_else(PoisonError::into_inner) =
                        pager.progress();
                    self.buffer = page.data.into();
                }
                Err(e) => {
                    self.pager = Err(None);
                    return Some(Err(e));
                }
            }
        }
    }
}

impl Orders {
    pub(crate) fn new(client: Client, request: ListOrdersRequest) -> Self {
        Self {
            setup: Some((client, Pager::new(request))),
            inner: None,
            progress: Arc::default(),
        }
    }

    /// Sets the page size (the request's `limit` otherwise, or core's best size for
    /// the documented tiers). Call before polling.
    pub fn page_size(mut self, size: u32) -> Self {
        if let Some((_, Ok(pager))) = &mut self.setup {
            *pager = pager.clone().with_page_size(size);
        }
        self
    }

    /// Stops after `n` orders. Call before polling.
    pub fn max_orders(mut self, n: u64) -> Self {
        if let Some((_, Ok(pager))) = &mut self.setup {
            *pager = pager.clone().with_max_orders(n);
        }
        self
    }

    /// Pages fetched, orders in them, the latest `total`.
    pub fn progress(&self) -> Progress {
        *self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next order, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Order, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    fn stream(&mut self) -> Option<&mut OrderStream> {
        if let Some((client, pager)) = self.setup.take() {
            if let Ok(p) = &pager {
                *self.progress.lock().unwrap_or_else(PoisonError::into_inner) = p.progress();
            }
            let walk = Walk {
                client,
                pager: pager.map_err(Some),
                buffer: VecDeque::new(),
                progress: Arc::clone(&self.progress),
            };
            let s = stream::unfold(walk, |mut w| async move { w.next().await.map(|o| (o, w)) });
            self.inner = Some(Box::pin(s));
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
