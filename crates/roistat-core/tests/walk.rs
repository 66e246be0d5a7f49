//! The walk against a simulated live list: newest first, orders created at the head and
//! deleted anywhere between requests (also between requests in flight at once), pages
//! cut by a server cap, answers served and received out of order.
//!
//! The contract checked everywhere: every order that exists from the start to the end of
//! the walk is delivered exactly once, no order twice, and no order created during the
//! walk at all.

use std::collections::{HashSet, VecDeque};

use proptest::prelude::*;
use roistat_core::types::{ListOrdersRequest, Order, OrderId, OrderList};
use roistat_core::walk::{FetchId, Walk, WalkConfig, WalkReport, WalkStep};

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// How the list changes before each request is served.
#[derive(Debug, Clone, Copy)]
struct Churn {
    /// Up to this many orders created (uniform in `0..=inserts`).
    inserts: u64,
    /// Up to this many orders deleted anywhere.
    deletes: u64,
    /// Whether the counts are exact instead of "up to".
    exact: bool,
    /// Deletes only among the first this many rows (`None`: anywhere).
    deletes_within: Option<u64>,
}

impl Churn {
    const NONE: Churn = Churn {
        inserts: 0,
        deletes: 0,
        exact: true,
        deletes_within: None,
    };
}

/// The live list: ids, newest first.
struct Server {
    list: VecDeque<u64>,
    next_id: u64,
    cap: Option<u32>,
    churn: Churn,
    rng: Rng,
    deleted: HashSet<u64>,
    initial: HashSet<u64>,
    served: u64,
    /// Answer `total: 0` (as a response without `total` decodes).
    hide_total: bool,
}

impl Server {
    fn new(orders: u64, cap: Option<u32>, churn: Churn, seed: u64) -> Self {
        // Ids grow with age reversed: the newest (largest) first.
        let list: VecDeque<u64> = (0..orders).rev().collect();
        Self {
            initial: list.iter().copied().collect(),
            list,
            next_id: orders,
            cap,
            churn,
            rng: Rng(seed),
            deleted: HashSet::new(),
            served: 0,
            hide_total: false,
        }
    }

    fn churn(&mut self) {
        let count = |rng: &mut Rng, n: u64, exact: bool| if exact { n } else { rng.below(n + 1) };
        let inserts = count(&mut self.rng, self.churn.inserts, self.churn.exact);
        let deletes = count(&mut self.rng, self.churn.deletes, self.churn.exact);
        for _ in 0..inserts {
            self.list.push_front(self.next_id);
            self.next_id += 1;
        }
        for _ in 0..deletes {
            if self.list.is_empty() {
                break;
            }
            let span = self
                .churn
                .deletes_within
                .map_or(self.list.len() as u64, |w| w.min(self.list.len() as u64));
            let at = self.rng.below(span) as usize;
            if let Some(id) = self.list.remove(at) {
                self.deleted.insert(id);
            }
        }
    }

    /// Changes the list (between requests: the walk starts with the first), then
    /// answers one page.
    fn serve(&mut self, offset: u64, limit: u32) -> OrderList {
        if self.served > 0 {
            self.churn();
        }
        self.served += 1;
        let limit = self.cap.map_or(limit, |c| c.min(limit)) as usize;
        let data = self
            .list
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(limit)
            .map(|id| Order::new(OrderId::new_unchecked(id.to_string())))
            .collect();
        let total = if self.hide_total { 0 } else { self.list.len() };
        OrderList::new(data, total as u64)
    }

    /// Orders that existed from the start to now.
    fn survivors(&self) -> HashSet<u64> {
        self.initial.difference(&self.deleted).copied().collect()
    }
}

/// What a walk did.
#[derive(Debug)]
struct Outcome {
    delivered: Vec<u64>,
    report: WalkReport,
    error: Option<String>,
    most_in_flight: usize,
    fetches: u64,
}

