//! `roistat orders list|info|url|set-status|delete|summary` against the fake server, in
//! every format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{run_on, server};
use serde_json::Value;

const FORMATS: [&str; 4] = ["json", "ndjson", "csv", "table"];

#[test]
fn list_one_page_in_every_format() {
    let s = server(20);
    for format in FORMATS {
        let run = run_on(
            &s,
            &[
                "orders",
                "list",
                "--limit",
                "4",
                "--custom-field",
                "Manager",
                "--custom-field",
                "City",
                "--format",
                format,
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!(format!("list_{format}"), run.transcript());
    }
}

#[test]
fn json_is_the_default_when_stdout_is_not_a_terminal() {
    let s = server(5);
    let run = run_on(&s, &["orders", "list", "--limit", "2"]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
}

#[test]
fn all_reads_every_page_as_one_stream() {
    let s = server(2000);
    let run = run_on(
        &s,
        &[
            "orders", "list", "--all", "--limit", "300", "--format", "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).expect("one valid JSON array");
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2003);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 2003);
    // 2003 orders in pages of 300 overlapping by 20 rows (stitched on ids, several in
    // flight): 8 requests, offsets 0, 280, ... 1960.
    let pages = s.requests().matching("order/list");
    let mut offsets: Vec<u64> = pages
        .iter()
        .map(|r| r.body_json().unwrap()["offset"].as_u64().unwrap())
        .collect();
    offsets.sort_unstable();
    assert_eq!(offsets, (0..8).map(|i| i * 280).collect::<Vec<u64>>());

    let nd = run_on(
        &s,
        &[
            "orders", "list", "--all", "--limit", "500", "--format", "ndjson", "--offset", "3",
        ],
    );
    assert_eq!(nd.stdout.lines().count(), 2000);
    for line in nd.stdout.lines() {
        serde_json::from_str::<Value>(line).unwrap();
    }
    let csv = run_on(&s, &["orders", "list", "--all", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    assert_eq!(reader.headers().unwrap().len(), 12);
    assert_eq!(reader.records().count(), 2003);
    let table = run_on(
        &s,
        &[
            "orders", "list", "--all", "--limit", "1000", "--format", "table",
        ],
    );
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 2004, "one header, one line per order");
    // Later pages line up with the first: the REVENUE column ends at the same place.
    let end = lines[0].find("REVENUE").unwrap() + "REVENUE".len();
    // (A revenue or, for an order without one, a right-aligned `-`.)
    for line in [lines[1], lines[1500], lines[2003]] {
        assert!(
            line.as_bytes()
                .get(end - 1)
                .is_some_and(|b| b.is_ascii_digit() || *b == b'-'),
            "{line}"
        );
    }
}

#[test]
fn filters_are_sent_and_honoured() {
    let s = server(500);
    let run = run_on(
        &s,
        &[
            "orders",
            "list",
            "--all",
            "--format",
            "json",
            "--where",
            "revenue >= 20000",
            "--status",
            "paid",
            "--since",
            "2024-06-01",
            "--until",
            "2024-07-01",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let body = s.requests().last().unwrap().body_json().unwrap();
    insta::assert_json_snapshot!("filters_request", body);
    let orders: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(!orders.is_empty());
    for o in &orders {
        assert!(o["revenue"].as_f64().unwrap() >= 20000.0);
        assert_eq!(o["status"]["type"], "paid");
        let created = o["creation_date"].as_str().unwrap();
        assert!(created.starts_with("2024-06"), "{created}");
    }
}

#[test]
fn with_visits_embeds_the_visit() {
    let s = server(10);
    let run = run_on(
        &s,
        &[
            "orders",
            "list",
            "--with-visits",
            "--limit",
            "5",
            "--offset",
            "3",
            "--format",
            "json",
        ],
    );
    let orders: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(orders.iter().any(|o| o["visit"].is_object()));
    let body = s.requests().last().unwrap().body_json().unwrap();
    assert_eq!(body["extend"], serde_json::json!(["visit"]));
}

#[test]
fn info_and_url_in_every_format() {
    let s = server(0);
    for format in FORMATS {
        let info = run_on(&s, &["orders", "info", "order_12345", "--format", format]);
        assert_eq!(info.code, 0, "{}", info.stderr);
        insta::assert_snapshot!(format!("info_{format}"), info.transcript());
        let url = run_on(&s, &["orders", "url", "123", "--format", format]);
        insta::assert_snapshot!(format!("url_{format}"), url.transcript());
    }
    let missing = run_on(&s, &["orders", "info", "no-such-order"]);
    insta::assert_snapshot!("info_missing", missing.transcript());
}

#[test]
fn set_status_changes_the_order() {
    let s = server(0);
    let run = run_on(
        &s,
        &[
            "orders",
            "set-status",
            "123",
            "deal_WON",
            "--format",
            "table",
        ],
    );
    insta::assert_snapshot!("set_status", run.transcript());
    let list = run_on(
        &s,
        &["orders", "list", "--where", "id = 123", "--format", "json"],
    );
    let orders: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(orders[0]["status"]["id"], "deal_WON");
    let json = run_on(
        &s,
        &[
            "orders",
            "set-status",
            "123",
            "deal_LOSE",
            "--format",
            "json",
        ],
    );
    insta::assert_snapshot!("set_status_json", json.transcript());
    let unknown = run_on(&s, &["orders", "set-status", "123", "nope"]);
    insta::assert_snapshot!("set_status_unknown", unknown.transcript());
}

#[test]
fn delete_needs_yes() {
    let s = server(0);
    let refused = run_on(&s, &["orders", "delete", "95101"]);
    insta::assert_snapshot!("delete_refused", refused.transcript());
    assert!(s.requests().is_empty(), "nothing is sent without --yes");
    let done = run_on(
        &s,
        &["orders", "delete", "95101", "--yes", "--format", "table"],
    );
    insta::assert_snapshot!("delete_done", done.transcript());
    let gone = run_on(&s, &["orders", "info", "95101"]);
    assert_eq!(gone.code, 1);
    assert!(
        gone.stderr.starts_with("error: resource_not_found: "),
        "{}",
        gone.stderr
    );
}

#[test]
fn summary_by_each_group_and_format() {
    let s = server(3000);
    for (by, format) in [
        ("status", "table"),
        ("month", "table"),
        ("custom:Manager", "table"),
        ("status", "json"),
        ("month", "csv"),
        ("custom:City", "ndjson"),
    ] {
        let run = run_on(&s, &["orders", "summary", "--by", by, "--format", format]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let name = format!("summary_{}_{format}", by.replace(':', "_"));
        insta::assert_snapshot!(name, run.transcript());
    }
    // Filters as in list.
    let paid = run_on(
        &s,
        &["orders", "summary", "--status", "paid", "--format", "json"],
    );
    let doc: Value = serde_json::from_str(&paid.stdout).unwrap();
    let all = run_on(&s, &["orders", "summary", "--format", "json"]);
    let all: Value = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(all["total"]["orders"], 3003);
    assert!(doc["total"]["orders"].as_u64().unwrap() < 3003);
}

#[test]
fn changes_report_in_every_format() {
    let s = server(0);
    let mut text = String::new();
    for format in FORMATS {
        for args in [
            &["orders", "set-status", "123", "deal_WON"][..],
            &["statuses", "upsert", "x_1", "Extra, \"quoted\"", "paid"][..],
        ] {
            let r = run_on(&s, &[args, &["--format", format][..]].concat());
            assert_eq!(r.code, 0, "{args:?} {format}: {}", r.stderr);
            text.push_str(&format!(
                "$ {} --format {format}\n{}",
                args.join(" "),
                r.stdout
            ));
        }
    }
    for (id, format) in [("95101", "json"), ("order_12345", "ndjson"), ("123", "csv")] {
        let r = run_on(&s, &["orders", "delete", id, "--yes", "--format", format]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        text.push_str(&format!(
            "$ orders delete {id} --yes --format {format}\n{}",
            r.stdout
        ));
    }
    insta::assert_snapshot!("changes_every_format", text);
    let left = run_on(&s, &["orders", "list", "--format", "json"]);
    assert_eq!(left.stdout, "[]\n");
}
