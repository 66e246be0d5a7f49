//! Bulk upload: a state machine that plans batches, and the account of every batch.
//!
//! `add-orders` upserts by order id, so sending a batch again never duplicates a deal:
//! a caller resumes by sending [`BulkReport::failed_orders`] again.
//!
//! [`Upload`] validates every order before the first batch goes out (a bad order in
//! batch 3 is found before batch 1 is sent), hands the executor one [`AddOrders`] at a
//! time, and stops after a failure that every later batch would repeat
//! (authentication, access, billing, invalid input, cancellation): the batches it did
//! not send are still reported, as not sent, so nothing goes unaccounted for.
//!
//! ```
//! use roistat_core::bulk::{BatchResult, Batches, BulkReport};
//! use roistat_core::types::AddOrdersReport;
//!
//! let plan: Vec<_> = Batches::new(5, 2)?.collect();
//! assert_eq!(plan, [(0, 0..2), (1, 2..4), (2, 4..5)]);
//!
//! let mut report = BulkReport::default();
//! let mut ok = AddOrdersReport::default();
//! ok.uploaded = 2;
//! report.push(BatchResult::new(0, 0..2, Ok(ok)));
//! assert!(report.is_complete());
//! assert_eq!(report.totals.uploaded, 2);
//! # Ok::<(), roistat_core::Error>(())
//! ```

use std::ops::Range;

use roistat_types::{AddOrdersReport, ErrorCode, NewOrder};

use crate::endpoints::AddOrders;
use crate::error::Error;

/// The batch size used when the caller has no preference.
pub const DEFAULT_BATCH_SIZE: usize = 500;

/// The batches of an upload of `len` orders: `(index, range into the input)`.
#[derive(Debug, Clone)]
pub struct Batches {
    len: usize,
    size: usize,
    next: usize,
}

impl Batches {
    /// Plans batches of at most `size` orders; a size of 0 is refused.
    pub fn new(len: usize, size: usize) -> Result<Self, Error> {
        if size == 0 {
            return Err(Error::invalid_request("the batch size must be at least 1"));
        }
        Ok(Self { len, size, next: 0 })
    }

    fn remaining(&self) -> usize {
        self.len.div_ceil(self.size).saturating_sub(self.next)
    }
}

impl ExactSizeIterator for Batches {}

impl Iterator for Batches {
    type Item = (usize, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.next.checked_mul(self.size)?;
        if start >= self.len {
            return None;
        }
        let end = start.saturating_add(self.size).min(self.len);
        let index = self.next;
        self.next += 1;
        Some((index, start..end))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining(), Some(self.remaining()))
    }
}

/// The upload state machine (see the [module docs](self)).
///
/// ```
/// use roistat_core::bulk::{BulkReport, Upload, UploadStep};
/// use roistat_core::types::{AddOrdersReport, NewOrder, OrderId};
///
/// let orders: Vec<NewOrder> = (0..5).map(|i| NewOrder::new(OrderId::new(i.to_string()).unwrap())).collect();
/// let mut upload = Upload::new(&orders, 2)?;
/// let mut report = BulkReport::default();
/// loop {
///     match upload.next_step(&orders) {
///         UploadStep::Send(batch) => {
///             // An executor sends `batch.endpoint` here.
///             report.push(upload.record(batch.index, batch.range, Ok(AddOrdersReport::default())));
///         }
///         UploadStep::NotSent(result) => report.push(result),
///         _ => break, // UploadStep::Done
///     }
/// }
/// assert_eq!(report.batches.len(), 3);
/// assert!(report.is_complete());
/// # Ok::<(), roistat_core::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "an upload does nothing unless driven"]
pub struct Upload {
    batches: Batches,
    /// Why the remaining batches are not sent.
    stopped: Option<String>,
}

/// One batch to send.
#[derive(Debug)]
#[non_exhaustive]
pub struct Batch {
    /// The batch number, from 0.
    pub index: usize,
    /// Which orders of the input it holds.
    pub range: Range<usize>,
    /// The request.
    pub endpoint: AddOrders,
}

/// What the executor does next.
#[derive(Debug)]
#[non_exhaustive]
pub enum UploadStep {
    /// Send this batch and [`record`](Upload::record) its outcome.
    Send(Batch),
    /// A batch that is not sent (the upload stopped): report it.
    NotSent(BatchResult),
    /// Every batch is accounted for.
    Done,
}

