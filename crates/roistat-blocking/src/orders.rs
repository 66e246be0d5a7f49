//! Auto-pagination: an iterator over every order a query selects.

use std::collections::VecDeque;

use roistat_core::types::{ListOrdersRequest, Order};
use roistat_core::{Error, Pager, Progress};

use crate::Client;

/// Every order a query selects, fetched page after page under the rate limit.
///
/// Holds at most one page in memory. After an error the iterator yields that error
/// once and then ends; [`progress`](Self::progress) says how far it got, and a new
/// walk can start from its `offset`.
#[derive(Debug)]
#[must_use = "iterators are lazy: nothing is fetched until it is driven"]
pub struct Orders {
    client: Client,
    pager: Result<Pager, Option<Error>>,
    buffer: VecDeque<Order>,
    /// The progress when the walk stopped on an error.
    stopped_at: Progress,
}

impl Orders {
    pub(crate) fn new(client: Client, request: ListOrdersRequest) -> Self {
        Self {
            client,
            pager: Pager::new(request).map_err(Some),
            buffer: VecDeque::new(),
            stopped_at: Progress::default(),
        }
    }

    /// Sets the page size (the request's `limit` otherwise, or core's best size for
    /// the documented tiers).
    pub fn page_size(mut self, size: u32) -> Self {
        if let Ok(pager) = self.pager {
            self.pager = Ok(pager.with_page_size(size));
        }
        self
    }

    /// Stops after `n` orders.
    pub fn max_orders(mut self, n: u64) -> Self {
        if let Ok(pager) = self.pager {
            self.pager = Ok(pager.with_max_orders(n));
        }
        self
    }

    /// Pages fetched, orders yielded from them, the latest `total`.
    pub fn progress(&self) -> Progress {
        match &self.pager {
            Ok(p) => p.progress(),
            Err(_) => self.stopped_at,
        }
    }
}

impl Iterator for Orders {
    type Item = Result<Order, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(order) = self.buffer.pop_front() {
                return Some(Ok(order));
            }
            let pager = match &mut self.pager {
                Ok(p) => p,
                Err(e) => return e.take().map(Err),
            };
            let request = pager.next_request()?;
            match self.client.send(&request) {
                Ok(page) => {
                    pager.advance(&page);
                    self.buffer = page.data.into();
                }
                Err(e) => {
                    let progress = pager.progress();
                    tracing::debug!(
                        pages = progress.pages,
                        orders = progress.orders,
                        "order walk stopped"
                    );
                    self.stopped_at = progress;
                    self.pager = Err(None);
                    return Some(Err(e));
                }
            }
        }
    }
}
