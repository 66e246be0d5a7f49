//! The paging engine (`roistat_core::walk`) through both clients against `roistat-mock`
//! (issue 11): exactly once under seeded churn, cap learning, bounded in-flight pages
//! under the rate limiter, memory that does not grow with the walk.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use roistat_core::types::ListOrdersRequest;
use roistat_core::{ScheduleConfig, WalkReport};
use roistat_mock::{MockServer, MockServerBuilder, RateLimits};

use crate::support::{Api, both_clients, builder, mock_client};

both_clients!(
    exactly_once_under_inserts,
    exactly_once_under_deletes,
    exactly_once_under_inserts_and_deletes,
    deletes_beyond_the_overlap_are_refetched,
    learns_the_server_page_cap,
    pages_in_flight_stay_within_the_bound,
    walk_never_exceeds_the_rate_limiter,
    memory_does_not_grow_with_the_walk,
);

/// How a scenario drives the walk (the knobs of `orders()` besides the request).
#[derive(Debug, Clone, Copy)]
struct Knobs {
    page_size: Option<u32>,
    max_in_flight: usize,
}

/// What a walk yielded.
#[derive(Debug)]
struct Outcome {
    ids: Vec<String>,
    report: WalkReport,
}

/// `orders()` with `max_in_flight`, which the shared [`Api::walk`] does not set: walked to
/// its end; an error fails the test.
trait Walker: Api {
    async fn walk_all(&self, knobs: Knobs) -> Outcome;
}

impl Walker for roistat_blocking::Client {
    async fn walk_all(&self, knobs: Knobs) -> Outcome {
        let mut it = self
            .orders(ListOrdersRequest::new())
            .max_in_flight(knobs.max_in_flight);
        if let Some(size) = knobs.page_size {
            it = it.page_size(size);
        }
        let mut ids = Vec::new();
        for order in it.by_ref() {
            ids.push(order.unwrap().id.into_inner());
        }
        Outcome {
            ids,
            report: it.progress(),
        }
    }
}

impl Walker for roistat_async::Client {
    async fn walk_all(&self, knobs: Knobs) -> Outcome {
        let mut stream = self
            .orders(ListOrdersRequest::new())
            .max_in_flight(knobs.max_in_flight);
        if let Some(size) = knobs.page_size {
            stream = stream.page_size(size);
        }
        let mut ids = Vec::new();
        while let Some(order) = stream.next().await {
            ids.push(order.unwrap().id.into_inner());
        }
        Outcome {
            ids,
            report: stream.progress(),
        }
    }
}

/// A mock with `orders` generated orders and no examples (every id is a generated one).
fn mock(orders: usize) -> MockServerBuilder {
    MockServer::builder()
        .documented_examples(false)
        .orders(orders)
        .seed(11)
}

