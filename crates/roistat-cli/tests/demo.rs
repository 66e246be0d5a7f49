//! `roistat --demo ...`: the README's main-job command works with no account.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::{bin, run};

#[test]
fn demo_lists_every_order_without_an_account() {
    let started = Instant::now();
    let r = run({
        let mut c = bin();
        // Credentials in the environment are ignored by --demo.
        c.args(["--demo", "orders", "list", "--all"])
            .env("ROISTAT_API_KEY", "not-used");
        c
    });
    let took = started.elapsed();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "nothing but data: {}", r.stderr);
    let orders: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        orders.len(),
        25_003,
        "25,000 generated + 3 documented examples"
    );
    assert_eq!(orders[0]["id"], "95101");
    // Newest first: the documented examples, then the generated orders from the
    // highest id down.
    assert_eq!(orders[3]["id"], "225000");
    assert_eq!(orders[25_002]["id"], "200001");
    // A few seconds in a dev build; generous for a loaded CI machine.
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn demo_works_for_every_command() {
    for args in [
        &[
            "--demo", "orders", "list", "--limit", "3", "--format", "table",
        ][..],
        &[
            "--demo",
            "orders",
            "info",
            "order_12345",
            "--format",
            "json",
        ][..],
        &["--demo", "orders", "url", "123", "--format", "table"][..],
        &[
            "--demo", "orders", "summary", "--by", "month", "--format", "table",
        ][..],
        &["--demo", "statuses", "list", "--format", "csv"][..],
        &["--demo", "fields", "list", "--format", "ndjson"][..],
    ] {
        let r = run({
            let mut c = bin();
            c.args(args);
            c
        });
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stdout.is_empty(), "{args:?}");
    }
    let summary = run({
        let mut c = bin();
        c.args([
            "--demo", "orders", "summary", "--by", "status", "--format", "table",
        ]);
        c
    });
    insta::assert_snapshot!("demo_summary", summary.stdout);
}
