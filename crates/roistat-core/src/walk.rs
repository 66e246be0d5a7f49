//! A whole order-list walk: every order exactly once while the list changes, several
//! pages in flight, pure (no I/O, no clock, no threads).
//!
//! # What the live list does
//!
//! Roistat lists orders newest first by an internal id. A new order lands at offset 0 and
//! pushes every later row one offset further; a delete pulls every later row one back.
//! Plain `offset` paging therefore returns some orders twice (inserts) and silently skips
//! others (deletes) while a project is in use.
//!
//! # How the walk stays exact
//!
//! Consecutive pages overlap by `V` rows, and the walk keeps the ids of the last rows it
//! delivered (the *tail*: about `2V` ids, never a set of every id). Each page is
//! *stitched* onto the delivered stream: the last row of the page whose id is in the tail
//! is the anchor, and only the rows after it are delivered. That is exact because the
//! list is sorted: rows before an anchor are either delivered already or inserted since
//! the walk began, and the rows after it, up to the page's end, are exactly the rows that
//! follow the delivered ones now. A page holding no tail id (deletes pulled the tail
//! in front of it, or the list ended) is re-fetched at a lower offset, estimated from the
//! change of `total` and widened at each attempt (`gaps_refetched`). Every shift seen
//! while stitching raises `V` to twice the largest shift plus a margin, so repairs stay
//! rare; `V` stays a small fraction of the page (at most half of it).
//!
//! Orders created during the walk are never delivered (only rows older than the first
//! page's newest row can follow an anchor); orders deleted during it are delivered at
//! most once. Every order that exists from the start to the end of the walk is delivered
//! exactly once. A walk resumed at an offset above 0 has nothing to stitch its first page
//! onto: the rows in front of that offset are not its concern. An `overlap` of 0 turns
//! stitching off (plain offset paging, no protection).
//!
//! # Pages and concurrency
//!
//! The first page goes alone (`total` is unknown before it); then up to `max_in_flight`
//! pages are out at once, at offsets one step (`page - V`) apart, never beyond `total`.
//! Answers may arrive in any order: they are buffered and stitched strictly in walk
//! order, so memory holds at most `max_in_flight` pages plus the one being delivered. A
//! page shorter than asked while `total` says more rows follow reveals the server's page
//! cap: later pages ask for that much (see [`Walk::learned_cap`]).
//!
//! The walk ends with a stitched page shorter than asked that reaches `total`, or after
//! `max_orders` rows. (An answer without `total`, decoded as 0, proves nothing: the walk
//! then goes one page at a time and ends with a short page that adds nothing.)
//!
//! # Limits
//!
//! The walk fails with [`walk_unstable`] rather than deliver wrongly when it cannot
//! stitch: more orders created between two requests than a page step (`page - V`), every
//! tail id deleted between two requests, or a list no page of which can be stitched after
//! a few re-fetches. It relies on order ids being unique in the list (an id deleted and
//! created again would be taken for a delivered row if it is the only tail id left in a
//! page).
//!
//! # Driving it
//!
//! [`Walk::poll`] says what to do next; the executor sends each [`Fetch`] (through its
//! rate limiter and retry policy), hands the answer to [`Walk::receive`] (or the error to
//! [`Walk::fail`]) and passes on each delivered order:
//!
//! ```
//! use roistat_core::types::{ListOrdersRequest, Order, OrderId, OrderList};
//! use roistat_core::walk::{Walk, WalkConfig, WalkStep};
//!
//! // A list of 25 orders, newest first, served at most 10 per page.
//! let mut list: Vec<String> = (0..25).rev().map(|i| format!("o{i}")).collect();
//! let serve = |list: &[String], offset: u64, limit: u32| {
//!     let rows = list.iter().skip(offset as usize).take(limit.min(10) as usize);
//!     let data = rows.map(|id| Order::new(OrderId::new_unchecked(id.clone()))).collect();
//!     OrderList::new(data, list.len() as u64)
//! };
//!
//! let config = WalkConfig::default().page_size(20).overlap(3).max_in_flight(1);
//! let mut walk = Walk::new(ListOrdersRequest::new(), config)?;
//! let mut seen = Vec::new();
//! let mut next_new = 25;
//! loop {
//!     match walk.poll() {
//!         WalkStep::Fetch(fetch) => {
//!             let request = fetch.endpoint.request();
//!             let page = serve(&list, request.offset.unwrap_or(0), request.limit.unwrap_or(20));
//!             walk.receive(fetch.id, page);
//!             // Someone creates an order after every request: it lands in front.
//!             list.insert(0, format!("o{next_new}"));
//!             next_new += 1;
//!         }
//!         WalkStep::Deliver(order) => seen.push(order.id.as_str().to_owned()),
//!         WalkStep::Pending => unreachable!("one request at a time, answered at once"),
//!         WalkStep::Failed(error) => return Err(error),
//!         WalkStep::Done => break,
//!         _ => unreachable!("no other step yet"),
//!     }
//! }
//! // The 25 orders of the start, each once, and none of the new ones.
//! let expected: Vec<String> = (0..25).rev().map(|i| format!("o{i}")).collect();
//! assert_eq!(seen, expected);
//! assert_eq!(walk.learned_cap(), Some(10));
//! assert!(walk.report().duplicates_suppressed > 0);
//! # Ok::<(), roistat_core::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};

use roistat_types::{ListOrdersRequest, Order, OrderList};

use crate::endpoints::ListOrders;
use crate::error::Error;
use crate::page_size::best_page_size;

/// Pages in flight at once unless configured.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4;

/// Re-fetches tried for one gap before the walk gives up ([`walk_unstable`]).
const MAX_REPAIRS: u32 = 6;

/// Full pages in a row that add no row before the walk gives up: the list grows at the
/// head faster than the walk moves.
const MAX_STALLS: u32 = 8;

/// Rows added to twice the largest observed shift when the overlap adapts.
const SHIFT_MARGIN: u32 = 8;

