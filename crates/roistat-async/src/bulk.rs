//! Bulk upload: core's [`Upload`] state machine, one request per batch, as a stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream;
use roistat_core::types::NewOrder;
use roistat_core::{BatchResult, Upload, UploadStep};

use crate::Client;

/// The batches of an upload, sent one at a time, as a [`Stream`] of [`BatchResult`].
///
/// Every order is validated before the first batch; after an error that every batch
/// would repeat (authentication, access, cancellation) nothing more is sent and the
/// remaining batches are yielded as not sent. Dropping the stream stops before the next
/// batch. [`next`](Self::next) saves importing a stream extension trait.
///
/// Made by [`Client::add_orders_in_batches`](crate::Client::add_orders_in_batches):
/// one request per batch, each outcome as it completes (stop polling to stop).
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
#[must_use = "streams do nothing unless polled"]
pub struct BulkUpload<'a> {
    inner: Pin<Box<dyn Stream<Item = BatchResult> + Send + 'a>>,
}

impl std::fmt::Debug for BulkUpload<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkUpload").finish_non_exhaustive()
    }
}

impl<'a> BulkUpload<'a> {
    pub(crate) fn new(client: Client, orders: &'a [NewOrder], batch_size: usize) -> Self {
        let upload = Upload::new(orders, batch_size).map_err(Some);
        let inner = stream::unfold(
            (client, orders, upload),
            |(client, orders, mut upload)| async move {
                let up = match &mut upload {
                    Ok(up) => up,
                    // Invalid input or batch size: one failed batch over everything, nothing sent.
                    Err(e) => {
                        let result = BatchResult::new(0, 0..orders.len(), Err(e.take()?));
                        return Some((result, (client, orders, upload)));
                    }
                };
                let result = match up.next_step(orders) {
                    UploadStep::Send(batch) => {
                        let sent = client.send(&batch.endpoint).await;
                        up.record(batch.index, batch.range, sent)
                    }
                    UploadStep::NotSent(result) => result,
                    _ => return None,
                };
                Some((result, (client, orders, upload)))
            },
        );
        Self {
            inner: Box::pin(inner),
        }
    }

    /// The next batch's outcome, or `None` when all are accounted for.
    pub async fn next(&mut self) -> Option<BatchResult> {
        std::future::poll_fn(|cx| self.inner.as_mut().poll_next(cx)).await
    }
}

impl Stream for BulkUpload<'_> {
    type Item = BatchResult;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BatchResult>> {
        self.inner.as_mut().poll_next(cx)
    }
}
