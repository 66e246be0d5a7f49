//! Walking every order of a query with the client's pagination, handing them on in
//! chunks, and saying how far the walk got when it stops.

use roistat_blocking::WalkReport;
use roistat_blocking::types::{ListOrdersRequest, Order};

use crate::api::Api;
use crate::error::CliError;
use crate::odd::OddRows;
use crate::output::text;
use crate::progress::Progress;

/// How many orders are handed to the consumer at once.
const CHUNK: usize = 500;

/// How a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Every page was read.
    Complete,
    /// Ctrl-C: stopped.
    Interrupted,
}

/// What the walk did, for messages.
#[derive(Debug, Clone)]
pub struct Done {
    /// How it ended.
    pub end: Walk,
    /// Pages and orders read.
    pub progress: WalkReport,
    /// Orders handed on.
    pub delivered: u64,
    /// The offset the walk started at.
    pub start_offset: u64,
    /// The orders that could only be read in part.
    pub odd: OddRows,
}

impl Done {
    /// "3 pages, 3,000 of 25,003 orders".
    pub fn describe(&self) -> String {
        let p = &self.progress;
        let total = p
            .total
            .map(|t| format!(" of {}", text::count(t.saturating_sub(self.start_offset))))
            .unwrap_or_default();
        format!(
            "{} page{}, {}{total} orders",
            p.pages,
            if p.pages == 1 { "" } else { "s" },
            text::count(self.delivered)
        )
    }

    /// The `--offset` that continues where this walk stopped.
    pub fn resume_offset(&self) -> u64 {
        self.start_offset + self.delivered
    }
}

/// Reads every order `request` selects (its `limit` is the page size) through the
/// client's pagination and hands them to `on_orders` in chunks. Errors keep what was
/// read: the error comes with the progress so far.
pub fn walk(
    api: &Api,
    request: ListOrdersRequest,
    bar: &Progress,
    mut on_orders: impl FnMut(&[Order]) -> Result<(), CliError>,
) -> Result<Done, Box<(CliError, Done)>> {
    let start_offset = request.offset.unwrap_or(0);
    let mut orders = api.client().orders(request);
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut delivered = 0u64;
    let mut odd = OddRows::new();
    let mut read = 0u64;
    let done = |progress, delivered, end, odd: &OddRows| Done {
        end,
        progress,
        delivered,
        start_offset,
        odd: odd.clone(),
    };
    let mut flush = |chunk: &mut Vec<Order>, delivered: &mut u64| -> Result<(), CliError> {
        bar.suspend(|| on_orders(chunk))?;
        *delivered += chunk.len() as u64;
        bar.set_done(*delivered);
        chunk.clear();
        Ok(())
    };
    while let Some(next) = orders.next() {
        match next {
            Ok(order) => {
                read += 1;
                odd.see(read, &order);
                chunk.push(order);
            }
            Err(e) => {
                let flushed = flush(&mut chunk, &mut delivered);
                let progress = orders.progress();
                if e.is_cancelled() {
                    return match flushed {
                        Ok(()) => Ok(done(progress, delivered, Walk::Interrupted, &odd)),
                        Err(f) => Err(Box::new((
                            f,
                            done(progress, delivered, Walk::Complete, &odd),
                        ))),
                    };
                }
                return Err(Box::new((
                    e.into(),
                    done(progress, delivered, Walk::Complete, &odd),
                )));
            }
        }
        if let Some(total) = orders.progress().total {
            bar.set_total(total.saturating_sub(start_offset));
        }
        if chunk.len() >= CHUNK {
            if let Err(e) = flush(&mut chunk, &mut delivered) {
                return Err(Box::new((
                    e,
                    done(orders.progress(), delivered, Walk::Complete, &odd),
                )));
            }
            if api.interrupted() {
                return Ok(done(orders.progress(), delivered, Walk::Interrupted, &odd));
            }
        }
    }
    let progress = orders.progress();
    if let Err(e) = flush(&mut chunk, &mut delivered) {
        return Err(Box::new((
            e,
            done(progress, delivered, Walk::Complete, &odd),
        )));
    }
    Ok(done(progress, delivered, Walk::Complete, &odd))
}
