//! Bulk upload: one request per batch, an outcome per batch.

use roistat_core::endpoints::AddOrders;
use roistat_core::types::NewOrder;
use roistat_core::{BatchResult, Batches, Error};

use crate::Client;

/// The batches of an upload, sent one per [`next`](Iterator::next).
///
/// Every batch yields a [`BatchResult`], success or not, so nothing goes unaccounted
/// for; dropping the iterator stops before the next batch.
#[derive(Debug)]
pub struct BulkUpload<'a> {
    client: Client,
    orders: &'a [NewOrder],
    batches: Result<Batches, Option<Error>>,
}

impl<'a> BulkUpload<'a> {
    pub(crate) fn new(client: Client, orders: &'a [NewOrder], batch_size: usize) -> Self {
        Self {
            client,
            orders,
            batches: Batches::new(orders.len(), batch_size).map_err(Some),
        }
    }
}

impl Iterator for BulkUpload<'_> {
    type Item = BatchResult;

    fn next(&mut self) -> Option<BatchResult> {
        let (index, range) = match &mut self.batches {
            Ok(b) => b.next()?,
            // A zero batch size: report it once, as a failed batch over everything.
            Err(e) => {
                let e = e.take()?;
                return Some(BatchResult::new(0, 0..self.orders.len(), Err(e)));
            }
        };
        let batch = self.orders.get(range.clone()).unwrap_or_default().to_vec();
        let result = AddOrders::new(batch).and_then(|e| self.client.send(&e));
        if let Err(e) = &result {
            tracing::warn!(batch = index, orders = range.len(), error = %e, "batch failed");
        }
        Some(BatchResult::new(index, range, result))
    }
}