/// Walks `server` and checks the walk's promise: every order that existed from start to
/// end exactly once, no id twice, nothing created during the walk.
async fn walk_checked<C: Walker>(server: &MockServer, knobs: Knobs) -> (Outcome, usize) {
    let before: HashSet<String> = server.store().order_ids().into_iter().collect();
    let client: C = mock_client(server);
    let outcome = client.walk_all(knobs).await;
    let after: HashSet<String> = server.store().order_ids().into_iter().collect();
    let survivors: HashSet<&String> = before.intersection(&after).collect();

    let mut seen: HashMap<&str, u32> = HashMap::new();
    for id in &outcome.ids {
        *seen.entry(id.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "{} ({knobs:?}): ids delivered twice: {twice:?}",
        C::NAME
    );
    let missed: Vec<_> = survivors
        .iter()
        .filter(|id| !seen.contains_key(id.as_str()))
        .collect();
    assert!(
        missed.is_empty(),
        "{} ({knobs:?}): {} survivors missed, e.g. {:?}; report {:?}",
        C::NAME,
        missed.len(),
        missed.iter().take(5).collect::<Vec<_>>(),
        outcome.report
    );
    let created: Vec<_> = outcome
        .ids
        .iter()
        .filter(|id| !before.contains(*id))
        .collect();
    assert!(
        created.is_empty(),
        "orders created during the walk were delivered: {created:?}"
    );
    assert_eq!(outcome.report.rows, outcome.ids.len() as u64);
    assert!(outcome.report.done, "{:?}", outcome.report);
    (outcome, survivors.len())
}

/// `orders` orders in pages of `page` with `inserts` and `deletes` between list
/// requests, one page and four pages in flight; returns the reports (in flight 1, then 4).
async fn churn_scenario<C: Walker>(
    orders: usize,
    page: u32,
    inserts: usize,
    deletes: usize,
) -> Vec<WalkReport> {
    let mut reports = Vec::new();
    for (max_in_flight, seed) in [(1, 7), (4, 8)] {
        let server = mock(orders)
            .churn(inserts, deletes)
            .churn_seed(seed)
            .start()
            .unwrap();
        let knobs = Knobs {
            page_size: Some(page),
            max_in_flight,
        };
        let (outcome, survivors) = walk_checked::<C>(&server, knobs).await;
        let churn = server.churn_stats();
        let pages = orders as u64 / u64::from(page);
        assert!(churn.rounds >= pages, "too few churn rounds: {churn:?}");
        assert_eq!(churn.inserted, (inserts as u64) * churn.rounds);
        assert_eq!(churn.deleted, (deletes as u64) * churn.rounds);
        // Delivered: the survivors plus some of the orders deleted during the walk.
        assert!(outcome.ids.len() >= survivors);
        assert!(outcome.ids.len() <= orders);
        reports.push(outcome.report);
    }
    reports
}

/// 4,000 orders in pages of 250: 17 or more pages, as many churn rounds.
async fn churn_4000<C: Walker>(inserts: usize, deletes: usize) -> Vec<WalkReport> {
    churn_scenario::<C>(4000, 250, inserts, deletes).await
}

async fn exactly_once_under_inserts<C: Walker>() {
    for report in churn_4000::<C>(9, 0).await {
        // Every survivor once (checked above): here all 4,000 survive.
        assert_eq!(report.rows, 4000, "{report:?}");
        // Inserts pushed delivered rows into later pages: stitching dropped them.
        assert!(report.duplicates_suppressed > 0, "{report:?}");
    }
}

async fn exactly_once_under_deletes<C: Walker>() {
    let reports = churn_4000::<C>(0, 6).await;
    // One page at a time, deletes never repeat a row. (With pages in flight they can: a
    // page that reaches the server after the next one saw more deletes than it, so the
    // next one starts further up, as after an insert.)
    assert_eq!(reports[0].duplicates_suppressed, 0, "{:?}", reports[0]);
    for report in reports {
        assert!(report.rows < 4000, "{report:?}");
    }
}

async fn exactly_once_under_inserts_and_deletes<C: Walker>() {
    for report in churn_4000::<C>(9, 6).await {
        assert!(report.duplicates_suppressed > 0, "{report:?}");
    }
}

/// 200 random deletes between requests of 1,000-row pages (overlap 20) over 4,000
/// orders: about 50 of them land in front of the second page, more than the overlap,
/// so that page holds no delivered id and is re-fetched lower (and the overlap widens).
async fn deletes_beyond_the_overlap_are_refetched<C: Walker>() {
    for report in churn_scenario::<C>(4000, 1000, 0, 200).await {
        assert!(report.gaps_refetched > 0, "{report:?}");
        assert!(
            report.overlap > 20,
            "the overlap should have widened: {report:?}"
        );
    }
}

fn list_limits(server: &MockServer) -> Vec<u64> {
    server
        .requests()
        .matching("order/list")
        .iter()
        .map(|r| r.body_json().unwrap()["limit"].as_u64().unwrap())
        .collect()
}

/// A server that serves at most 300 rows a page while the walk asks for 1,000: the walk
/// learns 300 and asks for it from then on; the client's next walk asks 300 at once.
async fn learns_the_server_page_cap<C: Walker>() {
    let server = mock(2600).page_cap(300).start().unwrap();
    let client: C = mock_client(&server);
    let knobs = Knobs {
        page_size: Some(1000),
        max_in_flight: 2,
    };
    let ids: HashSet<String> = server.store().order_ids().into_iter().collect();

    let first = client.walk_all(knobs).await;
    let got: HashSet<&String> = first.ids.iter().collect();
    assert_eq!(first.ids.len(), 2600, "{:?}", first.report);
    assert_eq!(got.len(), 2600, "an id came twice");
    assert!(ids.iter().all(|id| got.contains(id)));
    assert_eq!(first.report.learned_cap, Some(300), "{:?}", first.report);
    let limits = list_limits(&server);
    assert_eq!(limits[0], 1000, "the first page asks what was configured");
    // The first page (alone: `total` is unknown before it) taught the cap.
    assert!(limits.iter().skip(1).all(|&l| l == 300), "{limits:?}");

    server.requests().clear();
    let second = client.walk_all(knobs).await;
    assert_eq!(second.ids, first.ids, "nothing changed: the same walk");
    let limits = list_limits(&server);
    assert!(
        limits.iter().all(|&l| l == 300),
        "second walk asked {limits:?}"
    );
    assert_eq!(second.report.learned_cap, Some(300));
}

/// Latency of 20 ms a page and `max_in_flight(3)`: pages overlap on the server, never
/// more than three at once.
async fn pages_in_flight_stay_within_the_bound<C: Walker>() {
    let server = mock(3000)
        .latency(Duration::from_millis(20), Duration::ZERO)
        .start()
        .unwrap();
    let knobs = Knobs {
        page_size: Some(200),
        max_in_flight: 3,
    };
    let (outcome, survivors) = walk_checked::<C>(&server, knobs).await;
    assert_eq!(outcome.ids.len(), survivors);
    let in_flight = server.requests().max_in_flight("order/list");
    assert!(
        (2..=3).contains(&in_flight),
        "{} list requests in flight at once",
        in_flight
    );
    assert!(
        outcome.report.peak_buffered_pages <= 3,
        "{:?}",
        outcome.report
    );
}

/// The most arrival instants in any sliding `window` (`t` and `u` share one iff
/// `u - t < window`).
fn busiest_window(mut stamps: Vec<Instant>, window: Duration) -> usize {
    stamps.sort();
    let mut worst = 0;
    let mut j = 0;
    for i in 0..stamps.len() {
        while j < stamps.len() && stamps[j] < stamps[i] + window {
            j += 1;
        }
        worst = worst.max(j - i);
    }
    worst
}

/// The documented tiers on a 600 ms "minute" (the plain tier: 20 a minute) enforced by
/// the mock, the client's limiter on a 650 ms minute (the documented 61-for-60 margin,
/// rounded up) and four pages in flight: 30 pages, so the limiter must hold some back;
/// no sliding 600 ms window of arrivals holds more than 20, and nothing is refused.
async fn walk_never_exceeds_the_rate_limiter<C: Walker>() {
    let minute = Duration::from_millis(600);
    let mut limits = RateLimits::documented();
    limits.window = minute;
    // The project budget (10 a "second", 5,000 an "hour") is not what this test is about.
    limits.project_per_second = None;
    limits.project_per_hour = None;
    let server = mock(5600)
        .limits(limits)
        .latency(Duration::from_millis(5), Duration::ZERO)
        .start()
        .unwrap();
    let client: C = builder::<C>(&server.base_url(), server.project(), server.api_key())
        .rate_limits(
            ScheduleConfig::documented()
                .with_minute(Duration::from_millis(650))
                .without_project_budget(),
        )
        .build()
        .unwrap();
    let knobs = Knobs {
        page_size: Some(200),
        max_in_flight: 4,
    };
    let started = Instant::now();
    let outcome = client.walk_all(knobs).await;
    let elapsed = started.elapsed();
    assert_eq!(outcome.ids.len(), 5600, "{:?}", outcome.report);
    let list = server.requests().matching("order/list");
    assert!(
        list.len() > 20,
        "{} pages: the limiter never had to act",
        list.len()
    );
    let refused: Vec<_> = list.iter().filter(|r| r.error.is_some()).collect();
    assert!(refused.is_empty(), "refused: {:?}", refused.first());
    assert_eq!(outcome.report.refusals, 0);
    let busiest = busiest_window(list.iter().map(|r| r.arrived_at).collect(), minute);
    assert!(busiest <= 20, "{busiest} arrivals in one 600 ms window");
    // More than 20 pages cannot arrive within one minute: the walk waited.
    assert!(elapsed >= minute, "{elapsed:?}");
    assert!(server.requests().max_in_flight("order/list") <= 4);
}

/// A walk of 1,000 orders and one of 20,000 (pages of 200, four in flight) hold the same
/// state: `2V + 16` tail ids (V = 20 for pages of 200) and at most `max_in_flight`
/// answered pages, whatever the walk's length. Under churn the overlap widens with the
/// shifts it sees, never beyond half a page: the tail stays within a page.
async fn memory_does_not_grow_with_the_walk<C: Walker>() {
    let knobs = Knobs {
        page_size: Some(200),
        max_in_flight: 4,
    };
    let mut reports = Vec::new();
    for orders in [1_000, 20_000] {
        let server = mock(orders).start().unwrap();
        let (outcome, _) = walk_checked::<C>(&server, knobs).await;
        assert_eq!(outcome.ids.len(), orders);
        reports.push(outcome.report);
    }
    let (short, long) = (reports[0], reports[1]);
    assert!(long.pages >= 10 * short.pages, "{short:?} {long:?}");
    for r in [short, long] {
        assert_eq!(r.overlap, 20, "{r:?}");
        assert_eq!(r.peak_tail_ids, 2 * 20 + 16, "{r:?}");
        assert!(r.peak_buffered_pages <= 4, "{r:?}");
    }

    let server = mock(20_000).churn(3, 1).churn_seed(5).start().unwrap();
    let (churned, _) = walk_checked::<C>(&server, knobs).await;
    let r = churned.report;
    assert!(r.pages > 100, "{r:?}");
    assert!(r.peak_tail_ids <= 2 * r.overlap as usize + 16, "{r:?}");
    assert!(r.peak_tail_ids <= 200, "{r:?}");
    assert!(r.peak_buffered_pages <= 4, "{r:?}");
}