/// Tail ids kept beyond twice the overlap, so that an anchor survives deletes of the
/// newest delivered rows.
const TAIL_SLACK: u32 = 16;

/// The overlap a page of `page_size` rows starts with: 1 % of the page, at least 20, at
/// most half the page.
pub fn default_overlap(page_size: u32) -> u32 {
    (page_size / 100).max(20).min(page_size / 2)
}

/// How a [`Walk`] pages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WalkConfig {
    /// Rows asked per page (`None`: the request's `limit`, else [`best_page_size`]).
    pub page_size: Option<u32>,
    /// Pages in flight at once (at least 1; 1 = sequential). Default 4.
    pub max_in_flight: usize,
    /// Overlap of consecutive pages at the start (`None`: [`default_overlap`]; 0: no
    /// stitching, plain offset paging). It grows with the shifts the walk observes.
    pub overlap: Option<u32>,
    /// Stop after this many orders.
    pub max_orders: Option<u64>,
    /// A page cap the server enforced on an earlier walk of the same client.
    pub known_cap: Option<u32>,
}

impl Default for WalkConfig {
    fn default() -> Self {
        Self {
            page_size: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            overlap: None,
            max_orders: None,
            known_cap: None,
        }
    }
}

impl WalkConfig {
    /// The defaults: automatic page size, 4 pages in flight, automatic overlap.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows asked per page (at least 1).
    pub fn page_size(mut self, rows: u32) -> Self {
        self.page_size = Some(rows.max(1));
        self
    }

    /// Pages in flight at once (at least 1).
    pub fn max_in_flight(mut self, pages: usize) -> Self {
        self.max_in_flight = pages.max(1);
        self
    }

    /// The initial overlap of consecutive pages (0: no stitching).
    pub fn overlap(mut self, rows: u32) -> Self {
        self.overlap = Some(rows);
        self
    }

    /// Stop after `n` orders.
    pub fn max_orders(mut self, n: u64) -> Self {
        self.max_orders = Some(n);
        self
    }

    /// A page cap learned by an earlier walk (at least 1).
    pub fn known_cap(mut self, rows: u32) -> Self {
        self.known_cap = Some(rows.max(1));
        self
    }
}

/// Names one fetch of a walk, to hand its answer back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FetchId(u64);

/// A page the executor must fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetch {
    /// Pass it back to [`Walk::receive`] or [`Walk::fail`].
    pub id: FetchId,
    /// The request (the walk's filter and extend with this page's `offset` and `limit`).
    pub endpoint: ListOrders,
}

/// What the executor does next.
// `Deliver` is by far the most frequent step and its order moves on to the caller:
// boxing it would cost an allocation per row to save a copy.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[non_exhaustive]
pub enum WalkStep {
    /// Send this request (a rate-limit slot first), then `receive` or `fail` it.
    Fetch(Fetch),
    /// The next order in walk order.
    Deliver(Order),
    /// Wait for the answer of a fetch in flight.
    Pending,
    /// The walk cannot go on (see [`walk_unstable`]); `poll` answers `Done` from now on.
    Failed(Error),
    /// The walk is over. Fetches still in flight are not needed: drop or ignore them.
    Done,
}

/// Counters of one walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct WalkReport {
    /// Orders delivered.
    pub rows: u64,
    /// Rows a plain offset walk would have returned twice (shifted by inserts into a
    /// later page), skipped by stitching. The planned overlap is not counted.
    pub duplicates_suppressed: u64,
    /// Pages re-fetched at a lower offset because a page held none of the tail's ids
    /// (a shift beyond the overlap, or the list ended sooner than planned).
    pub gaps_refetched: u64,
    /// Fetches issued.
    pub requests: u64,
    /// Answers received.
    pub pages: u64,
    /// The `total` of the latest answer.
    pub total: Option<u64>,
    /// The page cap to keep for later walks: known beforehand, or learned by this walk
    /// (see [`Walk::learned_cap`]).
    pub learned_cap: Option<u32>,
    /// Requests the server refused for the rate limit (counted by the executor through
    /// [`Walk::note_refusals`]).
    pub refusals: u64,
    /// Where a new walk could start to continue this one: the offset just after the last
    /// delivered order, as of the page it came from.
    pub resume_offset: u64,
    /// The current overlap of consecutive pages.
    pub overlap: u32,
    /// The most tail ids held at once (bounded by the page size).
    pub peak_tail_ids: usize,
    /// The most answered pages held at once, waiting to be stitched (at most
    /// `max_in_flight`).
    pub peak_buffered_pages: usize,
    /// Whether the walk is over.
    pub done: bool,
}

/// The error a walk ends with when the list changes so fast that no page can be stitched
/// onto the delivered rows (after the bounded re-fetches), or grows at the head faster
/// than the walk moves. Nothing was delivered twice; the rows not yet delivered can be
/// walked again from [`WalkReport::resume_offset`].
pub fn walk_unstable(message: impl AsRef<str>) -> Error {
    Error::WalkUnstable {
        message: message.as_ref().to_owned(),
    }
}

/// Why a fetch was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A page of the plan, stitched in sequence order.
    Plan(u64),
    /// A re-fetch after a gap.
    Repair,
    /// No longer needed (the plan changed while it was out).
    Stale,
}

#[derive(Debug, Clone, Copy)]
struct Planned {
    kind: Kind,
    offset: u64,
    limit: u32,
    /// Rows at its start expected to repeat delivered ones.
    overlap: u32,
    /// Rows it is expected to add to the walk.
    new_rows: u32,
}

#[derive(Debug)]
struct Answer {
    planned: Planned,
    page: OrderList,
}

#[derive(Debug, Clone, Copy)]
struct Repair {
    attempt: u32,
    issued: bool,
    /// The `total` of the page that failed to stitch.
    seen_total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    /// No more pages needed; the queue drains.
    Ended,
    /// Failed: nothing more is delivered.
    Failed,
}

