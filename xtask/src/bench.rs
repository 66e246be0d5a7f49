//! `cargo xtask bench`: runs every benchmark and prints one line per figure, then
//! whether each meets its target.
//!
//! Each figure is a ratio of two things measured side by side in one process, so it
//! holds on a noisy machine:
//!
//! - `decode_vs_struct`, `decode_vs_value`: `crates/roistat-types/benches/decode.rs`;
//! - `blocking_overhead`: `crates/roistat-blocking/benches/overhead.rs`;
//! - `async_overhead`: `crates/roistat-async/benches/overhead.rs`;
//! - `stream_memory_growth`: `crates/roistat-blocking/benches/stream_memory.rs` (dhat);
//! - `rate_limit_utilization`, `export_throughput_vs_limit`: simulated here, over a day
//!   of injected clock, through the SDK's own `Call`, `RateLimiter` and page-size choice;
//! - `mock_requests_per_second`: `crates/roistat-mock/examples/throughput.rs`;
//! - `sync_write_rows_per_s` (a rate, not a ratio): `crates/roistat-sync/benches/write.rs`;
//! - `export_vs_bound`, `export_vs_cap1000`, `walk_exactly_once`:
//!   `crates/roistat-blocking/benches/walk.rs`, whole walks against the mock with its
//!   latency model, churn and the documented limits on a 2-second minute.
//!
//! `--only NAME[,NAME...]` measures only the named figures (and builds only what they
//! need); the others print as not measured and do not count as missed.
//!
//! The bench binaries print `FIGURE name value detail` when `ROISTAT_BENCH_FIGURES` is
//! set (interleaved rounds instead of criterion's one-after-the-other runs); without
//! `--no-criterion` the criterion groups run afterwards too (1 s warm-up, 3 s
//! measurement), and their medians are printed as a cross-check.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use roistat_core::endpoints::ListOrders;
use roistat_core::ratelimit::Tier;
use roistat_core::types::ListOrdersRequest;
use roistat_core::{
    ClientBuilder, DEFAULT_MAX_PAGE_SIZE, Engine, FromEngine, Response, ScheduleConfig, Step,
    best_page_size,
};

/// A figure: its value, how it was measured, and its target.
struct Figure {
    value: Option<f64>,
    detail: String,
    target: Target,
}

#[derive(Clone, Copy)]
enum Target {
    AtLeast(f64),
    AtMost(f64),
    Between(f64, f64),
    Record,
}

impl Target {
    fn describe(self) -> String {
        match self {
            Target::AtLeast(x) => format!(">= {x}"),
            Target::AtMost(x) => format!("<= {x}"),
            Target::Between(a, b) => format!("between {a} and {b}"),
            Target::Record => "none (for the record)".into(),
        }
    }

    fn met(self, v: f64) -> bool {
        match self {
            Target::AtLeast(x) => v >= x,
            Target::AtMost(x) => v <= x,
            Target::Between(a, b) => v >= a && v <= b,
            Target::Record => true,
        }
    }
}

/// The figures, in the order the issue lists them.
const ORDER: [(&str, Target); 12] = [
    ("decode_vs_struct", Target::AtLeast(0.9)),
    ("decode_vs_value", Target::AtLeast(1.5)),
    ("blocking_overhead", Target::AtLeast(0.95)),
    ("async_overhead", Target::AtLeast(0.95)),
    ("stream_memory_growth", Target::AtMost(1.1)),
    ("rate_limit_utilization", Target::Between(0.95, 1.0)),
    ("export_throughput_vs_limit", Target::AtLeast(0.95)),
    ("mock_requests_per_second", Target::Record),
    ("sync_write_rows_per_s", Target::AtLeast(100_000.0)),
    ("export_vs_bound", Target::AtLeast(0.9)),
    ("export_vs_cap1000", Target::AtLeast(4.0)),
    ("walk_exactly_once", Target::AtMost(0.0)),
];

