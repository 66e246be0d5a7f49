//! Issue 10: an export of 24,003 orders in 1,000-order pages from `roistat-mock` with
//! its default (documented) limits, on the real clock, is never refused and ends within
//! 10 % of what the documented schedule allows.
//!
//! This takes about a minute (its subject is a real one-minute window), so it runs once,
//! through the blocking client only: the schedule, the margins and the walk live in
//! `roistat-core` and are shared by both clients; the async client's use of them is
//! covered on a paused clock (`paused_clock`) and a short window (`live_data`).

use std::time::{Duration, Instant};

use roistat_core::ratelimit::Quota;
use roistat_core::types::ListOrdersRequest;
use roistat_core::walk::default_overlap;
use roistat_core::{RetryPolicy, ScheduleConfig};
use roistat_mock::MockServer;

use crate::support::{Api, builder};

/// The earliest instant (from the first send) at which the `n`-th request may be sent
/// when every request counts in all of `quotas`: a greedy sliding-window schedule.
fn earliest_nth(quotas: &[Quota], n: usize) -> Duration {
    let mut sent: Vec<Duration> = Vec::with_capacity(n);
    for k in 0..n {
        let mut at = sent.last().copied().unwrap_or(Duration::ZERO);
        for q in quotas {
            let max = q.max() as usize;
            if k >= max {
                at = at.max(sent[k - max] + q.window());
            }
        }
        sent.push(at);
    }
    sent.last().copied().unwrap_or(Duration::ZERO)
}

#[test]
fn an_export_of_24003_orders_is_never_refused_and_keeps_to_the_schedule() {
    const PAGE: u32 = 1000;
    let server = MockServer::builder()
        .orders(24_000)
        .seed(24)
        .rate_limits(true)
        .start()
        .unwrap();
    let total = server.store().order_count();
    assert_eq!(
        total, 24_003,
        "24,000 generated and the documented examples"
    );
    let schedule = ScheduleConfig::documented();
    let client: roistat_blocking::Client =
        builder::<roistat_blocking::Client>(&server.base_url(), server.project(), server.api_key())
            .retry_policy(RetryPolicy::default())
            .rate_limits(schedule.clone())
            .timeout(Duration::from_secs(30))
            .total_timeout(Duration::from_secs(180))
            .build()
            .unwrap();

    let started = Instant::now();
    let walk = crate::support::block_on(client.walk(ListOrdersRequest::new(), Some(PAGE), None));
    let took = started.elapsed();
    assert!(walk.error.is_none(), "{:?}", walk.error);
    assert_eq!(walk.orders.len(), total);
    assert_eq!(
        walk.orders
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        server.store().order_ids()
    );

    let log = server.requests().all();
    let refused: Vec<_> = log.iter().filter(|r| r.error.is_some()).collect();
    assert!(refused.is_empty(), "refused: {refused:?}");
    // Pages of 1,000 that overlap by the walk's overlap: N requests.
    let step = PAGE - default_overlap(PAGE);
    let n = 1 + (total as u32 - PAGE).div_ceil(step) as usize;
    assert_eq!(log.len(), n, "{n} pages, no retry");
    assert_eq!(walk.progress.requests as usize, n);

    // Every order-list request counts in its tier and in the project budget.
    let mut quotas = vec![schedule.list_plain];
    quotas.extend(schedule.project.iter().copied());
    let bound = earliest_nth(&quotas, n);
    let span = log[n - 1].arrived_at - log[0].arrived_at;
    eprintln!(
        "24,003 orders in {n} requests: {:.2} s (last request {:.2} s after the first); \
         the schedule allows the {n}th request at {:.2} s at the earliest",
        took.as_secs_f64(),
        span.as_secs_f64(),
        bound.as_secs_f64()
    );
    // The schedule holds (the last request did not leave before the bound) ...
    assert!(
        span + Duration::from_millis(50) >= bound,
        "{span:?} < {bound:?}"
    );
    // ... and costs nothing beyond it: no 60-second penalty after a refusal.
    assert!(
        took.as_secs_f64() <= bound.as_secs_f64() * 1.10,
        "{took:?} is more than 10 % over {bound:?}"
    );
}

#[test]
fn the_bound_of_the_documented_schedule() {
    let s = ScheduleConfig::documented();
    let mut quotas = vec![s.list_plain];
    quotas.extend(s.project.iter().copied());
    // 20 at once (10 per 1.1 s), then the 21st when the 1st leaves the 61-second window.
    assert_eq!(earliest_nth(&quotas, 10), Duration::ZERO);
    assert_eq!(earliest_nth(&quotas, 11), Duration::from_millis(1100));
    assert_eq!(earliest_nth(&quotas, 20), Duration::from_millis(1100));
    assert_eq!(earliest_nth(&quotas, 21), Duration::from_secs(61));
    assert_eq!(earliest_nth(&quotas, 25), Duration::from_secs(61));
}