/// The ids of the last delivered rows, with their offsets in the page they came from.
#[derive(Debug, Default)]
struct Tail {
    rows: VecDeque<(String, u64)>,
    capacity: usize,
}

impl Tail {
    fn push(&mut self, id: &str, offset: u64) {
        if self.capacity == 0 {
            return;
        }
        while self.rows.len() >= self.capacity {
            self.rows.pop_front();
        }
        self.rows.push_back((id.to_owned(), offset));
    }

    fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        while self.rows.len() > capacity {
            self.rows.pop_front();
        }
    }

    /// The last row of `page` whose id is in the tail: its index and the offset the
    /// tail recorded for it. Empty ids (unreadable) never match.
    fn anchor(&self, page: &[Order]) -> Option<(usize, u64)> {
        let index: HashMap<&str, u64> = self
            .rows
            .iter()
            .filter(|(id, _)| !id.is_empty())
            .map(|(id, offset)| (id.as_str(), *offset))
            .collect();
        page.iter().enumerate().rev().find_map(|(i, order)| {
            let id = order.id.as_str();
            if id.is_empty() {
                return None;
            }
            index.get(id).map(|&offset| (i, offset))
        })
    }
}

/// The walk state machine (see the [module docs](self)).
#[derive(Debug)]
pub struct Walk {
    base: ListOrdersRequest,
    start: u64,
    page_size: u32,
    max_in_flight: usize,
    max_orders: Option<u64>,
    /// `V`: the overlap of consecutive pages (0: no stitching).
    overlap: u32,
    stitching: bool,
    /// The largest shift observed while stitching.
    max_shift: u64,
    /// A cap known beforehand or learned.
    cap: Option<u32>,
    next_id: u64,
    in_flight: HashMap<FetchId, Planned>,
    /// Answered plan pages waiting for their turn, by sequence number.
    buffered: BTreeMap<u64, Answer>,
    repair: Option<Repair>,
    repair_answer: Option<Answer>,
    /// The next plan sequence number to issue, and the next to stitch.
    next_seq: u64,
    stitch_seq: u64,
    /// The offset of the next plan page.
    cursor: u64,
    /// Whether the first page is stitched.
    started: bool,
    tail: Tail,
    /// The offset just after the last row in walk order, and the `total`, as of its page.
    frontier: u64,
    frontier_total: u64,
    /// Rows in walk order not yet delivered, and the offset of the first.
    queue: VecDeque<Order>,
    queue_offset: u64,
    /// Rows taken into walk order (delivered or queued).
    walk_rows: u64,
    stalls: u32,
    state: State,
    error: Option<Error>,
    report: WalkReport,
}

impl Walk {
    /// Walks the orders `request` selects from its `offset` (default 0). The page size is
    /// `config.page_size`, else the request's `limit`, else [`best_page_size`] (never
    /// above a known cap). Validates like [`ListOrders::new`].
    pub fn new(request: ListOrdersRequest, config: WalkConfig) -> Result<Self, Error> {
        let request = ListOrders::new(request)?.into_request();
        let cap = config.known_cap.map(|c| c.max(1));
        let page_size = config
            .page_size
            .or(request.limit)
            .unwrap_or_else(|| best_page_size(request.has_visit_extend(), config.max_orders, cap))
            .min(cap.unwrap_or(u32::MAX))
            .max(1);
        let overlap = config
            .overlap
            .unwrap_or_else(|| default_overlap(page_size))
            .min(page_size / 2);
        let start = request.offset.unwrap_or(0);
        let mut walk = Self {
            base: request,
            start,
            page_size,
            max_in_flight: config.max_in_flight.max(1),
            max_orders: config.max_orders,
            overlap,
            stitching: overlap > 0,
            max_shift: 0,
            cap,
            next_id: 0,
            in_flight: HashMap::new(),
            buffered: BTreeMap::new(),
            repair: None,
            repair_answer: None,
            next_seq: 0,
            stitch_seq: 0,
            cursor: start,
            started: false,
            tail: Tail::default(),
            frontier: start,
            frontier_total: 0,
            queue: VecDeque::new(),
            queue_offset: start,
            walk_rows: 0,
            stalls: 0,
            state: State::Running,
            error: None,
            report: WalkReport {
                resume_offset: start,
                learned_cap: cap,
                overlap,
                ..WalkReport::default()
            },
        };
        walk.tail.set_capacity(walk.tail_capacity());
        if walk.max_orders == Some(0) {
            walk.state = State::Ended;
        }
        Ok(walk)
    }

    /// The next thing to do: deliver an order (buffered orders first, in walk order),
    /// fetch a page (while fewer than `max_in_flight` are out), wait, or stop.
    pub fn poll(&mut self) -> WalkStep {
        loop {
            if let Some(order) = self.queue.pop_front() {
                self.queue_offset += 1;
                self.report.rows += 1;
                self.report.resume_offset = self.queue_offset;
                return WalkStep::Deliver(order);
            }
            if let Some(error) = self.error.take() {
                return WalkStep::Failed(error);
            }
            if self.state != State::Running {
                self.report.done = true;
                return WalkStep::Done;
            }
            if let Some(answer) = self.next_answer() {
                self.stitch(answer);
                continue;
            }
            if let Some(fetch) = self.next_fetch() {
                return fetch;
            }
            if self.in_flight.is_empty() {
                // Nothing out and nothing to ask: cannot happen by construction. Say so
                // rather than wait forever or end as if every order had come.
                self.unstable(format!(
                    "nothing left to fetch at offset {} before the end of the list",
                    self.frontier
                ));
                continue;
            }
            return WalkStep::Pending;
        }
    }