/// The bench binaries: package, bench, the figures it prints.
const BENCHES: [(&str, &str, &[&str]); 6] = [
    (
        "roistat-types",
        "decode",
        &["decode_vs_struct", "decode_vs_value"],
    ),
    ("roistat-blocking", "overhead", &["blocking_overhead"]),
    ("roistat-async", "overhead", &["async_overhead"]),
    (
        "roistat-blocking",
        "stream_memory",
        &["stream_memory_growth"],
    ),
    ("roistat-sync", "write", &["sync_write_rows_per_s"]),
    (
        "roistat-blocking",
        "walk",
        &["export_vs_bound", "export_vs_cap1000", "walk_exactly_once"],
    ),
];

pub fn run(args: &[String], root: &Path) -> Result<(), String> {
    let mut criterion = true;
    let mut only: Option<Vec<String>> = None;
    let mut args = args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--no-criterion" => criterion = false,
            "--only" => {
                let names = args.next().ok_or("--only needs a list of figure names")?;
                let names: Vec<String> = names.split(',').map(str::to_owned).collect();
                if let Some(bad) = names.iter().find(|n| !ORDER.iter().any(|(o, _)| o == n)) {
                    return Err(format!("unknown figure `{bad}`"));
                }
                only = Some(names);
            }
            other => {
                return Err(format!(
                    "unknown option `{other}` (known: --no-criterion, --only NAME[,NAME...])"
                ));
            }
        }
    }
    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    // A subset skips the criterion cross-check (it only concerns three of the figures).
    let criterion = criterion && only.is_none();
    let started = Instant::now();
    let mut figures: BTreeMap<&str, Figure> = ORDER
        .iter()
        .map(|(name, target)| {
            (
                *name,
                Figure {
                    value: None,
                    detail: "not measured".into(),
                    target: *target,
                },
            )
        })
        .collect();
    let mut notes = Vec::new();

    let benches: Vec<(&str, &str)> = BENCHES
        .iter()
        .filter(|(_, _, names)| names.iter().any(|n| wanted(n)))
        .map(|(package, bench, _)| (*package, *bench))
        .collect();
    eprintln!("== building (release): the benches, the mock server and its throughput example");
    if wanted("mock_requests_per_second") {
        cargo(
            root,
            &[
                "build",
                "--release",
                "-p",
                "roistat-mock",
                "--bin",
                "roistat-mock",
                "--example",
                "throughput",
            ],
            &[],
        )?;
    }
    if !benches.is_empty() {
        let mut build = vec!["bench", "--no-run"];
        for (package, bench) in &benches {
            build.extend(["-p", package, "--bench", bench]);
        }
        cargo(root, &build, &[])?;
    }

    // Simulated first: they take a second and fail loudly if the core is wrong.
    if wanted("rate_limit_utilization") || wanted("export_throughput_vs_limit") {
        eprintln!("== simulating a day of the documented rate limits (injected clock)");
        let (value, detail) = rate_limit_utilization();
        set(&mut figures, "rate_limit_utilization", value, detail);
        let (value, detail) = export_throughput_vs_limit();
        set(&mut figures, "export_throughput_vs_limit", value, detail);
    }

    for (package, bench) in benches {
        eprintln!("== {package} --bench {bench} (interleaved figures)");
        let out = cargo(
            root,
            &["bench", "-q", "-p", package, "--bench", bench],
            &[("ROISTAT_BENCH_FIGURES", "1")],
        )?;
        for line in out.lines() {
            if let Some(rest) = line.strip_prefix("FIGURE ") {
                let mut parts = rest.splitn(3, ' ');
                let (Some(name), Some(value)) = (parts.next(), parts.next()) else {
                    continue;
                };
                let detail = parts.next().unwrap_or_default().to_string();
                if let Some(key) = ORDER.iter().map(|(n, _)| *n).find(|n| *n == name) {
                    set(&mut figures, key, value.parse().ok(), detail);
                }
            } else if let Some(note) = line.strip_prefix("NOTE ") {
                notes.push(note.to_string());
            }
        }
    }

    if wanted("mock_requests_per_second") {
        eprintln!("== roistat-mock throughput example (2 keep-alive clients, 3 s, visits)");
        let example = root.join("target/release/examples/throughput");
        match run_capture(
            Command::new(&example)
                .args(["2", "3", "1"])
                .current_dir(root),
        ) {
            Ok(out) => {
                let rps = out.lines().find_map(|l| {
                    let (head, _) = l.split_once(" requests/s")?;
                    head.rsplit(' ').next()?.parse::<f64>().ok()
                });
                set(
                    &mut figures,
                    "mock_requests_per_second",
                    rps,
                    out.trim().to_string(),
                );
            }
            Err(e) => notes.push(format!("mock throughput example failed: {e}")),
        }
    }

    if criterion {
        eprintln!("== criterion (1 s warm-up, 3 s measurement per function)");
        for (package, bench) in [
            ("roistat-types", "decode"),
            ("roistat-blocking", "overhead"),
            ("roistat-async", "overhead"),
        ] {
            cargo(
                root,
                &[
                    "bench",
                    "-q",
                    "-p",
                    package,
                    "--bench",
                    bench,
                    "--",
                    "--warm-up-time",
                    "1",
                    "--measurement-time",
                    "3",
                ],
                &[],
            )?;
        }
        notes.extend(criterion_cross_check(root));
    }

    println!();
    println!(
        "roistat-rs benchmark figures ({:.0} s):",
        started.elapsed().as_secs_f64()
    );
    for (name, _) in ORDER.iter().filter(|(n, _)| wanted(n)) {
        let f = &figures[name];
        match f.value {
            Some(v) => println!("{name}: {}   ({})", format_value(name, v), f.detail),
            None => println!("{name}: not measured   ({})", f.detail),
        }
    }
    println!();
    println!("targets:");
    let mut missed = 0;
    let mut counted = 0;
    for (name, target) in ORDER {
        if !wanted(name) {
            continue;
        }
        counted += usize::from(!matches!(target, Target::Record));
        let f = &figures[name];
        let verdict = match f.value {
            Some(_) if matches!(f.target, Target::Record) => "recorded",
            Some(v) if f.target.met(v) => "MET",
            Some(_) => {
                missed += 1;
                "MISSED"
            }
            None => {
                missed += 1;
                "NOT MEASURED"
            }
        };
        println!("{name}: target {} -> {verdict}", f.target.describe());
    }
    if !notes.is_empty() {
        println!();
        println!("notes:");
        for n in &notes {
            println!("- {n}");
        }
    }
    println!();
    println!("{missed} of {counted} targets missed");
    Ok(())
}

