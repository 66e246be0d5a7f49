//! `--all` keeps the pages in flight in memory, not the export.
//!
//! The CLI reports its own peak RSS (VmHWM from /proc/self/status) when
//! `ROISTAT_CLI_REPORT_PEAK_RSS=1`. The fake server runs in this test process, so the
//! child's memory is the CLI's alone. Three runs over the same server:
//!
//! - `--all` over 24,003 orders in pages of 1,000;
//! - `--all` over the last 5,003 of them (the same page size, so as many pages in
//!   flight): the baseline;
//! - a control that asks for all 24,003 in ONE page, so it must hold them all at once.
//!
//! A CLI that buffered its output (or kept every page) would use about what the control
//! uses; a streaming one stays near the baseline. The control proves the measurement can
//! tell the two apart, so the test can really fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(target_os = "linux")]

mod common;

use common::{roistat, run};

fn peak_kib(server: &common::MockServer, args: &[&str]) -> (u64, usize) {
    let mut cmd = roistat(server, args);
    cmd.env("ROISTAT_CLI_REPORT_PEAK_RSS", "1");
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let orders: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    let kib = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kib: "))
        .expect("peak reported")
        .parse()
        .unwrap();
    (kib, orders.len())
}

#[test]
fn all_keeps_memory_bounded_by_the_pages_in_flight() {
    // The control asks for all 24,003 orders in one page: lift the mock's page cap
    // (5,000 by default, as on live projects).
    let s = common::MockServer::builder()
        .api_key(common::KEY)
        .project(4242)
        .orders(24_000)
        .seed(7)
        .page_cap(30_000)
        .start()
        .expect("start the mock");
    let page = ["--limit", "1000", "--format", "json"];
    let (all, n_all) = peak_kib(&s, &[&["orders", "list", "--all"][..], &page].concat());
    let (base, n_base) = peak_kib(
        &s,
        &[&["orders", "list", "--all", "--offset", "19000"][..], &page].concat(),
    );
    let (control, n_control) = peak_kib(
        &s,
        &["orders", "list", "--limit", "24003", "--format", "json"],
    );
    assert_eq!((n_all, n_base, n_control), (24_003, 5_003, 24_003));
    eprintln!("peak RSS KiB: all {all}, baseline {base}, one-page control {control}");
    let held_by_control = control.saturating_sub(base);
    assert!(
        held_by_control > 20 * 1024,
        "the control should hold far more than one page (held {held_by_control} KiB more)"
    );
    let extra = all.saturating_sub(base);
    assert!(
        extra < held_by_control / 4,
        "--all over 5x the orders used {extra} KiB more than the baseline; holding every \
         order costs about {held_by_control} KiB"
    );
}