    /// Hands in the answer to a fetch (in any order). Answers to fetches no longer needed
    /// (or unknown ids) are dropped.
    pub fn receive(&mut self, id: FetchId, page: OrderList) {
        let Some(planned) = self.in_flight.remove(&id) else {
            return;
        };
        self.report.pages += 1;
        self.report.total = Some(page.total);
        if self.state != State::Running {
            return;
        }
        let answer = Answer { planned, page };
        match planned.kind {
            Kind::Plan(seq) => {
                self.buffered.insert(seq, answer);
            }
            Kind::Repair => self.repair_answer = Some(answer),
            Kind::Stale => {}
        }
        let held = self.buffered.len() + usize::from(self.repair_answer.is_some());
        self.report.peak_buffered_pages = self.report.peak_buffered_pages.max(held);
    }

    /// A fetch failed for good (after the executor's retries). If the walk needed it,
    /// the walk is over: the error comes back (as is) and `poll` answers `Done` without
    /// delivering the orders still queued ([`WalkReport::resume_offset`] says where to
    /// continue). A fetch the walk no longer needs (the plan moved on, or the walk has
    /// ended) does not matter: `None`, and the walk goes on.
    pub fn fail(&mut self, id: FetchId, error: Error) -> Option<Error> {
        let planned = self.in_flight.remove(&id)?;
        if self.state != State::Running || planned.kind == Kind::Stale {
            return None;
        }
        self.state = State::Failed;
        self.queue.clear();
        self.buffered.clear();
        self.repair_answer = None;
        Some(error)
    }

    /// Fetches issued and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The counters so far.
    pub fn report(&self) -> WalkReport {
        self.report
    }

    /// Counts requests the server refused for the rate limit (the executor retries them).
    pub fn note_refusals(&mut self, n: u64) {
        self.report.refusals = self.report.refusals.saturating_add(n);
    }

    /// The page cap to keep for the next walk of the same client (see
    /// [`WalkConfig::known_cap`]): known beforehand, or learned from a page cut shorter
    /// than asked while `total` left room for at least one more such page after it (a
    /// short page at the very end may be a `total` counted just before a delete; the
    /// walk itself asks no more than any cut page either way).
    pub fn learned_cap(&self) -> Option<u32> {
        self.cap
    }

    /// The rows asked per page now.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// The current overlap of consecutive pages.
    pub fn overlap(&self) -> u32 {
        self.overlap
    }

    /// Whether `poll` answers `Done`.
    pub fn is_done(&self) -> bool {
        self.state != State::Running && self.queue.is_empty() && self.error.is_none()
    }

    fn tail_capacity(&self) -> usize {
        if !self.stitching {
            return 0;
        }
        let wanted = self.overlap.saturating_mul(2).saturating_add(TAIL_SLACK);
        usize::try_from(wanted.min(self.page_size)).unwrap_or(usize::MAX)
    }

    /// The answer to stitch next, if it is in: the repair's while one is pending, else
    /// the next plan page.
    fn next_answer(&mut self) -> Option<Answer> {
        if self.repair.is_some() {
            return self.repair_answer.take();
        }
        let answer = self.buffered.remove(&self.stitch_seq)?;
        self.stitch_seq += 1;
        Some(answer)
    }

    fn fetch(&mut self, planned: Planned) -> WalkStep {
        let mut request = self.base.clone();
        request.offset = Some(planned.offset);
        request.limit = Some(planned.limit.max(1));
        // `base` passed validation and only limit (>= 1) and offset changed.
        let endpoint = match ListOrders::new(request) {
            Ok(endpoint) => endpoint,
            Err(error) => {
                self.state = State::Failed;
                return WalkStep::Failed(error);
            }
        };
        let id = FetchId(self.next_id);
        self.next_id += 1;
        self.in_flight.insert(id, planned);
        self.report.requests += 1;
        WalkStep::Fetch(Fetch { id, endpoint })
    }

    /// Rows still wanted beyond those in walk order and those planned (`None`: no cap).
    fn rows_wanted(&self) -> Option<u64> {
        let max = self.max_orders?;
        let planned: u64 = self
            .in_flight
            .values()
            .chain(self.buffered.values().map(|a| &a.planned))
            .filter(|p| matches!(p.kind, Kind::Plan(_)))
            .map(|p| u64::from(p.new_rows))
            .sum();
        Some(max.saturating_sub(self.walk_rows).saturating_sub(planned))
    }

    fn next_fetch(&mut self) -> Option<WalkStep> {
        let held =
            self.in_flight.len() + self.buffered.len() + usize::from(self.repair_answer.is_some());
        if held >= self.max_in_flight {
            return None;
        }
        if let Some(repair) = self.repair {
            if repair.issued {
                return None;
            }
            self.repair = Some(Repair {
                issued: true,
                ..repair
            });
            let offset = self.repair_offset(repair);
            let planned = Planned {
                kind: Kind::Repair,
                offset,
                limit: self.page_size,
                overlap: u32::try_from(self.frontier.saturating_sub(offset)).unwrap_or(u32::MAX),
                new_rows: 0,
            };
            self.report.gaps_refetched += 1;
            return Some(self.fetch(planned));
        }
        let wanted = self.rows_wanted();
        if !self.started {
            if self.next_seq > 0 {
                return None; // the first page goes alone
            }
            let limit = match wanted {
                Some(w) => u32::try_from(w.min(u64::from(self.page_size))).unwrap_or(1),
                None => self.page_size,
            };
            self.next_seq = 1;
            let planned = Planned {
                kind: Kind::Plan(0),
                offset: self.start,
                limit,
                overlap: 0,
                new_rows: limit,
            };
            return Some(self.fetch(planned));
        }
        if wanted == Some(0) {
            return None;
        }
        // Beyond the latest total a page would be empty, unless the list grew: ask only
        // when nothing else is out.
        let total = self.report.total.unwrap_or(0);
        if self.cursor >= total && held > 0 {
            return None;
        }
        let overlap = self.overlap;
        let step = self.page_size.saturating_sub(overlap).max(1);
        let (limit, new_rows) = match wanted {
            // The last rows wanted: a smaller page, with room for a shift as large as
            // the overlap on top of it (else inserts would push the wanted rows out of
            // every such page).
            Some(w) if w < u64::from(step) => {
                let w = u32::try_from(w).unwrap_or(step);
                let limit = w.saturating_add(overlap.saturating_mul(2));
                (limit.min(self.page_size), w)
            }
            _ => (self.page_size, step),
        };
        let planned = Planned {
            kind: Kind::Plan(self.next_seq),
            offset: self.cursor,
            limit,
            overlap,
            new_rows,
        };
        self.next_seq += 1;
        self.cursor += u64::from(limit.saturating_sub(overlap).max(1));
        Some(self.fetch(planned))
    }

