//! Paging through the order list: a state machine over `limit`/`offset`/`total`.
//!
//! The executors loop: `next_request()` → send → `advance(&page)` until `next_request()`
//! answers `None`. Memory stays bounded by one page.
//!
//! Stop rules: an empty page; `offset >= total`; a `max_orders` cap. A page shorter than
//! the limit ends the walk only when `total` agrees: if `total` says more orders exist,
//! the server probably capped the page size and the next page is requested (an extra
//! empty page at most, instead of silently losing orders).
//!
//! `total` may change between pages (orders are created or deleted during an export).
//! The walk never goes beyond the **first** total seen (nor beyond a later, smaller
//! one), and each page moves the offset forward, so it always ends. Offset paging is not
//! a snapshot: for an exact export, filter on `update_date` below the export's start.
//!
//! ```
//! use roistat_core::pager::Pager;
//! use roistat_core::types::ListOrdersRequest;
//!
//! let mut pager = Pager::new(ListOrdersRequest::new().limit(2))?;
//! let first = pager.next_request().unwrap();
//! assert_eq!((first.request().offset, first.request().limit), (Some(0), Some(2)));
//! pager.advance_counts(2, 3); // a full page, 3 orders in all
//! assert_eq!(pager.next_request().unwrap().request().offset, Some(2));
//! pager.advance_counts(1, 3);
//! assert!(pager.next_request().is_none());
//! assert_eq!(pager.progress().orders, 3);
//! # Ok::<(), roistat_core::Error>(())
//! ```

use roistat_types::{ListOrdersRequest, OrderList};

use crate::endpoints::ListOrders;
use crate::error::Error;
use crate::page_size::best_page_size;

/// The largest page size the pager uses when the request sets none (it then asks
/// [`best_page_size`] with this as the cap). The [walk](crate::walk), which replaces this
/// pager, goes up to [`DEFAULT_MAX_PAGE_SIZE`](crate::page_size::DEFAULT_MAX_PAGE_SIZE).
pub const MAX_PAGE_SIZE: u32 = 1000;

/// How far a walk has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// Pages received.
    pub pages: u64,
    /// Orders received.
    pub orders: u64,
    /// The `total` of the last page (`None` before the first).
    pub total: Option<u64>,
    /// The offset of the next page.
    pub offset: u64,
    /// Whether the walk is over.
    pub done: bool,
}

/// The paging state machine (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct Pager {
    base: ListOrdersRequest,
    page_size: u32,
    offset: u64,
    first_total: Option<u64>,
    last_total: Option<u64>,
    pages: u64,
    orders: u64,
    max_orders: Option<u64>,
    done: bool,
}

impl Pager {
    /// Walks the orders `request` selects, starting at its `offset` (default 0), with
    /// its `limit` as page size (default [`best_page_size`]). Validates like
    /// [`ListOrders::new`].
    pub fn new(request: ListOrdersRequest) -> Result<Self, Error> {
        let request = ListOrders::new(request)?.into_request();
        let page_size = request.limit.unwrap_or_else(|| {
            best_page_size(request.has_visit_extend(), None, Some(MAX_PAGE_SIZE))
        });
        Ok(Self {
            offset: request.offset.unwrap_or(0),
            base: request,
            page_size,
            first_total: None,
            last_total: None,
            pages: 0,
            orders: 0,
            max_orders: None,
            done: false,
        })
    }

    /// Sets the page size (at least 1), replacing the request's `limit` or the default.
    /// Call before the first page; [`with_max_orders`](Self::with_max_orders) is kept.
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Stops after `n` orders (the last page asks for no more than needed).
    pub fn with_max_orders(mut self, n: u64) -> Self {
        self.max_orders = Some(n);
        if n == 0 {
            self.done = true;
        }
        self
    }

    /// The page size.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Whether the walk is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Progress so far.
    pub fn progress(&self) -> Progress {
        Progress {
            pages: self.pages,
            orders: self.orders,
            total: self.last_total,
            offset: self.offset,
            done: self.done,
        }
    }

    /// The limit of the next page.
    fn next_limit(&self) -> u32 {
        match self.max_orders {
            Some(max) => {
                let left = max.saturating_sub(self.orders);
                u32::try_from(left.min(u64::from(self.page_size))).unwrap_or(self.page_size)
            }
            None => self.page_size,
        }
    }

    /// The next page to fetch, or `None` when the walk is over.
    pub fn next_request(&self) -> Option<ListOrders> {
        if self.done {
            return None;
        }
        let mut request = self.base.clone();
        request.limit = Some(self.next_limit().max(1));
        request.offset = Some(self.offset);
        // `base` passed validation and only limit (>= 1) and offset changed.
        ListOrders::new(request).ok()
    }

    /// Takes in the page answered to the last [`next_request`](Self::next_request).
    pub fn advance(&mut self, page: &OrderList) {
        self.advance_counts(page.data.len(), page.total);
    }

