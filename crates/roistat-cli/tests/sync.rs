//! `roistat orders sync`: a SQLite mirror, against the mock and with --demo.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::{arg, bin, run, run_on, server};
use roistat_sync::rusqlite::Connection;

fn db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("roistat-cli-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn summary(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn count(path: &PathBuf, sql: &str) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn sync_mirrors_the_project_then_fetches_only_changes() {
    let server = server(700);
    let path = db("mock.sqlite");
    let first = run_on(
        &server,
        &["orders", "sync", "--db", arg(&path), "--format", "json"],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    let s = summary(&first.stdout);
    let total = server.store().order_count() as i64;
    assert_eq!(s["mode"], "full");
    assert_eq!(s["outcome"], "complete");
    assert_eq!(s["new"], total);
    assert_eq!(count(&path, "SELECT count(*) FROM orders"), total);

    server.store().remove_order("200005").unwrap();
    let second = run_on(
        &server,
        &["orders", "sync", "--db", arg(&path), "--format", "table"],
    );
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(
        second.stdout.starts_with(&format!(
            "incremental sync of {}: 0 new, 0 updated, 0 deleted, 0 unchanged; ",
            path.display()
        )),
        "{}",
        second.stdout
    );
    assert_eq!(
        second.stdout.lines().count(),
        1,
        "one line: {}",
        second.stdout
    );

    let full = run_on(&server, &["orders", "sync", "--db", arg(&path), "--full"]);
    assert_eq!(full.code, 0, "{}", full.stderr);
    assert_eq!(summary(&full.stdout)["deleted"], 1);
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM orders WHERE id = '200005' AND deleted_at IS NOT NULL"
        ),
        1
    );
}

#[test]
fn a_filter_that_does_not_parse_is_a_usage_error() {
    let path = db("bad-filter.sqlite");
    let r = run({
        let mut c = bin();
        c.args([
            "--demo",
            "orders",
            "sync",
            "--db",
            arg(&path),
            "--where",
            "revenue >>> 1",
        ]);
        c
    });
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!path.exists(), "nothing created on a usage error");
}

#[test]
fn demo_sync_works_out_of_the_box() {
    let path = db("demo.sqlite");
    let r = run({
        let mut c = bin();
        c.args([
            "--demo",
            "orders",
            "sync",
            "--db",
            arg(&path),
            "--with-visits",
        ]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = summary(&r.stdout);
    assert_eq!(s["new"], 25_003, "{s}");
    // The README's query answers.
    let months = count(
        &path,
        "SELECT count(*) FROM (SELECT strftime('%Y-%m', creation_date) AS month, status_type, \
         sum(revenue) FROM orders WHERE deleted_at IS NULL GROUP BY month, status_type)",
    );
    assert!(months >= 12 * 4, "{months}");
    assert!(
        count(&path, "SELECT count(*) FROM orders WHERE visit IS NOT NULL") > 20_000,
        "visits stored"
    );
}