    /// Where to re-fetch after a gap: just in front of the delivered rows' estimated
    /// offset now, further in front at each attempt.
    ///
    /// The change of `total` since the tail's page is inserts minus deletes anywhere,
    /// while the newest delivered row moved by inserts minus the deletes in front of it:
    /// so it moved by at least the change of `total`, which places it at or after
    /// `frontier - 1 + change`.
    fn repair_offset(&self, repair: Repair) -> u64 {
        let change = i128::from(repair.seen_total) - i128::from(self.frontier_total);
        let estimate = i128::from(self.frontier) - 1 + change;
        let back = i128::from(self.overlap.max(1)) << repair.attempt.min(32);
        u64::try_from((estimate - back).max(0)).unwrap_or(0)
    }

    /// Marks every plan page not yet stitched as no longer needed and plans afresh from
    /// the frontier.
    fn replan(&mut self) {
        for planned in self.in_flight.values_mut() {
            if matches!(planned.kind, Kind::Plan(_)) {
                planned.kind = Kind::Stale;
            }
        }
        self.buffered.clear();
        self.stitch_seq = self.next_seq;
        self.cursor = self.frontier.saturating_sub(u64::from(self.overlap));
    }

    fn end(&mut self) {
        self.state = State::Ended;
        self.buffered.clear();
        self.repair = None;
        self.repair_answer = None;
    }

    fn unstable(&mut self, message: String) {
        self.end();
        self.state = State::Failed;
        self.error = Some(walk_unstable(message));
    }

    /// Records a shift seen while stitching and widens the overlap to match.
    fn observe_shift(&mut self, shift: u64) {
        if shift <= self.max_shift {
            return;
        }
        self.max_shift = shift;
        let wanted = u32::try_from(shift.saturating_mul(2))
            .unwrap_or(u32::MAX)
            .saturating_add(SHIFT_MARGIN);
        self.overlap = self.overlap.max(wanted).min(self.page_size / 2).max(1);
        self.report.overlap = self.overlap;
        self.tail.set_capacity(self.tail_capacity());
    }

    /// The server cut a page to `rows`: ask no more from now on, and keep the overlap
    /// within half a page (a page of one row cannot overlap: plain paging).
    fn shrink_pages(&mut self, rows: u32) {
        self.page_size = self.page_size.min(rows).max(1);
        if self.stitching {
            self.overlap = self.overlap.min(self.page_size / 2);
            self.stitching = self.overlap > 0;
            self.report.overlap = self.overlap;
            self.tail.set_capacity(self.tail_capacity());
        }
    }

    fn learn_cap(&mut self, rows: u32) {
        let cap = self.cap.map_or(rows, |c| c.min(rows)).max(1);
        self.cap = Some(cap);
        self.report.learned_cap = Some(cap);
    }

    fn stitch(&mut self, answer: Answer) {
        let Answer { planned, page } = answer;
        let offset = planned.offset;
        let len = page.data.len();
        let total = page.total;
        let was_repair = planned.kind == Kind::Repair;

        let first_new = if !self.started || !self.stitching {
            0
        } else {
            match self.tail.anchor(&page.data) {
                Some((index, tail_offset)) => {
                    let now = offset + index as u64;
                    self.observe_shift(now.abs_diff(tail_offset));
                    let repeated = (index as u64 + 1).saturating_sub(u64::from(planned.overlap));
                    self.report.duplicates_suppressed += repeated;
                    index + 1
                }
                // An empty list: whatever was not delivered has been deleted.
                None if offset == 0 && len == 0 => {
                    self.end();
                    return;
                }
                None => {
                    self.gap(was_repair, offset, total);
                    return;
                }
            }
        };

        // Take the new rows into walk order (no more than `max_orders`).
        let room = self
            .max_orders
            .map_or(u64::MAX, |m| m.saturating_sub(self.walk_rows));
        let new_rows = (len - first_new) as u64;
        let taken = new_rows.min(room);
        self.queue_offset = offset + first_new as u64;
        for (i, order) in page
            .data
            .into_iter()
            .skip(first_new)
            .take(usize::try_from(taken).unwrap_or(usize::MAX))
            .enumerate()
        {
            self.tail
                .push(order.id.as_str(), self.queue_offset + i as u64);
            self.queue.push_back(order);
        }
        self.report.peak_tail_ids = self.report.peak_tail_ids.max(self.tail.rows.len());
        self.walk_rows += taken;
        self.frontier = offset + len as u64;
        self.frontier_total = total;
        let was_first = !self.started;
        self.started = true;
        self.repair = None;

        if self.max_orders.is_some_and(|m| self.walk_rows >= m) {
            self.end();
            return;
        }
        let short = (len as u64) < u64::from(planned.limit);
        let end_of_page = offset + len as u64;
        // A `total` below the rows just seen is no count (a missing `total` decodes as
        // 0): then only a short page that adds nothing proves the end.
        let reaches_end = if total >= end_of_page {
            end_of_page == total
        } else {
            taken == 0
        };
        if short && (reaches_end || len == 0) {
            self.end();
            return;
        }
        if short {
            // `total` says more rows follow: the server cut the page. The walk goes on
            // with pages that size; the cap is kept for later walks only when at least
            // another such page is left, so a `total` counted a moment before a delete
            // near the end does not pass for a cap. Without a count, a cut and the end
            // look alike: keep the page size, go on from here one page at a time.
            let rows = u32::try_from(len).unwrap_or(u32::MAX);
            if total >= end_of_page {
                self.shrink_pages(rows);
                if total >= offset + 2 * len as u64 {
                    self.learn_cap(rows);
                }
                self.replan();
            } else {
                // The next page must reach beyond the frontier even if it is cut the
                // same way, so that "nothing new" means the end: overlap half of it.
                self.replan();
                let overlap = self.overlap.min(rows / 2).max(1);
                self.cursor = self.frontier.saturating_sub(u64::from(overlap));
            }
        } else if was_first || was_repair {
            self.replan();
        }
        if taken == 0 {
            self.stalls += 1;
            if self.stalls >= MAX_STALLS {
                self.unstable(format!(
                    "{MAX_STALLS} pages in a row brought no new order (offset {offset}, \
                     total {total}): orders are created faster than the walk moves"
                ));
            }
        } else {
            self.stalls = 0;
        }
    }

