//! The paging model of live projects: a page cap, a latency model under which
//! concurrent requests overlap (seen in the request log's arrival and answer times),
//! and churn (inserts at the head, random deletes) between order-list requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use roistat_mock::MockServer;
use serde_json::Value;
use support::Api;

const LIST: &str = "/project/integration/order/list";

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pages_are_capped_at_5000_by_default_and_the_cap_is_configurable() {
    let server = MockServer::builder().orders(5200).seed(1).start().unwrap();
    let mut api = Api::new(&server);
    let page = api.list(r#"{"limit": 6000}"#);
    assert_eq!(page["data"].as_array().unwrap().len(), 5000);
    assert_eq!(page["total"], 5203, "total counts every row");
    let page = api.list(r#"{"limit": 5000, "offset": 5000}"#);
    assert_eq!(page["data"].as_array().unwrap().len(), 203);

    let server = MockServer::builder()
        .orders(100)
        .page_cap(40)
        .start()
        .unwrap();
    let mut api = Api::new(&server);
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = api.list(&format!(r#"{{"limit": 100, "offset": {offset}}}"#));
        assert_eq!(page["total"], 103);
        let got = ids(&page);
        assert!(got.len() <= 40, "{}", got.len());
        if got.is_empty() {
            break;
        }
        offset += got.len();
        seen.extend(got);
    }
    assert_eq!(seen.len(), 103);
    assert_eq!(seen, server.store().order_ids());
}

#[test]
fn latency_delays_each_answer_and_concurrent_requests_overlap() {
    let base = Duration::from_millis(300);
    let per_order = Duration::from_micros(500);
    let server = MockServer::builder()
        .orders(200)
        .latency(base, per_order)
        .start()
        .unwrap();
    let barrier = Arc::new(Barrier::new(4));
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let barrier = Arc::clone(&barrier);
            let server = &server;
            scope.spawn(move || {
                let mut api = Api::new(server);
                barrier.wait();
                assert_eq!(
                    api.list(r#"{"limit": 100}"#)["data"]
                        .as_array()
                        .unwrap()
                        .len(),
                    100
                );
            });
        }
    });
    let log = server.requests().all();
    assert_eq!(log.len(), 4);
    for r in &log {
        // The model's delay: base plus 100 rows.
        assert!(
            r.answered_at - r.arrived_at >= base + per_order * 100,
            "{:?}",
            r.answered_at - r.arrived_at
        );
    }
    assert!(
        server.requests().max_in_flight("order/list") >= 2,
        "the delays overlapped"
    );

    // Control: one connection, one request after the other, never two in flight.
    server.requests().clear();
    let mut api = Api::new(&server);
    for _ in 0..3 {
        api.post(LIST, r#"{"limit": 1}"#);
    }
    assert_eq!(server.requests().max_in_flight("order/list"), 1);
    assert_eq!(server.requests().max_in_flight("status/list"), 0);
}

#[test]
fn without_latency_answers_come_at_once() {
    let server = MockServer::start().unwrap();
    let mut api = Api::new(&server);
    api.post(LIST, "{}");
    let r = server.requests().last().unwrap();
    assert!(r.answered_at >= r.arrived_at);
}

/// Walk the list with offsets, as a naive client would, until a short page (under
/// churn an empty page never comes: every request adds rows first).
fn walk(api: &mut Api<'_>, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = api.list(&format!(r#"{{"limit": {limit}, "offset": {offset}}}"#));
        let got = ids(&page);
        let short = got.len() < limit;
        offset += got.len();
        out.extend(got);
        if short {
            return out;
        }
    }
}

#[test]
fn churn_inserts_at_the_head_and_deletes_between_list_requests() {
    let start = || {
        MockServer::builder()
            .documented_examples(false)
            .orders(1000)
            .churn(23, 7)
            .churn_seed(11)
            .start()
            .unwrap()
    };
    let server = start();
    let initial: BTreeSet<String> = server.store().order_ids().into_iter().collect();
    let mut api = Api::new(&server);

    // The first request sees the store as it started.
    let first = api.list(r#"{"limit": 100}"#);
    assert_eq!(first["total"], 1000);
    assert_eq!(server.churn_stats().rounds, 0);
    // Each later one sees one more round: +23 -7.
    let second = api.list(r#"{"limit": 100}"#);
    assert_eq!(second["total"], 1016);
    let head: Vec<String> = ids(&second)[..23].to_vec();
    assert!(
        head.iter().all(|id| !initial.contains(id)),
        "new orders come first: {head:?}"
    );
    // Other methods do not churn.
    api.post("/project/integration/status/list", "");
    let stats = server.churn_stats();
    assert_eq!((stats.rounds, stats.inserted, stats.deleted), (1, 23, 7));

    // A naive offset walk under churn returns duplicates and misses survivors: the
    // model reproduces what paging must handle.
    let walked = walk(&mut api, 100);
    let stats = server.churn_stats();
    let rounds = stats.rounds;
    assert!(rounds >= 10, "{rounds}");
    assert_eq!(stats.inserted, 23 * rounds);
    assert_eq!(stats.deleted, 7 * rounds);
    let final_ids: BTreeSet<String> = server.store().order_ids().into_iter().collect();
    assert_eq!(final_ids.len() as u64, 1000 + 16 * rounds);
    let survivors: BTreeSet<&String> = initial.intersection(&final_ids).collect();
    // Every delete removed an initial order or one that churn had inserted.
    let inserted_then_deleted = stats.inserted as usize - (final_ids.len() - survivors.len());
    assert_eq!(
        (initial.len() - survivors.len()) + inserted_then_deleted,
        stats.deleted as usize
    );
    let mut counts = BTreeMap::<&String, usize>::new();
    for id in &walked {
        *counts.entry(id).or_default() += 1;
    }
    let duplicates = counts.values().filter(|n| **n > 1).count();
    let missed = survivors
        .iter()
        .filter(|id| !counts.contains_key(*id))
        .count();
    assert!(duplicates > 0, "inserts at the head shift later pages");
    assert_eq!(
        missed, 0,
        "23 inserts outweigh 7 deletes: rows only move later"
    );

    // Deletes alone shift rows the other way: survivors slip past the offset.
    let server = MockServer::builder()
        .documented_examples(false)
        .orders(1000)
        .churn(0, 7)
        .churn_seed(11)
        .start()
        .unwrap();
    let initial: BTreeSet<String> = server.store().order_ids().into_iter().collect();
    let walked: Vec<String> = walk(&mut Api::new(&server), 100);
    let seen: BTreeSet<&String> = walked.iter().collect();
    assert_eq!(seen.len(), walked.len(), "no duplicates without inserts");
    let missed = server
        .store()
        .order_ids()
        .into_iter()
        .filter(|id| initial.contains(id) && !seen.contains(id))
        .count();
    assert!(
        missed > 0,
        "deletes behind the offset make survivors slip past it"
    );

    // Seeded: the same requests on a fresh server give the same ids.
    let again = start();
    let mut api2 = Api::new(&again);
    api2.list(r#"{"limit": 100}"#);
    let second_again = api2.list(r#"{"limit": 100}"#);
    assert_eq!(ids(&second_again), ids(&second));
}