impl Outcome {
    /// Ids delivered more than once, and survivors never delivered.
    fn duplicates_and_missed(&self, server: &Server) -> (u64, u64) {
        let mut seen = HashSet::new();
        let duplicates = self
            .delivered
            .iter()
            .filter(|id| !seen.insert(**id))
            .count();
        let missed = server.survivors().difference(&seen).count();
        (duplicates as u64, missed as u64)
    }

    /// The full contract for a walk from offset 0 that ran to its end.
    fn assert_exactly_once(&self, server: &Server) {
        assert_eq!(self.error, None);
        assert_eq!(
            self.duplicates_and_missed(server),
            (0, 0),
            "{:?}",
            self.report
        );
        for id in &self.delivered {
            assert!(
                server.initial.contains(id),
                "{id} was created during the walk"
            );
        }
        assert_eq!(self.report.rows, self.delivered.len() as u64);
        assert!(self.report.done);
    }
}

/// Drives `walk` against `server`. While requests are out, each `Pending` either serves
/// a random request not yet served (after churn) or hands the walk a random served
/// answer, so requests are served and answered in any order.
fn drive(walk: &mut Walk, server: &mut Server, seed: u64) -> Outcome {
    let mut rng = Rng(seed ^ 0xA5A5_A5A5);
    let mut unserved: Vec<(FetchId, u64, u32)> = Vec::new();
    let mut answered: Vec<(FetchId, OrderList)> = Vec::new();
    let mut outcome = Outcome {
        delivered: Vec::new(),
        report: WalkReport::default(),
        error: None,
        most_in_flight: 0,
        fetches: 0,
    };
    loop {
        match walk.poll() {
            WalkStep::Fetch(fetch) => {
                let request = fetch.endpoint.request();
                unserved.push((fetch.id, request.offset.unwrap(), request.limit.unwrap()));
                outcome.fetches += 1;
                assert!(
                    outcome.fetches < 50_000,
                    "a runaway walk: {:?}",
                    walk.report()
                );
                outcome.most_in_flight = outcome.most_in_flight.max(walk.in_flight());
                assert_eq!(walk.in_flight(), unserved.len() + answered.len());
            }
            WalkStep::Deliver(order) => outcome.delivered.push(order.id.as_str().parse().unwrap()),
            WalkStep::Pending => {
                assert!(
                    !unserved.is_empty() || !answered.is_empty(),
                    "pending on nothing"
                );
                let serve = answered.is_empty() || (!unserved.is_empty() && rng.below(2) == 0);
                if serve {
                    let (id, offset, limit) =
                        unserved.swap_remove(rng.below(unserved.len() as u64) as usize);
                    answered.push((id, server.serve(offset, limit)));
                } else {
                    let (id, page) =
                        answered.swap_remove(rng.below(answered.len() as u64) as usize);
                    walk.receive(id, page);
                }
            }
            WalkStep::Failed(error) => outcome.error = Some(error.to_string()),
            WalkStep::Done => break,
            _ => unreachable!("no other step"),
        }
    }
    outcome.report = walk.report();
    outcome
}

fn walk_with(config: WalkConfig) -> Walk {
    Walk::new(ListOrdersRequest::new(), config).unwrap()
}

#[test]
fn a_still_list_is_walked_once_with_little_overlap() {
    let mut server = Server::new(10_000, None, Churn::NONE, 1);
    let mut walk = walk_with(WalkConfig::new().page_size(1000));
    let outcome = drive(&mut walk, &mut server, 1);
    outcome.assert_exactly_once(&server);
    let expected: Vec<u64> = (0..10_000).rev().collect();
    assert_eq!(outcome.delivered, expected, "in list order");
    let r = outcome.report;
    assert_eq!((r.duplicates_suppressed, r.gaps_refetched), (0, 0));
    // 10,000 rows in pages of 1,000 overlapping by 20: 11 pages, every one needed.
    assert_eq!(r.requests, 11);
    assert_eq!(r.requests, outcome.fetches);
    assert_eq!(r.pages, r.requests);
    assert_eq!(r.resume_offset, 10_000);
}