    /// A page held none of the tail's ids: re-fetch in front of it.
    fn gap(&mut self, was_repair: bool, offset: u64, total: u64) {
        let attempt = match (was_repair, self.repair) {
            (true, Some(r)) => r.attempt + 1,
            _ => 0,
        };
        if attempt >= MAX_REPAIRS {
            self.unstable(format!(
                "no page around offset {offset} (total {total}) holds any of the last {} \
                 delivered orders after {MAX_REPAIRS} re-fetches",
                self.tail.rows.len()
            ));
            return;
        }
        // The pages planned after this one assumed it would stitch.
        self.replan();
        self.repair = Some(Repair {
            attempt,
            issued: false,
            seen_total: total,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roistat_types::OrderId;

    fn page(ids: &[&str], total: u64) -> OrderList {
        OrderList::new(
            ids.iter()
                .map(|id| Order::new(OrderId::new_unchecked(*id)))
                .collect(),
            total,
        )
    }

    /// What one burst of `poll` calls produced, up to a `Pending`, `Done` or `Failed`.
    #[derive(Debug, Default)]
    struct Burst {
        rows: Vec<String>,
        /// (id, offset, limit)
        fetches: Vec<(FetchId, u64, u32)>,
        end: &'static str,
        error: Option<String>,
    }

    fn burst(walk: &mut Walk) -> Burst {
        let mut b = Burst::default();
        loop {
            match walk.poll() {
                WalkStep::Deliver(o) => b.rows.push(o.id.as_str().to_owned()),
                WalkStep::Fetch(f) => {
                    let r = f.endpoint.request();
                    b.fetches.push((f.id, r.offset.unwrap(), r.limit.unwrap()));
                }
                WalkStep::Pending => b.end = "pending",
                WalkStep::Done => b.end = "done",
                WalkStep::Failed(e) => {
                    b.end = "failed";
                    b.error = Some(e.to_string());
                }
            }
            if !b.end.is_empty() {
                return b;
            }
        }
    }

    fn walk(config: WalkConfig) -> Walk {
        Walk::new(ListOrdersRequest::new(), config).unwrap()
    }

    #[test]
    fn page_size_comes_from_config_request_or_best() {
        let w = walk(WalkConfig::new());
        assert_eq!((w.page_size(), w.overlap()), (5000, 50));
        let w = Walk::new(ListOrdersRequest::new().with_visits(), WalkConfig::new()).unwrap();
        assert_eq!((w.page_size(), w.overlap()), (1000, 20));
        let w = Walk::new(ListOrdersRequest::new().limit(300), WalkConfig::new()).unwrap();
        assert_eq!(w.page_size(), 300);
        let w = Walk::new(
            ListOrdersRequest::new().limit(300),
            WalkConfig::new().page_size(400).known_cap(350),
        )
        .unwrap();
        assert_eq!((w.page_size(), w.learned_cap()), (350, Some(350)));
        assert_eq!(walk(WalkConfig::new().max_orders(70)).page_size(), 70);
        assert_eq!(walk(WalkConfig::new().page_size(30)).overlap(), 15);
        assert!(Walk::new(ListOrdersRequest::new().limit(0), WalkConfig::new()).is_err());
    }

    #[test]
    fn first_page_goes_alone_then_overlapping_pages_fill_the_slots() {
        let config = WalkConfig::new().page_size(10).overlap(2).max_in_flight(3);
        let mut w = Walk::new(ListOrdersRequest::new().offset(5), config).unwrap();
        let b = burst(&mut w);
        assert_eq!(b.end, "pending");
        let [(id, offset, limit)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        assert_eq!((offset, limit), (5, 10));
        let ids: Vec<String> = (5..15).map(|i| format!("r{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        w.receive(id, page(&refs, 100));
        let b = burst(&mut w);
        assert_eq!(b.rows, ids, "a resumed walk delivers its whole first page");
        let offsets: Vec<(u64, u32)> = b.fetches.iter().map(|f| (f.1, f.2)).collect();
        assert_eq!(
            offsets,
            [(13, 10), (21, 10), (29, 10)],
            "8 apart, 3 in flight"
        );
        assert_eq!((b.end, w.in_flight()), ("pending", 3));
    }

    #[test]
    fn stitches_on_the_last_tail_id_and_counts_shifted_duplicates() {
        let config = WalkConfig::new().page_size(6).overlap(2).max_in_flight(1);
        let mut w = walk(config);
        let id = burst(&mut w).fetches[0].0;
        w.receive(id, page(&["a", "b", "c", "d", "e", "f"], 12));
        let b = burst(&mut w);
        assert_eq!(b.rows, ["a", "b", "c", "d", "e", "f"]);
        let (id, offset, _) = b.fetches[0];
        assert_eq!(offset, 4);
        // Two orders were created: offset 4 now starts at "c", not at "e".
        w.receive(id, page(&["c", "d", "e", "f", "g", "h"], 14));
        assert_eq!(burst(&mut w).rows, ["g", "h"]);
        let report = w.report();
        assert_eq!(report.duplicates_suppressed, 2);
        // The shift of 2 raised the overlap towards 2 * 2 + margin, at most half a page.
        assert_eq!(report.overlap, 3);
    }

    #[test]
    fn a_gap_is_refetched_in_front() {
        let config = WalkConfig::new().page_size(6).overlap(1).max_in_flight(1);
        let mut w = walk(config);
        let id = burst(&mut w).fetches[0].0;
        w.receive(id, page(&["a", "b", "c", "d", "e", "f"], 12));
        let (id, offset, _) = burst(&mut w).fetches[0];
        assert_eq!(offset, 5);
        // Three orders in front were deleted: offset 5 is now past "f".
        w.receive(id, page(&["i", "j", "k", "l"], 9));
        let b = burst(&mut w);
        assert!(b.rows.is_empty());
        let (id, offset, _) = b.fetches[0];
        // The estimate: frontier 6 - 1 + (9 - 12) = 2, minus the overlap 1.
        assert_eq!(offset, 1);
        w.receive(id, page(&["d", "f", "g", "h", "i", "j"], 9));
        assert_eq!(burst(&mut w).rows, ["g", "h", "i", "j"]);
        assert_eq!(w.report().gaps_refetched, 1);
    }

    #[test]
    fn a_short_page_below_total_is_a_cap_and_answers_may_come_out_of_order() {
        let config = WalkConfig::new().page_size(10).overlap(2).max_in_flight(2);
        let mut w = walk(config);
        let id = burst(&mut w).fetches[0].0;
        w.receive(id, page(&["a", "b", "c", "d"], 13));
        let b = burst(&mut w);
        assert_eq!(b.rows.len(), 4);
        assert_eq!(w.learned_cap(), Some(4));
        assert_eq!(w.report().learned_cap, Some(4));
        // The overlap shrank to half the capped page.
        assert_eq!(w.overlap(), 2);
        let [(first, 2, 4), (second, 4, 4)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        w.receive(second, page(&["e", "f", "g", "h"], 13));
        assert_eq!(
            burst(&mut w).end,
            "pending",
            "the buffered page holds a slot"
        );
        w.receive(first, page(&["c", "d", "e", "f"], 13));
        let b = burst(&mut w);
        assert_eq!(b.rows, ["e", "f", "g", "h"]);
        assert_eq!(w.report().peak_buffered_pages, 2);
        // The plan goes on from offset 6 and ends with a short page reaching total.
        let [(third, 6, 4), (fourth, 8, 4)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        w.receive(fourth, page(&["i", "j", "k", "l"], 13));
        w.receive(third, page(&["g", "h", "i", "j"], 13));
        let b = burst(&mut w);
        assert_eq!(b.rows, ["i", "j", "k", "l"]);
        // Offset 12 is still below total 13: two pages out.
        let [(fifth, 10, 4), (sixth, 12, 4)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        w.receive(fifth, page(&["k", "l", "m"], 13));
        let b = burst(&mut w);
        assert_eq!((b.rows, b.end), (vec!["m".to_owned()], "done"));
        // The walk ended with the sixth still out: its answer is not needed.
        assert_eq!(w.in_flight(), 1);
        w.receive(sixth, page(&["m"], 13));
        assert_eq!((w.in_flight(), burst(&mut w).end), (0, "done"));
        assert_eq!(w.report().rows, 13);
        assert_eq!(w.report().resume_offset, 13);
    }

    #[test]
    fn a_page_cut_near_the_end_is_not_kept_as_a_cap() {
        let mut w = walk(WalkConfig::new().page_size(10).overlap(2).max_in_flight(2));
        let id = burst(&mut w).fetches[0].0;
        // 4 rows where `total` says 7: cut, but less than a page of that size is left.
        w.receive(id, page(&["a", "b", "c", "d"], 7));
        let b = burst(&mut w);
        assert_eq!(b.rows.len(), 4);
        assert_eq!(w.learned_cap(), None);
        // This walk still asks no more than 4 per page.
        let [(id, 2, 4), (_, 4, 4)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        w.receive(id, page(&["c", "d", "e", "f"], 7));
        assert_eq!(burst(&mut w).rows, ["e", "f"]);
        assert_eq!(w.report().learned_cap, None);
    }

    #[test]
    fn without_a_total_a_short_page_is_not_the_end() {
        let mut w = walk(WalkConfig::new().page_size(10).overlap(2).max_in_flight(2));
        let id = burst(&mut w).fetches[0].0;
        // Cut at 4 and `total` missing (0): maybe a cap, maybe the end.
        w.receive(id, page(&["a", "b", "c", "d"], 0));
        let b = burst(&mut w);
        assert_eq!(b.rows.len(), 4);
        // Without a count, one page at a time, and the page size stays.
        let [(id, 2, 10)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        w.receive(id, page(&["c", "d", "e"], 0));
        let b = burst(&mut w);
        assert_eq!(b.rows, ["e"]);
        // Half a cut page of overlap: a page cut the same way still shows what follows.
        let [(id, 4, 10)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        // Nothing new: the list ended.
        w.receive(id, page(&["e"], 0));
        let b = burst(&mut w);
        assert_eq!((b.rows.len(), b.end), (0, "done"));
        assert_eq!(w.learned_cap(), None);
    }

    #[test]
    fn max_orders_stops_the_walk() {
        let mut w = walk(WalkConfig::new().page_size(4).overlap(1).max_orders(6));
        let (id, _, limit) = burst(&mut w).fetches[0];
        assert_eq!(limit, 4);
        w.receive(id, page(&["a", "b", "c", "d"], 100));
        let b = burst(&mut w);
        assert_eq!(b.rows.len(), 4);
        // Two more wanted: one page of 2 + twice the overlap (room for a shift), and
        // nothing after it.
        let [(id, 3, 4)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        assert_eq!(b.end, "pending");
        w.receive(id, page(&["d", "e", "f", "g"], 100));
        let b = burst(&mut w);
        assert_eq!(
            (b.rows, b.end),
            (vec!["e".to_owned(), "f".to_owned()], "done")
        );
        assert!(w.is_done());
        assert_eq!(w.report().resume_offset, 6);
        assert_eq!(
            burst(&mut walk(WalkConfig::new().max_orders(0))).end,
            "done"
        );
    }

    #[test]
    fn a_failed_fetch_ends_the_walk_unless_it_is_stale() {
        let mut w = walk(WalkConfig::new().page_size(4).overlap(1).max_in_flight(3));
        let id = burst(&mut w).fetches[0].0;
        w.receive(id, page(&["a", "b", "c"], 100)); // cap 3
        let b = burst(&mut w);
        let [(first, 2, 3), (second, 4, 3), (_, 6, 3)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        // The first plan page comes back shorter still: a lower cap, the plan restarts.
        w.receive(first, page(&["c", "d"], 100));
        let b = burst(&mut w);
        assert_eq!(b.rows, ["d"]);
        assert_eq!(w.learned_cap(), Some(2));
        // Two stale pages still hold two of the three slots.
        let [(fresh, 3, 2)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        // The second was planned with the old cap: its failure does not matter, and
        // the slot it held goes to the next page.
        assert!(w.fail(second, Error::invalid_request("boom")).is_none());
        let b = burst(&mut w);
        let [(_, 4, 2)] = b.fetches[..] else {
            panic!("{b:?}")
        };
        let e = w.fail(fresh, Error::invalid_request("boom"));
        assert!(e.is_some_and(|e| e.to_string().contains("boom")));
        assert_eq!(burst(&mut w).end, "done");
    }

    #[test]
    fn refusals_are_counted_and_a_failure_keeps_the_resume_offset() {
        let mut w = walk(WalkConfig::new().page_size(4).overlap(1).max_in_flight(1));
        let id = burst(&mut w).fetches[0].0;
        w.note_refusals(2);
        w.receive(id, page(&["a", "b", "c", "d"], 10));
        // The report follows each delivery.
        assert!(matches!(w.poll(), WalkStep::Deliver(_)));
        assert!(matches!(w.poll(), WalkStep::Deliver(_)));
        let r = w.report();
        assert_eq!((r.refusals, r.rows, r.resume_offset), (2, 2, 2));
        // The plan's next page goes out once the page is delivered; then it fails.
        let b = burst(&mut w);
        assert_eq!(b.rows, ["c", "d"]);
        let (id, _, _) = b.fetches[0];
        w.note_refusals(1);
        assert!(w.fail(id, Error::invalid_request("boom")).is_some());
        assert_eq!(burst(&mut w).end, "done");
        let r = w.report();
        assert_eq!(
            (r.refusals, r.rows, r.resume_offset, r.done),
            (3, 4, 4, true)
        );
        assert_eq!((r.requests, r.pages), (2, 1));
    }

    #[test]
    fn zero_overlap_is_plain_paging() {
        let mut w = walk(WalkConfig::new().page_size(3).overlap(0).max_in_flight(1));
        let id = burst(&mut w).fetches[0].0;
        w.receive(id, page(&["a", "b", "c"], 5));
        let (id, offset, _) = burst(&mut w).fetches[0];
        assert_eq!(offset, 3);
        w.receive(id, page(&["c", "d"], 5));
        // No stitching: "c" comes twice, as with plain offsets.
        assert_eq!(burst(&mut w).rows, ["c", "d"]);
        assert_eq!(w.report().peak_tail_ids, 0);
    }

    #[test]
    fn unreadable_ids_never_anchor() {
        let mut w = walk(WalkConfig::new().page_size(4).overlap(1).max_in_flight(1));
        let id = burst(&mut w).fetches[0].0;
        w.receive(id, page(&["a", "b", "c", ""], 10));
        let (id, _, _) = burst(&mut w).fetches[0];
        // "" is the newest delivered row but cannot anchor; "c" does.
        w.receive(id, page(&["", "c", "", "e"], 10));
        assert_eq!(burst(&mut w).rows, ["", "e"]);
    }

    #[test]
    fn a_list_that_never_holds_the_tail_fails_typed() {
        let mut w = walk(WalkConfig::new().page_size(4).overlap(1).max_in_flight(1));
        let id = burst(&mut w).fetches[0].0;
        w.receive(id, page(&["a", "b", "c", "d"], 10));
        let mut n = 0;
        let b = loop {
            let b = burst(&mut w);
            let Some(&(id, _, _)) = b.fetches.first() else {
                break b;
            };
            n += 1;
            let ids = [format!("x{n}"), format!("y{n}")];
            w.receive(id, page(&[&ids[0], &ids[1]], 10));
        };
        assert_eq!(b.end, "failed");
        assert!(b.error.unwrap().contains("changed too fast"));
        assert_eq!(w.report().gaps_refetched, u64::from(MAX_REPAIRS));
        assert_eq!(burst(&mut w).end, "done");
    }

    #[test]
    fn a_list_growing_faster_than_the_walk_fails_typed() {
        let mut w = walk(WalkConfig::new().page_size(4).overlap(1).max_in_flight(1));
        let id = burst(&mut w).fetches[0].0;
        w.receive(id, page(&["a", "b", "c", "d"], 100));
        let mut b = burst(&mut w);
        assert_eq!(b.rows.len(), 4);
        // Every later page still ends with "d": three new orders per request.
        let b = loop {
            let Some(&(id, _, _)) = b.fetches.first() else {
                break b;
            };
            w.receive(id, page(&["a", "b", "c", "d"], 100));
            b = burst(&mut w);
            assert!(b.rows.is_empty());
        };
        assert_eq!(b.end, "failed");
        assert!(b.error.unwrap().contains("created faster"));
    }
}
