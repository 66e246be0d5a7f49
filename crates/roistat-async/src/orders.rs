//! Auto-pagination: a stream over every order a query selects.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use roistat_core::types::{ListOrdersRequest, Order, OrderList};
use roistat_core::{Error, Pager, Progress};

use crate::Client;

type Fetch = Pin<Box<dyn Future<Output = (Pager, Result<OrderList, Error>)> + Send>>;

/// Every order a query selects, fetched page after page under the rate limit.
///
/// A [`Stream`]; [`next`](Self::next) saves importing a stream extension trait. Holds at
/// most one page in memory. After an error it yields that error once and ends.
pub struct Orders {
    client: Client,
    pager: Option<Pager>,
    error: Option<Error>,
    fetch: Option<Fetch>,
    buffer: VecDeque<Order>,
    progress: Progress,
}

impl std::fmt::Debug for Orders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders")
            .field("progress", &self.progress)
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

impl Orders {
    pub(crate) fn new(client: Client, request: ListOrdersRequest) -> Self {
        let (pager, error) = match Pager::new(request) {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e)),
        };
        let progress = pager.as_ref().map(Pager::progress).unwrap_or_default();
        Self {
            client,
            pager,
            error,
            fetch: None,
            buffer: VecDeque::new(),
            progress,
        }
    }

    /// Sets the page size (the request's `limit` otherwise, or core's best size for
    /// the documented tiers). Call before polling.
    pub fn page_size(mut self, size: u32) -> Self {
        self.pager = self.pager.map(|p| p.with_page_size(size));
        self
    }

    /// Stops after `n` orders. Call before polling.
    pub fn max_orders(mut self, n: u64) -> Self {
        self.pager = self.pager.map(|p| p.with_max_orders(n));
        self
    }

    /// Pages fetched, orders in them, the latest `total`.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// The next order, or `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Order, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for Orders {
    type Item = Result<Order, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(order) = this.buffer.pop_front() {
                return Poll::Ready(Some(Ok(order)));
            }
            if let Some(fetch) = this.fetch.as_mut() {
                let (mut pager, result) = match fetch.as_mut().poll(cx) {
                    Poll::Ready(done) => done,
                    Poll::Pending => return Poll::Pending,
                };
                this.fetch = None;
                match result {
                    Ok(page) => {
                        pager.advance(&page);
                        this.progress = pager.progress();
                        this.pager = Some(pager);
                        this.buffer = page.data.into();
                        continue;
                    }
                    Err(e) => return Poll::Ready(Some(Err(e))),
                }
            }
            if let Some(e) = this.error.take() {
                return Poll::Ready(Some(Err(e)));
            }
            let Some(pager) = this.pager.take() else {
                return Poll::Ready(None);
            };
            let Some(request) = pager.next_request() else {
                this.progress = pager.progress();
                return Poll::Ready(None);
            };
            let client = this.client.clone();
            this.fetch = Some(Box::pin(async move {
                let result = client.send(&request).await;
                (pager, result)
            }));
        }
    }
}