#[test]
fn inserts_at_the_head_are_never_delivered_and_shift_nothing_twice() {
    let churn = Churn {
        inserts: 23,
        deletes: 0,
        exact: true,
        deletes_within: None,
    };
    let mut server = Server::new(15_000, None, churn, 2);
    let mut walk = walk_with(WalkConfig::new().page_size(1000).max_in_flight(4));
    let outcome = drive(&mut walk, &mut server, 2);
    outcome.assert_exactly_once(&server);
    assert_eq!(outcome.delivered.len(), 15_000);
    assert!(
        outcome.report.duplicates_suppressed > 0,
        "{:?}",
        outcome.report
    );
    assert!(outcome.most_in_flight <= 4);
    assert_eq!(outcome.most_in_flight, 4, "the slots are used");
}

#[test]
fn deletes_beyond_the_overlap_are_refetched() {
    let churn = Churn {
        inserts: 0,
        deletes: 40,
        exact: true,
        deletes_within: Some(1_000),
    };
    let mut server = Server::new(15_000, None, churn, 3);
    // An overlap of 5 rows cannot absorb 40 deletes in front of the next page: gaps
    // must be repaired.
    let config = WalkConfig::new()
        .page_size(1000)
        .overlap(5)
        .max_in_flight(1);
    let mut walk = walk_with(config);
    let outcome = drive(&mut walk, &mut server, 3);
    outcome.assert_exactly_once(&server);
    let r = outcome.report;
    assert!(r.gaps_refetched > 0, "{r:?}");
    // The overlap grew with the shifts seen, so the gaps stopped.
    assert!(r.overlap > 5, "{r:?}");
    assert!(r.gaps_refetched < 5, "{r:?}");
    assert_eq!(r.duplicates_suppressed, 0);
}

#[test]
fn inserts_and_deletes_with_pages_in_flight() {
    let churn = Churn {
        inserts: 23,
        deletes: 7,
        exact: false,
        deletes_within: None,
    };
    for seed in 0..8 {
        let mut server = Server::new(15_000, None, churn, seed);
        let config = WalkConfig::new().page_size(1000).max_in_flight(4);
        let mut walk = walk_with(config);
        let outcome = drive(&mut walk, &mut server, seed);
        outcome.assert_exactly_once(&server);
        assert!(outcome.most_in_flight <= 4);
        assert!(outcome.report.peak_buffered_pages <= 4);
    }
}

#[test]
fn the_servers_cap_is_learned() {
    let churn = Churn {
        inserts: 5,
        deletes: 2,
        exact: true,
        deletes_within: None,
    };
    let mut server = Server::new(8_000, Some(700), churn, 4);
    let mut walk = walk_with(WalkConfig::new().page_size(5000).max_in_flight(3));
    let outcome = drive(&mut walk, &mut server, 4);
    outcome.assert_exactly_once(&server);
    assert_eq!(walk.learned_cap(), Some(700));
    assert_eq!(outcome.report.learned_cap, Some(700));
    assert_eq!(walk.page_size(), 700);
    // The next walk of the same client starts with the cap: no page asks for more.
    let mut server = Server::new(3_000, Some(700), Churn::NONE, 5);
    let config = WalkConfig::new().known_cap(700).max_in_flight(2);
    let mut walk = walk_with(config);
    let outcome = drive(&mut walk, &mut server, 5);
    outcome.assert_exactly_once(&server);
    assert_eq!(walk.page_size(), 700);
    assert_eq!(outcome.report.gaps_refetched, 0);
}