impl Upload {
    /// Plans batches of at most `batch_size` orders of `orders`, after validating every
    /// order; the error names the invalid orders by position and id.
    pub fn new(orders: &[NewOrder], batch_size: usize) -> Result<Self, Error> {
        let batches = Batches::new(orders.len(), batch_size)?;
        let invalid: Vec<String> = orders
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                o.validate()
                    .err()
                    .map(|e| format!("order #{i} (id `{}`): {e}", o.id))
            })
            .collect();
        if !invalid.is_empty() {
            let more = invalid.len().saturating_sub(5);
            let mut message = invalid.into_iter().take(5).collect::<Vec<_>>().join("; ");
            if more > 0 {
                message.push_str(&format!("; and {more} more"));
            }
            return Err(Error::invalid_request(format!("nothing sent: {message}")));
        }
        Ok(Self {
            batches,
            stopped: None,
        })
    }

    /// The next batch of `orders` (the slice given to [`new`](Self::new)) to send.
    pub fn next_step(&mut self, orders: &[NewOrder]) -> UploadStep {
        let Some((index, range)) = self.batches.next() else {
            return UploadStep::Done;
        };
        if let Some(reason) = &self.stopped {
            let error = Error::invalid_request(format!("not sent: {reason}"));
            return UploadStep::NotSent(BatchResult::new(index, range, Err(error)));
        }
        let batch = orders.get(range.clone()).unwrap_or_default().to_vec();
        match AddOrders::new(batch) {
            Ok(endpoint) => UploadStep::Send(Batch {
                index,
                range,
                endpoint,
            }),
            // Validated in `new`: only a caller passing other orders gets here.
            Err(e) => UploadStep::NotSent(BatchResult::new(index, range, Err(e))),
        }
    }

    /// Takes a sent batch's outcome; after a failure every later batch would repeat,
    /// the rest of the upload is not sent.
    pub fn record(
        &mut self,
        index: usize,
        range: Range<usize>,
        result: Result<AddOrdersReport, Error>,
    ) -> BatchResult {
        if let Err(e) = &result {
            tracing::debug!(batch = index, orders = range.len(), error = %e, "batch failed");
            if self.stopped.is_none() && repeats_for_every_batch(e) {
                self.stopped = Some(format!(
                    "batch {index} failed with an error every batch would repeat ({e})"
                ));
            }
        }
        BatchResult::new(index, range, result)
    }

    /// Batches not yet handed out.
    pub fn batches_left(&self) -> usize {
        self.batches.len()
    }
}

/// Failures that no other batch can escape: who we are, what we may do, what we pay
/// for, a cancellation, a request that can never be valid.
fn repeats_for_every_batch(e: &Error) -> bool {
    if e.is_cancelled() {
        return true;
    }
    match e.api_code() {
        Some(code) => matches!(
            code,
            ErrorCode::AuthenticationFailed
                | ErrorCode::AuthorizationFailed
                | ErrorCode::AccessDenied
                | ErrorCode::InsufficientFunds
                | ErrorCode::OptionNotAvailable
                | ErrorCode::OptionNotEnabled
                | ErrorCode::OptionNotPaid
                | ErrorCode::ProjectFrozen
        ),
        None => matches!(e, Error::Config { .. } | Error::RateLimited { .. }),
    }
}

/// What happened to one batch.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchResult {
    /// The batch number, from 0.
    pub index: usize,
    /// Which orders of the input it held.
    pub range: Range<usize>,
    /// Roistat's counters, or why the batch failed (see
    /// [`Error::request_state`] for whether it may have been applied).
    pub result: Result<AddOrdersReport, Error>,
}

impl BatchResult {
    /// A batch's outcome.
    pub fn new(index: usize, range: Range<usize>, result: Result<AddOrdersReport, Error>) -> Self {
        Self {
            index,
            range,
            result,
        }
    }
}

/// The account of a whole upload: every batch, in order, and the summed counters of
/// the batches that succeeded.
#[derive(Debug, Default)]
#[non_exhaustive]
#[must_use = "the report says which batches failed"]
pub struct BulkReport {
    /// Every batch sent or attempted, in order.
    pub batches: Vec<BatchResult>,
    /// Roistat's counters summed over the successful batches.
    pub totals: AddOrdersReport,
}

impl BulkReport {
    /// Records a batch.
    pub fn push(&mut self, batch: BatchResult) {
        if let Ok(report) = &batch.result {
            self.totals.accumulate(report);
        }
        self.batches.push(batch);
    }

    /// The batches that failed.
    pub fn failed(&self) -> impl Iterator<Item = &BatchResult> {
        self.batches.iter().filter(|b| b.result.is_err())
    }

    /// Whether every batch succeeded.
    pub fn is_complete(&self) -> bool {
        self.batches.iter().all(|b| b.result.is_ok())
    }

    /// How many orders Roistat did not save, over the successful batches (the sum of
    /// [`totals`](Self::totals)' skip counters; each reason with
    /// `totals.skipped()`). Independent of [`is_complete`](Self::is_complete), which
    /// says whether every batch was answered.
    pub fn skipped_total(&self) -> u64 {
        self.totals.skipped_total()
    }

    /// How many orders went out in successful batches.
    pub fn orders_sent(&self) -> usize {
        self.batches
            .iter()
            .filter(|b| b.result.is_ok())
            .map(|b| b.range.len())
            .sum()
    }

    /// The orders of the failed batches, in input order, to send again (safe: uploads
    /// upsert by id). Orders past the last recorded batch (an upload stopped early)
    /// are included too.
    pub fn failed_orders(&self, input: &[NewOrder]) -> Vec<NewOrder> {
        let mut out: Vec<NewOrder> = self
            .failed()
            .flat_map(|b| input.get(b.range.clone()).unwrap_or_default())
            .cloned()
            .collect();
        let covered = self.batches.iter().map(|b| b.range.end).max().unwrap_or(0);
        out.extend(input.get(covered..).unwrap_or_default().iter().cloned());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, RequestState};
    use http::StatusCode;
    use roistat_types::OrderId;