fn set(figures: &mut BTreeMap<&str, Figure>, name: &str, value: Option<f64>, detail: String) {
    if let Some(f) = figures.get_mut(name) {
        f.value = value;
        f.detail = detail;
    }
}

fn format_value(name: &str, v: f64) -> String {
    if matches!(
        name,
        "mock_requests_per_second" | "sync_write_rows_per_s" | "walk_exactly_once"
    ) {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// Runs cargo in `root`, streaming its stderr, returning its stdout.
fn cargo(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(args).current_dir(root);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run_capture(&mut cmd).map_err(|e| format!("cargo {}: {e}", args.join(" ")))
}

fn run_capture(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("exited with {}\n{text}", out.status));
    }
    Ok(text)
}

/// The medians criterion wrote, as ratios like the figures (a cross-check: criterion
/// runs the variants one after the other, so on a busy machine these drift more).
fn criterion_cross_check(root: &Path) -> Vec<String> {
    let median = |group: &str, func: &str| -> Option<f64> {
        let path = root.join(format!(
            "target/criterion/{group}/{func}/new/estimates.json"
        ));
        let text = std::fs::read_to_string(path).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["median"]["point_estimate"].as_f64()
    };
    let mut out = Vec::new();
    let mut ratio = |name: &str, group: &str, theirs: &str, ours: &str| match (
        median(group, theirs),
        median(group, ours),
    ) {
        (Some(t), Some(o)) if o > 0.0 => out.push(format!(
            "criterion cross-check {name}: {:.3} (medians {:.1} µs vs {:.1} µs)",
            t / o,
            o / 1e3,
            t / 1e3
        )),
        _ => out.push(format!("criterion cross-check {name}: no estimates found")),
    };
    ratio(
        "decode_vs_struct",
        "decode_order_page",
        "strict_struct",
        "roistat_types",
    );
    ratio(
        "decode_vs_value",
        "decode_order_page",
        "value",
        "roistat_types",
    );
    ratio(
        "blocking_overhead",
        "blocking_order_page",
        "raw_ureq",
        "sdk",
    );
    ratio("async_overhead", "async_order_page", "raw_reqwest", "sdk");
    out
}