#[test]
fn max_orders_under_churn_delivers_that_many_distinct_old_orders() {
    let churn = Churn {
        inserts: 10,
        deletes: 3,
        exact: true,
        deletes_within: None,
    };
    let mut server = Server::new(5_000, None, churn, 6);
    let config = WalkConfig::new()
        .page_size(500)
        .max_orders(1_234)
        .max_in_flight(3);
    let mut walk = walk_with(config);
    let outcome = drive(&mut walk, &mut server, 6);
    assert_eq!(outcome.error, None);
    assert_eq!(outcome.delivered.len(), 1_234);
    let distinct: HashSet<u64> = outcome.delivered.iter().copied().collect();
    assert_eq!(distinct.len(), 1_234);
    assert!(distinct.is_subset(&server.initial));
    // Newest first, with no survivor skipped before the last delivered one.
    let last = *outcome.delivered.last().unwrap();
    let skipped = server
        .survivors()
        .into_iter()
        .filter(|id| *id > last && !distinct.contains(id))
        .count();
    assert_eq!(skipped, 0);
}

#[test]
fn a_resumed_walk_starts_at_its_offset() {
    let mut server = Server::new(3_000, None, Churn::NONE, 7);
    let request = ListOrdersRequest::new().offset(1_000);
    let mut walk = Walk::new(request, WalkConfig::new().page_size(400)).unwrap();
    let outcome = drive(&mut walk, &mut server, 7);
    let expected: Vec<u64> = (0..2_000).rev().collect();
    assert_eq!(outcome.delivered, expected);
    assert_eq!(outcome.report.resume_offset, 3_000);
}

/// The figure of the issue: 60,000 orders, churn after every request, the default page
/// and concurrency: duplicates + missed survivors = 0, with a few % of overlap at most.
#[test]
fn sixty_thousand_orders_with_churn_after_every_request() {
    let churn = Churn {
        inserts: 23,
        deletes: 7,
        exact: true,
        deletes_within: None,
    };
    let mut server = Server::new(60_000, None, churn, 60);
    let mut walk = walk_with(WalkConfig::new());
    let outcome = drive(&mut walk, &mut server, 60);
    let (duplicates, missed) = outcome.duplicates_and_missed(&server);
    let r = outcome.report;
    eprintln!(
        "walk_exactly_once: duplicates + missed = {} ({} rows, {} requests, overlap {}, \
         {} duplicates suppressed, {} gaps re-fetched)",
        duplicates + missed,
        r.rows,
        r.requests,
        r.overlap,
        r.duplicates_suppressed,
        r.gaps_refetched
    );
    assert_eq!(duplicates + missed, 0);
    outcome.assert_exactly_once(&server);
    // Rows delivered per row asked: the overlap and the re-fetches cost little.
    let asked = r.requests * u64::from(walk.page_size());
    assert!(
        r.rows as f64 / asked as f64 >= 0.9,
        "{} rows for {asked} asked: {r:?}",
        r.rows
    );
    assert!(r.peak_tail_ids <= walk.page_size() as usize);
    assert!(r.peak_buffered_pages <= 4);
}

