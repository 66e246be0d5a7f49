//! Bulk upload: core's [`Upload`] state machine, one request per batch, as an iterator.

use roistat_core::types::NewOrder;
use roistat_core::{BatchResult, Error, Upload, UploadStep};

use crate::Client;

/// The batches of an upload, sent one per [`next`](Iterator::next), each yielding its
/// [`BatchResult`].
///
/// Every order is validated before the first batch; after an error that every batch
/// would repeat (authentication, access, cancellation) nothing more is sent and the
/// remaining batches are yielded as not sent, so nothing goes unaccounted for.
/// Dropping the iterator stops before the next batch.
///
/// Made by [`Client::add_orders_in_batches`](crate::Client::add_orders_in_batches):
/// one request per batch, each outcome as it completes (stop iterating to stop).
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
#[derive(Debug)]
#[must_use = "iterators are lazy: nothing is uploaded until it is driven"]
pub struct BulkUpload<'a> {
    client: Client,
    orders: &'a [NewOrder],
    upload: Result<Upload, Option<Error>>,
}

impl<'a> BulkUpload<'a> {
    pub(crate) fn new(client: Client, orders: &'a [NewOrder], batch_size: usize) -> Self {
        Self {
            client,
            orders,
            upload: Upload::new(orders, batch_size).map_err(Some),
        }
    }
}

impl Iterator for BulkUpload<'_> {
    type Item = BatchResult;

    fn next(&mut self) -> Option<BatchResult> {
        let upload = match &mut self.upload {
            Ok(upload) => upload,
            // Invalid input or batch size: one failed batch over everything, nothing sent.
            Err(e) => return Some(BatchResult::new(0, 0..self.orders.len(), Err(e.take()?))),
        };
        match upload.next_step(self.orders) {
            UploadStep::Send(batch) => {
                let result = self.client.send(&batch.endpoint);
                Some(upload.record(batch.index, batch.range, result))
            }
            UploadStep::NotSent(result) => Some(result),
            _ => None,
        }
    }
}
