//! Bulk upload: one request per batch, an outcome per batch.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use roistat_core::endpoints::AddOrders;
use roistat_core::types::{AddOrdersReport, NewOrder};
use roistat_core::{BatchResult, Batches, Error};

use crate::Client;

type Send = Pin<Box<dyn Future<Output = Result<AddOrdersReport, Error>> + std::marker::Send>>;

/// The batches of an upload, sent one at a time, as a [`Stream`] of [`BatchResult`].
///
/// Every batch yields its outcome, success or not; dropping the stream stops before
/// the next batch. The orders are copied batch by batch into the requests.
pub struct BulkUpload {
    client: Client,
    orders: Vec<NewOrder>,
    batches: Result<Batches, Option<Error>>,
    current: Option<(usize, std::ops::Range<usize>, Send)>,
}

impl std::fmt::Debug for BulkUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkUpload")
            .field("orders", &self.orders.len())
            .field("in_flight", &self.current.as_ref().map(|(i, r, _)| (i, r)))
            .finish_non_exhaustive()
    }
}

impl BulkUpload {
    pub(crate) fn new(client: Client, orders: &[NewOrder], batch_size: usize) -> Self {
        Self {
            client,
            batches: Batches::new(orders.len(), batch_size).map_err(Some),
            orders: orders.to_vec(),
            current: None,
        }
    }

    /// The next batch's outcome, or `None` when all are done.
    pub async fn next(&mut self) -> Option<BatchResult> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for BulkUpload {
    type Item = BatchResult;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BatchResult>> {
        let this = &mut *self;
        if this.current.is_none() {
            let (index, range) = match &mut this.batches {
                Ok(b) => match b.next() {
                    Some(next) => next,
                    None => return Poll::Ready(None),
                },
                Err(e) => {
                    return Poll::Ready(
                        e.take()
                            .map(|e| BatchResult::new(0, 0..this.orders.len(), Err(e))),
                    );
                }
            };
            let batch = this.orders.get(range.clone()).unwrap_or_default().to_vec();
            let client = this.client.clone();
            let send: Send = Box::pin(async move {
                let endpoint = AddOrders::new(batch)?;
                client.send(&endpoint).await
            });
            this.current = Some((index, range, send));
        }
        let Some((_, _, send)) = this.current.as_mut() else {
            return Poll::Ready(None);
        };
        let result = match send.as_mut().poll(cx) {
            Poll::Ready(r) => r,
            Poll::Pending => return Poll::Pending,
        };
        let Some((index, range, _)) = this.current.take() else {
            return Poll::Ready(None);
        };
        if let Err(e) = &result {
            tracing::warn!(batch = index, orders = range.len(), error = %e, "batch failed");
        }
        Poll::Ready(Some(BatchResult::new(index, range, result)))
    }
}