// ---------------------------------------------------------------------------------
// Simulations with the injected clock.

const DAY: Duration = Duration::from_secs(24 * 3600);
const MINUTE: Duration = Duration::from_secs(60);

/// A tiny seeded generator (splitmix64) for latencies and scheduler jitter.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo + 1))
    }
}

/// The SDK's engine (limiter, retry policy) with `schedule`, for simulations: no client
/// around it, the simulation is the executor.
fn engine(schedule: ScheduleConfig) -> Result<Engine, String> {
    #[derive(Debug)]
    struct Simulated;
    impl FromEngine for Simulated {
        fn from_engine(_: Engine) -> Result<Self, roistat_core::Error> {
            Ok(Simulated)
        }
    }
    ClientBuilder::<Simulated>::new()
        .project(1)
        .api_key("simulated")
        .rate_limits(schedule)
        .seed(1)
        .engine()
        .map_err(|e| e.to_string())
}

/// One call through the SDK's `Call` at simulated time `*now`, which advances over
/// rate-limit waits (plus scheduler jitter) and the request's latency. Returns the
/// instant the request was admitted.
fn call(
    engine: &Engine,
    endpoint: &ListOrders,
    now: &mut Instant,
    latency: Duration,
    rng: &mut Rng,
) -> Result<Instant, String> {
    let mut call = engine.call(endpoint, *now).map_err(|e| e.to_string())?;
    let mut sent = *now;
    loop {
        match call.next_step(*now) {
            Step::Done(result) => return result.map(|_| sent).map_err(|e| e.to_string()),
            Step::Wait { until, .. } => *now = until + rng.millis(0, 3),
            Step::Send { .. } => {
                sent = *now;
                *now += latency;
                let body = br#"{"data":[],"total":0,"status":"success"}"#.to_vec();
                let answer = Response::new(http::StatusCode::OK, http::HeaderMap::new(), body);
                call.receive(Ok(answer), *now, SystemTime::now());
            }
        }
    }
}

/// Per-window counts of `stamps` (fixed minutes from `t0`) and the most admissions seen
/// in any sliding window of `window`.
fn windows(stamps: &[Instant], t0: Instant, window: Duration, span: Duration) -> (Vec<u32>, u32) {
    let n = (span.as_secs() / window.as_secs()) as usize;
    let mut fixed = vec![0u32; n];
    for s in stamps {
        let k = (s.duration_since(t0).as_secs() / window.as_secs()) as usize;
        if let Some(c) = fixed.get_mut(k) {
            *c += 1;
        }
    }
    let mut worst = 0u32;
    let mut j = 0;
    for i in 0..stamps.len() {
        while j < stamps.len() && stamps[j] < stamps[i] + window {
            j += 1;
        }
        worst = worst.max((j - i) as u32);
    }
    (fixed, worst)
}

