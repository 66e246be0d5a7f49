//! Peak heap while streaming the order list through the pager: 200,000 orders (with
//! visits, 1,000 per page) against 10,000. A streaming client holds one page at a time,
//! so the two peaks should be the same; anything that grows with the export (a buffer of
//! every order, a log of every page) shows as a ratio above 1.
//!
//! The fake server runs in its own process (its store of 200,000 orders must not count),
//! and each stream runs in a fresh child process of this binary under dhat, because
//! dhat's peak cannot be reset within a process.
//!
//! ```text
//! cargo build --release -p roistat-mock
//! cargo bench -p roistat-blocking --bench stream_memory
//! ```
//!
//! Prints the figure `stream_memory_growth` (peak at 200,000 / peak at 10,000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use roistat_blocking::Client;
use roistat_blocking::ScheduleConfig;
use roistat_blocking::types::ListOrdersRequest;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const SMALL: u64 = 10_000;
const LARGE: u64 = 200_000;

/// Child mode: stream `n` orders from `base_url`, print the peak heap.
fn child(n: u64, base_url: &str) {
    let profiler = dhat::Profiler::builder().testing().build();
    let client = Client::builder()
        .project(12345u64)
        .api_key("demo-key")
        .base_url(base_url)
        .rate_limits(ScheduleConfig::disabled())
        .build()
        .unwrap();
    let mut count = 0u64;
    let mut revenue = 0.0;
    let mut orders = client
        .orders(ListOrdersRequest::new().with_visits())
        .max_orders(n);
    for order in &mut orders {
        let order = order.unwrap();
        revenue += order.revenue.unwrap_or(0.0);
        count += 1;
    }
    assert_eq!(count, n);
    let pages = orders.progress().pages;
    let stats = dhat::HeapStats::get();
    drop(profiler);
    println!(
        "PEAK {n} {} {} {pages} {revenue}",
        stats.max_bytes, stats.total_blocks
    );
}

fn mock_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("ROISTAT_MOCK_BIN") {
        return p.into();
    }
    // target/release/deps/stream_memory-HASH -> target/release/roistat-mock
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join(format!("roistat-mock{}", std::env::consts::EXE_SUFFIX))
}

/// Kills the server when the bench ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server() -> (Server, String) {
    let bin = mock_binary();
    assert!(
        bin.exists(),
        "{} not found: run `cargo build --release -p roistat-mock` first (or set ROISTAT_MOCK_BIN)",
        bin.display()
    );
    let mut child = Command::new(&bin)
        .args([
            "--orders",
            &LARGE.to_string(),
            "--seed",
            "1",
            "--no-rate-limit",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    // The server prints its base URL once it listens.
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the mock server exited before printing its base URL")
            .unwrap();
        if let Some(url) = line.strip_prefix("base URL:") {
            break url.trim().to_owned();
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (server, url)
}

/// Runs one child, returns (peak bytes, allocations, pages).
fn measure(n: u64, base_url: &str) -> (u64, u64, u64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .env("ROISTAT_STREAM_CHILD", n.to_string())
        .env("ROISTAT_STREAM_URL", base_url)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "child for {n} orders failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("PEAK "))
        .unwrap_or_else(|| panic!("no PEAK line in {text:?}"));
    let f: Vec<u64> = line
        .split_whitespace()
        .take(4)
        .map(|x| x.parse().unwrap())
        .collect();
    (f[1], f[2], f[3])
}

fn main() {
    if let (Some(n), Some(url)) = (
        std::env::var("ROISTAT_STREAM_CHILD").ok(),
        std::env::var("ROISTAT_STREAM_URL").ok(),
    ) {
        child(n.parse().unwrap(), &url);
        return;
    }
    // `cargo bench` passes `--bench`; a filter that does not name this bench skips it.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args
        .iter()
        .any(|a| !a.starts_with('-') && !"stream_memory_growth".contains(a.as_str()))
    {
        return;
    }
    let (_server, url) = start_server();
    let (small, small_allocs, small_pages) = measure(SMALL, &url);
    let (large, large_allocs, large_pages) = measure(LARGE, &url);
    let ratio = large as f64 / small as f64;
    println!(
        "FIGURE stream_memory_growth {ratio:.3} peak heap {:.2} MiB at {LARGE} orders ({large_pages} pages, {large_allocs} allocations) vs {:.2} MiB at {SMALL} ({small_pages} pages, {small_allocs} allocations)",
        large as f64 / (1 << 20) as f64,
        small as f64 / (1 << 20) as f64,
    );
}