/// Memory does not grow with the walk: the same bounds for 2,000 and 40,000 orders.
#[test]
fn memory_does_not_grow_with_the_walk() {
    let churn = Churn {
        inserts: 10,
        deletes: 10,
        exact: false,
        deletes_within: None,
    };
    let mut peaks = Vec::new();
    for orders in [2_000, 40_000] {
        let mut server = Server::new(orders, None, churn, 8);
        let mut walk = walk_with(WalkConfig::new().page_size(500).max_in_flight(3));
        let outcome = drive(&mut walk, &mut server, 8);
        outcome.assert_exactly_once(&server);
        let r = outcome.report;
        assert!(r.peak_buffered_pages <= 3, "{r:?}");
        // The tail: twice the overlap plus a little, at most a page.
        assert!(r.peak_tail_ids <= 2 * r.overlap as usize + 16, "{r:?}");
        assert!(r.peak_tail_ids <= 500, "{r:?}");
        peaks.push(r.peak_tail_ids);
    }
    // Bounds that do not depend on the orders walked held for both; the longer walk
    // kept no more than the page size of ids, 1.25 % of its rows.
    assert!(peaks[1] * 80 <= 40_000, "{peaks:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any seed, list size, page size, cap, concurrency and moderate churn (a small part
    /// of a page between two requests): exactly once.
    #[test]
    fn exactly_once_under_any_moderate_churn(
        seed in any::<u64>(),
        orders in 0u64..3_000,
        page in 8u32..400,
        cap in proptest::option::of(8u32..400),
        in_flight in 1usize..6,
        insert_rate in 0u32..=100,
        delete_rate in 0u32..=100,
        max_orders in proptest::option::of(0u64..3_000),
        hide_total in proptest::bool::weighted(0.2),
    ) {
        let effective = cap.map_or(page, |c| c.min(page));
        // Per request, up to 1/(4 * in flight) of a page each way. (Inserts beyond a
        // page step per request outrun any walk: see the test below.)
        let per_request = u64::from(effective) / (4 * in_flight as u64);
        let churn = Churn {
            inserts: per_request * u64::from(insert_rate) / 100,
            deletes: per_request * u64::from(delete_rate) / 100,
            exact: false,
            deletes_within: None,
        };
        let mut server = Server::new(orders, cap, churn, seed);
        server.hide_total = hide_total;
        let mut config = WalkConfig::new().page_size(page).max_in_flight(in_flight);
        if let Some(max) = max_orders {
            config = config.max_orders(max);
        }
        let mut walk = walk_with(config);
        let outcome = drive(&mut walk, &mut server, seed);
        prop_assert_eq!(&outcome.error, &None);
        for id in &outcome.delivered {
            prop_assert!(server.initial.contains(id));
        }
        let (duplicates, missed) = outcome.duplicates_and_missed(&server);
        prop_assert_eq!(duplicates, 0);
        match max_orders {
            Some(max) if outcome.delivered.len() as u64 == max => {
                // Stopped early: no survivor newer than the last delivered is missing.
                let delivered: HashSet<u64> = outcome.delivered.iter().copied().collect();
                let last = outcome.delivered.last().copied().unwrap_or(u64::MAX);
                let skipped = server
                    .survivors()
                    .into_iter()
                    .filter(|id| *id > last && !delivered.contains(id))
                    .count();
                prop_assert_eq!(skipped, 0);
            }
            _ => prop_assert_eq!(missed, 0),
        }
        prop_assert!(outcome.delivered.len() as u64 <= max_orders.unwrap_or(u64::MAX));
        prop_assert!(outcome.most_in_flight <= in_flight);
        let r = outcome.report;
        prop_assert!(r.peak_buffered_pages <= in_flight);
        prop_assert!(r.peak_tail_ids <= page as usize);
        prop_assert_eq!(r.rows, outcome.delivered.len() as u64);
        prop_assert_eq!(r.requests, outcome.fetches);
        if cap.is_some_and(|c| c < page)
            && orders >= 3 * u64::from(effective)
            && max_orders.is_none()
            && !hide_total
        {
            prop_assert_eq!(r.learned_cap, cap);
        }
    }

    /// Whatever happens, no order is delivered twice (even when the churn is so heavy
    /// that the walk gives up), and a failure is the typed "changed too fast" one.
    #[test]
    fn never_twice_even_under_heavy_churn(
        seed in any::<u64>(),
        orders in 0u64..2_000,
        page in 4u32..100,
        in_flight in 1usize..5,
        inserts in 0u64..60,
        deletes in 0u64..60,
    ) {
        let churn = Churn { inserts, deletes, exact: false, deletes_within: None };
        let mut server = Server::new(orders, None, churn, seed);
        let config = WalkConfig::new().page_size(page).max_in_flight(in_flight);
        let mut walk = walk_with(config);
        let outcome = drive(&mut walk, &mut server, seed);
        let (duplicates, missed) = outcome.duplicates_and_missed(&server);
        prop_assert_eq!(duplicates, 0);
        for id in &outcome.delivered {
            prop_assert!(server.initial.contains(id));
        }
        match &outcome.error {
            None => prop_assert_eq!(missed, 0),
            Some(e) => prop_assert!(e.contains("changed too fast"), "{}", e),
        }
    }
}