/// For each order-list tier: a caller that always wants the next page, over one
/// simulated day with the documented schedule (project budget included). Utilization
/// is the mean admitted per fixed minute over the tier's limit; no sliding minute may
/// hold more than the limit.
fn rate_limit_utilization() -> (Option<f64>, String) {
    let tiers = [
        ("plain 20/min", false, 1000u32, Tier::ListPlain),
        ("visits<100 10/min", true, 50, Tier::ListVisitsSmall),
        ("visits 100..=1000 5/min", true, 500, Tier::ListVisitsMedium),
        ("visits>1000 1/min", true, 2000, Tier::ListVisitsLarge),
    ];
    let schedule = ScheduleConfig::documented();
    let mut worst_util = f64::INFINITY;
    let mut over_total = 0;
    let mut parts = Vec::new();
    for (name, visits, limit, tier) in tiers {
        let quota = schedule.tier_quota(tier);
        let mut req = ListOrdersRequest::new().limit(limit);
        if visits {
            req = req.with_visits();
        }
        let Ok(endpoint) = ListOrders::new(req) else {
            return (None, format!("{name}: invalid request"));
        };
        let engine = match engine(schedule.clone()) {
            Ok(e) => e,
            Err(e) => return (None, e),
        };
        let mut rng = Rng(u64::from(limit));
        let t0 = Instant::now();
        let mut now = t0;
        let mut stamps = Vec::new();
        while now < t0 + DAY {
            // 50..800 ms per answer, as a real page takes.
            let latency = rng.millis(50, 800);
            match call(&engine, &endpoint, &mut now, latency, &mut rng) {
                Ok(sent) if sent < t0 + DAY => stamps.push(sent),
                Ok(_) => break,
                Err(e) => return (None, format!("{name}: {e}")),
            }
        }
        let (fixed, worst) = windows(&stamps, t0, quota.window(), DAY);
        let max = f64::from(quota.max());
        let util = fixed.iter().map(|&c| f64::from(c) / max).sum::<f64>() / fixed.len() as f64;
        let over =
            fixed.iter().filter(|&&c| c > quota.max()).count() + usize::from(worst > quota.max());
        over_total += over;
        worst_util = worst_util.min(util);
        parts.push(format!(
            "{name} {util:.4} ({} requests, busiest sliding minute {worst})",
            stamps.len()
        ));
    }
    let detail = format!(
        "lowest of the four tiers; {}; windows over the limit: {over_total}",
        parts.join(", ")
    );
    // A window over the limit fails the figure outright.
    let value = if over_total == 0 {
        Some(worst_util)
    } else {
        Some(f64::NAN)
    };
    (value, detail)
}

/// Exporting with visits at the SDK's default page size through its `Call`
/// over a simulated day, against the best orders-per-minute any page size up to
/// `DEFAULT_MAX_PAGE_SIZE` reaches under the documented tiers.
fn export_throughput_vs_limit() -> (Option<f64>, String) {
    let schedule = ScheduleConfig::documented();
    // The best any page size can do: L orders per request at the tier's rate.
    let best = (1..=DEFAULT_MAX_PAGE_SIZE)
        .map(|l| {
            let class = roistat_core::RateClass::OrderList {
                with_visits: true,
                limit: Some(l),
            };
            let per_min = class.tier().map_or(0, |t| schedule.tier_quota(t).max());
            (u64::from(l) * u64::from(per_min), l)
        })
        .max()
        .unwrap_or((1, 1));

    let page_size = best_page_size(true, None, None);
    let engine = match engine(schedule) {
        Ok(e) => e,
        Err(e) => return (None, e),
    };
    let mut rng = Rng(42);
    let t0 = Instant::now();
    let mut now = t0;
    let mut exported = 0u64;
    loop {
        let request = ListOrdersRequest::new()
            .with_visits()
            .limit(page_size)
            .offset(exported);
        let Ok(endpoint) = ListOrders::new(request) else {
            return (None, "the page request is invalid".into());
        };
        // 100 ms plus 1 ms per order with visits (a 1,000-order page: about 1.1 s).
        let count = u64::from(page_size);
        let latency = Duration::from_millis(100 + count) + rng.millis(0, 200);
        match call(&engine, &endpoint, &mut now, latency, &mut rng) {
            Ok(_) if now <= t0 + DAY => exported += count,
            Ok(_) => break,
            Err(e) => return (None, e),
        }
    }
    let minutes = DAY.as_secs_f64() / MINUTE.as_secs_f64();
    let per_minute = exported as f64 / minutes;
    let ratio = per_minute / best.0 as f64;
    (
        Some(ratio),
        format!(
            "{per_minute:.0} orders/min with the default page size {page_size} vs the best {} orders/min ({} per page) of any size up to {DEFAULT_MAX_PAGE_SIZE}",
            best.0, best.1
        ),
    )
}
