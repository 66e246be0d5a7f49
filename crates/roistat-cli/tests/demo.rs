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

/// Runs `roistat --demo ARGS`; exit 0 expected.
fn demo(args: &[&str]) -> String {
    let r = run({
        let mut c = bin();
        c.arg("--demo").args(args);
        c
    });
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.stdout
}

#[test]
fn demo_works_for_every_command() {
    // The demo's data is fixed (the documented examples plus seed 1): each command shows
    // a value known in advance.
    let list = demo(&["orders", "list", "--limit", "3", "--format", "table"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 4, "a header and 3 orders: {list}");
    assert!(lines[0].starts_with("ID "), "{list}");
    assert!(lines[1].starts_with("95101 "), "{list}");
    assert!(
        lines[2].starts_with("order_12345  2022-04-12 04:34  Rejected")
            && lines[2].contains("9,989.73"),
        "{list}"
    );

    let info: serde_json::Value = serde_json::from_str(&demo(&[
        "orders",
        "info",
        "order_12345",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(info["order"]["id"], "order_12345");
    assert_eq!(info["order"]["price"], 9989.728);
    assert_eq!(info["order"]["visit"]["city"], "Berlin");

    assert_eq!(
        demo(&["orders", "url", "123", "--format", "table"]),
        "http://new123qwerty.amocrm.ru/leads/detail/123\n"
    );

    let months = demo(&["orders", "summary", "--by", "month", "--format", "table"]);
    assert!(months.starts_with("MONTH "), "{months}");
    assert!(
        months.lines().any(|l| l.starts_with("2022-04       1 ")),
        "the documented example's month: {months}"
    );
    let counted: u64 = months
        .lines()
        .filter(|l| l.as_bytes().first().is_some_and(u8::is_ascii_digit))
        .map(|l| {
            let n = l.split_whitespace().nth(1).unwrap();
            n.replace(',', "").parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(counted, 25_003, "every order in some month: {months}");

    let statuses = demo(&["statuses", "list", "--format", "csv"]);
    let mut rows = statuses.lines();
    assert_eq!(rows.next(), Some("id,name,type"));
    assert_eq!(
        rows.next(),
        Some("deal_WON,Successful deal (Main) (Deals),paid")
    );
    assert_eq!(statuses.lines().count(), 17, "16 statuses: {statuses}");

    let fields = demo(&["fields", "list", "--format", "ndjson"]);
    assert_eq!(
        fields.lines().collect::<Vec<_>>(),
        ["\"City\"", "\"Cashier\"", "\"Manager\""]
    );

    let summary = run({
        let mut c = bin();
        c.args([
            "--demo", "orders", "summary", "--by", "status", "--format", "table",
        ]);
        c
    });
    insta::assert_snapshot!("demo_summary", summary.stdout);
}
