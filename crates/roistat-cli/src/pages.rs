//! Walking every page of the order list, one page in memory at a time, stopping
//! cleanly on Ctrl-C between pages.
//!
//! Paging is core's [`Pager`] (limit/offset/total rules); each page goes through
//! [`Api::list_page`], which paces it under Roistat's rate limits.

use roistat_core::pager::{Pager, Progress as PagerProgress};
use roistat_types::{ListOrdersRequest, Order};

use crate::api::Api;
use crate::error::CliError;
use crate::output::text;
use crate::progress::Progress;

/// How a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Every page was read.
    Complete,
    /// Ctrl-C: stopped between pages.
    Interrupted,
}

/// What the walk did, for messages.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    /// How it ended.
    pub end: Walk,
    /// Pages and orders read.
    pub progress: PagerProgress,
    /// The offset the walk started at.
    pub start_offset: u64,
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
            text::count(p.orders)
        )
    }

    /// The `--offset` that continues where this walk stopped.
    pub fn resume_offset(&self) -> u64 {
        self.start_offset + self.progress.orders
    }
}

/// Reads every page `request` selects (its `limit` is the page size) and hands each to
/// `on_page`. Errors keep what was read: `on_error` gets the progress so far.
pub fn walk(
    api: &mut Api,
    request: ListOrdersRequest,
    bar: &Progress,
    mut on_page: impl FnMut(&[Order]) -> Result<(), CliError>,
) -> Result<Done, Box<(CliError, Done)>> {
    let start_offset = request.offset.unwrap_or(0);
    let mut pager = match Pager::new(request) {
        Ok(p) => p,
        Err(e) => {
            let done = Done {
                end: Walk::Complete,
                progress: PagerProgress::default(),
                start_offset,
            };
            return Err(Box::new((e.into(), done)));
        }
    };
    tracing::info!(page_size = pager.page_size(), "reading every page");
    let done = |pager: &Pager, end| Done {
        end,
        progress: pager.progress(),
        start_offset,
    };
    while let Some(next) = pager.next_request() {
        let page = match api.list_page(next.request()) {
            Ok(Some(page)) => page,
            Ok(None) => return Ok(done(&pager, Walk::Interrupted)),
            Err(e) => return Err(Box::new((e, done(&pager, Walk::Complete)))),
        };
        pager.advance(&page);
        let p = pager.progress();
        if let Some(total) = p.total {
            bar.set_total(total.saturating_sub(start_offset));
        }
        tracing::debug!(pages = p.pages, orders = p.orders, total = ?p.total, "page read");
        if let Err(e) = bar.suspend(|| on_page(&page.data)) {
            return Err(Box::new((e, done(&pager, Walk::Complete))));
        }
        bar.set_done(p.orders);
        if api.interrupted() && !pager.is_done() {
            return Ok(done(&pager, Walk::Interrupted));
        }
    }
    Ok(done(&pager, Walk::Complete))
}
