//! `roistat orders list --all` while the project changes (issue 11): the fake server
//! inserts and deletes orders before every list request but the first, and every order
//! that existed for the whole export comes out exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, HashSet};

use common::{KEY, MockServer, run_on};
use serde_json::Value;

#[test]
fn all_delivers_every_survivor_once_under_churn() {
    let s = MockServer::builder()
        .api_key(KEY)
        .project(4242)
        .documented_examples(false)
        .orders(3000)
        .seed(7)
        // 9 new orders at the head and 6 random deletes before every page but the first.
        .churn(9, 6)
        .churn_seed(3)
        .start()
        .expect("start the mock");
    let before: HashSet<String> = s.store().order_ids().into_iter().collect();
    let run = run_on(
        &s,
        &[
            "orders", "list", "--all", "--limit", "250", "--format", "ndjson",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let after: HashSet<String> = s.store().order_ids().into_iter().collect();
    let churn = s.churn_stats();
    assert!(churn.rounds >= 10, "too few pages to churn: {churn:?}");

    let mut seen: HashMap<String, u32> = HashMap::new();
    for line in run.stdout.lines() {
        let v: Value = serde_json::from_str(line).expect("one JSON object a line");
        let id = match &v["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        *seen.entry(id).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "ids printed twice: {twice:?}");
    let missed: Vec<_> = before
        .intersection(&after)
        .filter(|id| !seen.contains_key(*id))
        .collect();
    assert!(
        missed.is_empty(),
        "{} survivors missed, e.g. {:?}",
        missed.len(),
        missed.iter().take(5).collect::<Vec<_>>()
    );
    let created: Vec<_> = seen.keys().filter(|id| !before.contains(*id)).collect();
    assert!(
        created.is_empty(),
        "orders created during the export: {created:?}"
    );
}