    #[test]
    fn batches_cover_the_input_exactly_once() {
        for len in 0..40 {
            for size in 1..12 {
                let plan: Vec<_> = Batches::new(len, size).unwrap().collect();
                assert_eq!(plan.len(), Batches::new(len, size).unwrap().len());
                let covered: Vec<usize> = plan.iter().flat_map(|(_, r)| r.clone()).collect();
                assert_eq!(covered, (0..len).collect::<Vec<_>>());
                assert!(plan.iter().all(|(_, r)| r.len() <= size && !r.is_empty()));
            }
        }
        assert!(Batches::new(3, 0).is_err());
    }

    #[test]
    fn skipped_orders_are_summed_over_answered_batches() {
        let mut report = BulkReport::default();
        let mut skipped = AddOrdersReport::default();
        skipped.skipped_by_status = 2;
        skipped.skipped_by_waiting_visit_info = 1;
        report.push(BatchResult::new(0, 0..3, Ok(skipped.clone())));
        assert_eq!(report.skipped_total(), 3);
        report.push(BatchResult::new(1, 3..6, Ok(skipped)));
        report.push(BatchResult::new(
            2,
            6..7,
            Err(Error::timeout(RequestState::MaybeProcessed)),
        ));
        assert_eq!(report.skipped_total(), 6);
        assert_eq!(report.totals.skipped_by_status, 4);
        assert!(!report.is_complete());
    }

    #[test]
    fn failed_orders_resume_exactly_the_missing_ones() {
        let input: Vec<NewOrder> = (0..7)
            .map(|i| NewOrder::new(OrderId::new(i.to_string()).unwrap()))
            .collect();
        let mut report = BulkReport::default();
        let mut ok = AddOrdersReport::default();
        ok.uploaded = 3;
        report.push(BatchResult::new(0, 0..3, Ok(ok)));
        report.push(BatchResult::new(
            1,
            3..6,
            Err(Error::timeout(RequestState::MaybeProcessed)),
        ));
        // Batch 2 (order 6) was never attempted: the upload stopped.
        assert!(!report.is_complete());
        assert_eq!(report.orders_sent(), 3);
        assert_eq!(report.totals.uploaded, 3);
        let ids: Vec<_> = report
            .failed_orders(&input)
            .into_iter()
            .map(|o| o.id.into_inner())
            .collect();
        assert_eq!(ids, ["3", "4", "5", "6"]);
    }

    fn orders(n: usize) -> Vec<NewOrder> {
        (0..n)
            .map(|i| NewOrder::new(OrderId::new(i.to_string()).unwrap()))
            .collect()
    }

    #[test]
    fn every_order_is_validated_before_the_first_batch() {
        let mut input = orders(7);
        input[5] = NewOrder::new(OrderId::new("5").unwrap()).field("x", "y".repeat(5000));
        let e = Upload::new(&input, 2).unwrap_err();
        assert!(e.to_string().contains("order #5"), "{e}");
        assert_eq!(e.request_state(), RequestState::NotSent);
    }

    fn drive(
        up: &mut Upload,
        input: &[NewOrder],
        mut answer: impl FnMut(usize) -> Result<AddOrdersReport, Error>,
    ) -> BulkReport {
        let mut report = BulkReport::default();
        loop {
            match up.next_step(input) {
                UploadStep::Send(b) => report.push(up.record(b.index, b.range, answer(b.index))),
                UploadStep::NotSent(r) => report.push(r),
                UploadStep::Done => return report,
            }
        }
    }

    #[test]
    fn an_error_every_batch_would_repeat_stops_the_upload_but_accounts_for_all() {
        let input = orders(7);
        let mut up = Upload::new(&input, 2).unwrap();
        let mut sent = Vec::new();
        let report = drive(&mut up, &input, |i| {
            sent.push(i);
            if i == 1 {
                Err(ApiError::new(ErrorCode::AccessDenied, StatusCode::OK).into())
            } else {
                Ok(AddOrdersReport::default())
            }
        });
        assert_eq!(sent, [0, 1], "nothing is sent after the refusal");
        assert_eq!(report.batches.len(), 4);
        assert_eq!(report.failed().count(), 3);
        let not_sent = report.batches[2].result.as_ref().unwrap_err();
        assert!(not_sent.to_string().contains("not sent"), "{not_sent}");
        assert_eq!(not_sent.request_state(), RequestState::NotSent);
        assert_eq!(report.failed_orders(&input).len(), 5);
    }

    #[test]
    fn a_transient_failure_does_not_stop_the_upload() {
        let input = orders(4);
        let mut up = Upload::new(&input, 2).unwrap();
        let report = drive(&mut up, &input, |i| {
            if i == 0 {
                Err(Error::timeout(RequestState::MaybeProcessed))
            } else {
                Ok(AddOrdersReport::default())
            }
        });
        assert_eq!(report.batches.len(), 2);
        assert!(report.batches[1].result.is_ok());
    }
}