    /// [`advance`](Self::advance) with just the page's order count and `total`.
    pub fn advance_counts(&mut self, count: usize, total: u64) {
        if self.done {
            return;
        }
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        self.pages += 1;
        self.orders = self.orders.saturating_add(count);
        self.offset = self.offset.saturating_add(count);
        let first = *self.first_total.get_or_insert(total);
        self.last_total = Some(total);
        let bound = first.min(total);
        if count == 0
            || self.offset >= bound
            || self.max_orders.is_some_and(|max| self.orders >= max)
        {
            self.done = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::Endpoint;
    use crate::ratelimit::RateClass;
    use proptest::prelude::*;

    #[test]
    fn walks_full_and_last_page() {
        let mut p = Pager::new(ListOrdersRequest::new().with_visits()).unwrap();
        assert_eq!(p.page_size(), 1000);
        let r = p.next_request().unwrap();
        assert_eq!(
            r.rate_class(),
            RateClass::OrderList {
                with_visits: true,
                limit: Some(1000)
            }
        );
        p.advance_counts(1000, 2500);
        p.advance_counts(1000, 2500);
        assert_eq!(p.next_request().unwrap().request().offset, Some(2000));
        p.advance_counts(500, 2500);
        assert!(p.next_request().is_none());
        assert_eq!(
            p.progress(),
            Progress {
                pages: 3,
                orders: 2500,
                total: Some(2500),
                offset: 2500,
                done: true
            }
        );
    }

    #[test]
    fn empty_page_stops() {
        let mut p = Pager::new(ListOrdersRequest::new().limit(10)).unwrap();
        p.advance_counts(0, 100);
        assert!(p.is_done());
    }

    #[test]
    fn short_page_with_more_total_continues() {
        // The server capped our 1000 at 500: keep going.
        let mut p = Pager::new(ListOrdersRequest::new()).unwrap();
        p.advance_counts(500, 1200);
        assert_eq!(p.next_request().unwrap().request().offset, Some(500));
        p.advance_counts(500, 1200);
        p.advance_counts(200, 1200);
        assert!(p.is_done());
        assert_eq!(p.progress().orders, 1200);
    }

    #[test]
    fn growing_total_does_not_extend_the_walk() {
        let mut p = Pager::new(ListOrdersRequest::new().limit(10)).unwrap();
        p.advance_counts(10, 20);
        p.advance_counts(10, 1000);
        assert!(p.is_done());
        // A shrinking total ends it earlier.
        let mut p = Pager::new(ListOrdersRequest::new().limit(10)).unwrap();
        p.advance_counts(10, 100);
        p.advance_counts(10, 15);
        assert!(p.is_done());
    }

    #[test]
    fn resumes_from_an_offset_and_caps_orders() {
        let mut p = Pager::new(ListOrdersRequest::new().limit(100).offset(300))
            .unwrap()
            .with_max_orders(150);
        assert_eq!(p.next_request().unwrap().request().offset, Some(300));
        p.advance_counts(100, 10_000);
        let r = p.next_request().unwrap();
        assert_eq!(
            (r.request().offset, r.request().limit),
            (Some(400), Some(50))
        );
        p.advance_counts(50, 10_000);
        assert!(p.next_request().is_none());
        assert!(
            Pager::new(ListOrdersRequest::new())
                .unwrap()
                .with_max_orders(0)
                .is_done()
        );
    }

    #[test]
    fn invalid_requests_are_refused() {
        assert!(Pager::new(ListOrdersRequest::new().limit(0)).is_err());
    }

    proptest! {
        /// Whatever the server answers, the walk ends within `first_total + 1` pages,
        /// and each request continues exactly where the previous page ended.
        #[test]
        fn always_terminates(
            page_size in 1u32..50,
            start in 0u64..100,
            answers in proptest::collection::vec((0usize..120, 0u64..2_000), 1..64),
        ) {
            let mut p = Pager::new(ListOrdersRequest::new().limit(page_size).offset(start)).unwrap();
            let mut expected_offset = start;
            let mut first_total = None;
            let mut steps = 0u64;
            while let Some(req) = p.next_request() {
                prop_assert_eq!(req.request().offset, Some(expected_offset));
                prop_assert_eq!(req.request().limit, Some(page_size));
                // Cycle through the answers, forever if the pager let us.
                let (count, total) = answers[(steps as usize) % answers.len()];
                let count = count.max(1); // never help it by an empty page
                first_total.get_or_insert(total);
                p.advance_counts(count, total);
                expected_offset += count as u64;
                steps += 1;
                prop_assert!(steps <= first_total.unwrap_or(0) + 1, "{} pages", steps);
            }
            prop_assert!(p.is_done());
            prop_assert_eq!(p.progress().pages, steps);
        }
    }

    #[test]
    fn page_size_and_max_orders_compose_in_any_order() {
        for pager in [
            Pager::new(ListOrdersRequest::new())
                .unwrap()
                .with_page_size(30)
                .with_max_orders(45),
            Pager::new(ListOrdersRequest::new())
                .unwrap()
                .with_max_orders(45)
                .with_page_size(30),
        ] {
            assert_eq!(pager.page_size(), 30);
            let first = pager.next_request().unwrap().into_request();
            assert_eq!(first.limit, Some(30));
            let mut pager = pager;
            pager.advance_counts(30, 1000);
            let second = pager.next_request().unwrap().into_request();
            assert_eq!((second.limit, second.offset), (Some(15), Some(30)));
        }
        let zero = Pager::new(ListOrdersRequest::new())
            .unwrap()
            .with_page_size(0);
        assert_eq!(zero.page_size(), 1);
    }
}
