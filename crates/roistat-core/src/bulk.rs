//! Bulk upload bookkeeping: splitting orders into batches and accounting for each one.
//!
//! `add-orders` upserts by order id, so sending a batch again never duplicates a deal:
//! a caller resumes by sending [`BulkReport::failed_orders`] again.
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

use roistat_types::{AddOrdersReport, NewOrder};

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

    /// How many batches there are in all.
    pub fn count(&self) -> usize {
        self.len.div_ceil(self.size)
    }
}

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
    use crate::error::Phase;
    use roistat_types::OrderId;

    #[test]
    fn batches_cover_the_input_exactly_once() {
        for len in 0..40 {
            for size in 1..12 {
                let plan: Vec<_> = Batches::new(len, size).unwrap().collect();
                assert_eq!(plan.len(), Batches::new(len, size).unwrap().count());
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
            Err(Error::timeout(Phase::MaybeProcessed)),
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
            Err(Error::timeout(Phase::MaybeProcessed)),
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
}
