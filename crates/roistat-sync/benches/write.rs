//! `sync_write_rows_per_s`: orders written into SQLite per second by `Mirror::sync`,
//! from an in-memory source (no network), so the figure is the writing side alone:
//! encoding, change detection, upserts and one commit per batch of 1,000, into a file
//! database in WAL mode.
//!
//! Each round syncs 100,000 generated orders (roistat-mock's generator) into a fresh
//! file; the figure is the median of the rounds. A second figure, for the record:
//! a re-sync of the same orders (every row unchanged, only touched).
//!
//! The figure is wall-clock time, fsyncs included; the detail adds the rate per
//! CPU-second of the writing thread and the load average, since on a shared machine
//! the wall-clock rate mostly measures the other processes.
//!
//! Prints `FIGURE sync_write_rows_per_s VALUE DETAIL` (what `cargo xtask bench` reads).

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use roistat_sync::{Mirror, OrderSource, OrderStream, SyncOptions, Uncounted};
use roistat_types::{ListOrdersRequest, Order, Status};

const ORDERS: usize = 100_000;
const ROUNDS: usize = 3;

/// Hands out a prepared list of orders, once per walk.
struct Prepared {
    walks: RefCell<Vec<Vec<Order>>>,
}

#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("never")
    }
}

impl std::error::Error for Never {}

impl OrderSource for Prepared {
    type Error = Never;

    fn orders(&self, _request: ListOrdersRequest) -> Box<dyn OrderStream<Never> + '_> {
        let orders = self.walks.borrow_mut().pop().unwrap_or_default();
        Box::new(Uncounted(orders.into_iter().map(Ok)))
    }

    fn statuses(&self) -> Result<Vec<Status>, Never> {
        Ok(roistat_mock::generate::statuses())
    }

    fn custom_field_names(&self) -> Result<Vec<String>, Never> {
        Ok(Vec::new())
    }
}

fn db(round: usize) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("roistat-sync-bench-{}-{round}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("bench.sqlite")
}

/// This thread's CPU time (Linux), to tell a slow write path from a busy machine.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with no figure.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let orders = roistat_mock::generate::orders(1, ORDERS);
    let mut fresh = Vec::new();
    let mut again = Vec::new();
    let mut fresh_cpu = Vec::new();
    for round in 0..ROUNDS {
        let path = db(round);
        let source = Prepared {
            walks: RefCell::new(vec![orders.clone(), orders.clone()]),
        };
        let mut mirror = Mirror::open(&path).expect("open");
        for second in [false, true] {
            // The second walk is a forced full one: every row is compared and touched.
            let options = SyncOptions::new().full(second);
            let started = Instant::now();
            let cpu_started = thread_cpu();
            let summary = mirror
                .sync(&source, &options, &mut |_| {}, &|| false)
                .expect("sync");
            let secs = started.elapsed().as_secs_f64();
            if !second && let (Some(a), Some(b)) = (cpu_started, thread_cpu()) {
                fresh_cpu.push(ORDERS as f64 / (b - a).as_secs_f64());
            }
            assert_eq!(summary.rows, ORDERS as u64);
            let rates = if second { &mut again } else { &mut fresh };
            rates.push(ORDERS as f64 / secs);
        }
        drop(mirror);
        let _ = std::fs::remove_dir_all(path.parent().expect("dir"));
    }
    let fresh = median(fresh);
    let again = median(again);
    let cpu = if fresh_cpu.is_empty() {
        String::new()
    } else {
        format!(
            "; {:.0} rows per CPU-second of the writing thread, load average {}",
            median(fresh_cpu),
            load_average()
        )
    };
    println!(
        "FIGURE sync_write_rows_per_s {fresh:.0} {ORDERS} new orders into a fresh file \
         (median of {ROUNDS}, wall clock){cpu}; a re-sync of them, all unchanged: \
         {again:.0} rows/s"
    );
}
