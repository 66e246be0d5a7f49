//! `roistat-mock`: serve the fake Roistat Orders API until interrupted.
//!
//! ```text
//! roistat-mock [--host 127.0.0.1] [--port 0] [--project 12345] [--api-key demo-key]
//!              [--orders 1000] [--seed 0] [--no-rate-limit] [--live-limits]
//!              [--window-ms 60000] [--quirks] [--odd-status-rate 0.001]
//!              [--page-cap 5000] [--latency-ms 0] [--latency-per-order-us 0]
//!              [--churn-inserts 0] [--churn-deletes 0] [--churn-seed 0]
//!              [--idle-timeout-ms 10000] [--read-timeout-ms 30000] [--max-connections 256]
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use roistat_mock::{MockServer, RateLimits};

const USAGE: &str = "\
roistat-mock: a fake Roistat Orders API server

USAGE:
    roistat-mock [OPTIONS]

OPTIONS:
    --host ADDR        address to bind (default 127.0.0.1)
    --port N           port to bind, 0 = ephemeral (default 0)
    --project N        project number (default 12345)
    --api-key KEY      API key (default demo-key)
    --orders N         generated orders besides the documented examples (default 1000)
    --seed S           seed of the generated orders (default 0)
    --no-rate-limit    do not enforce the documented rate limits
    --live-limits      per-method budgets as live projects show them: the order
                       list by its per-minute tiers only, other methods 10/s and
                       5000/h (default: every method in the project budget too)
    --window-ms N      length of the rate-limit \"minute\" in ms (default 60000)
    --idle-timeout-ms N close a connection idle this long (default 10000)
    --read-timeout-ms N close a connection whose request takes longer (default 30000)
    --max-connections N serve at most N connections at once (default 256)
    --quirks           generate rows as live projects send them: loose types,
                       extra keys, lead ids, colon-offset dates, odd statuses,
                       total as a string
    --odd-status-rate R  share of generated rows with a status outside the
                       dictionary and without a group, with --quirks (default 0.001)
    --page-cap N       most orders one list page holds (default 5000)
    --latency-ms N     answer every request after N ms (default 0)
    --latency-per-order-us N  plus N microseconds per order in the answer
    --churn-inserts N  insert N new orders before each order-list request but
                       the first (default 0)
    --churn-deletes N  delete N random orders before each order-list request
                       but the first (default 0)
    --churn-seed S     seed of the churn (default 0)
    --skip-unknown-statuses  add-orders skips rows whose status is not in the
                       dictionary (default: stores them without a group)
    -h, --help         print this help
";

#[derive(Debug)]
struct Args {
    host: IpAddr,
    port: u16,
    project: u64,
    api_key: String,
    orders: usize,
    seed: u64,
    rate_limit: bool,
    live_limits: bool,
    window_ms: u64,
    idle_timeout_ms: u64,
    read_timeout_ms: u64,
    max_connections: usize,
    quirks: bool,
    odd_status_rate: f64,
    page_cap: u64,
    latency_ms: u64,
    latency_per_order_us: u64,
    churn_inserts: usize,
    churn_deletes: usize,
    churn_seed: u64,
    skip_unknown_statuses: bool,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        host: IpAddr::from([127, 0, 0, 1]),
        port: 0,
        project: 12345,
        api_key: "demo-key".into(),
        orders: 1000,
        seed: 0,
        rate_limit: true,
        live_limits: false,
        window_ms: 60_000,
        idle_timeout_ms: 10_000,
        read_timeout_ms: 30_000,
        max_connections: 256,
        quirks: false,
        odd_status_rate: roistat_mock::DEFAULT_ODD_STATUS_RATE,
        page_cap: roistat_mock::DEFAULT_PAGE_CAP,
        latency_ms: 0,
        latency_per_order_us: 0,
        churn_inserts: 0,
        churn_deletes: 0,
        churn_seed: 0,
        skip_unknown_statuses: false,
    };
    fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
        v.parse()
            .map_err(|_| format!("{flag}: invalid value {v:?}"))
    }
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "--host" => a.host = num(&flag, value())?,
            "--port" => a.port = num(&flag, value())?,
            "--project" => a.project = num(&flag, value())?,
            "--api-key" => a.api_key = value().ok_or("--api-key needs a value")?,
            "--orders" => a.orders = num(&flag, value())?,
            "--seed" => a.seed = num(&flag, value())?,
            "--no-rate-limit" => a.rate_limit = false,
            "--window-ms" => a.window_ms = num(&flag, value())?,
            "--idle-timeout-ms" => a.idle_timeout_ms = num(&flag, value())?,
            "--read-timeout-ms" => a.read_timeout_ms = num(&flag, value())?,
            "--max-connections" => a.max_connections = num(&flag, value())?,
            "--live-limits" => a.live_limits = true,
            "--quirks" => a.quirks = true,
            "--odd-status-rate" => a.odd_status_rate = num(&flag, value())?,
            "--page-cap" => a.page_cap = num(&flag, value())?,
            "--latency-ms" => a.latency_ms = num(&flag, value())?,
            "--latency-per-order-us" => a.latency_per_order_us = num(&flag, value())?,
            "--churn-inserts" => a.churn_inserts = num(&flag, value())?,
            "--churn-deletes" => a.churn_deletes = num(&flag, value())?,
            "--churn-seed" => a.churn_seed = num(&flag, value())?,
            "--skip-unknown-statuses" => a.skip_unknown_statuses = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("roistat-mock: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut limits = if args.live_limits {
        RateLimits::live()
    } else {
        RateLimits::documented()
    };
    limits.enabled = args.rate_limit;
    limits.window = Duration::from_millis(args.window_ms.max(1));
    let server = MockServer::builder()
        .host(args.host)
        .port(args.port)
        .project(args.project)
        .api_key(args.api_key)
        .orders(args.orders)
        .seed(args.seed)
        .limits(limits)
        .quirks(args.quirks)
        .odd_status_rate(args.odd_status_rate)
        .page_cap(args.page_cap)
        .latency(
            Duration::from_millis(args.latency_ms),
            Duration::from_micros(args.latency_per_order_us),
        )
        .churn(args.churn_inserts, args.churn_deletes)
        .churn_seed(args.churn_seed)
        .skip_unknown_statuses(args.skip_unknown_statuses)
        .log_capacity(1000)
        .idle_timeout(Duration::from_millis(args.idle_timeout_ms.max(1)))
        .read_timeout(Duration::from_millis(args.read_timeout_ms.max(1)))
        .max_connections(args.max_connections)
        .start();
    let server = match server {
        Ok(s) => s,
        Err(e) => {
            eprintln!("roistat-mock: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Written with errors ignored: a reader that went away must not kill the server.
    let banner = format!(
        "roistat-mock serving the Roistat Orders API\n\
         base URL: {}\nproject:  {}\napi key:  {}\n\
         orders:   {} ({} documented + {} generated), rate limits {}{}\n\
         press Ctrl-C to stop\n",
        server.base_url(),
        server.project(),
        server.api_key(),
        server.store().order_count(),
        roistat_mock::seed::EXAMPLE_ORDER_COUNT,
        args.orders,
        match (args.rate_limit, args.live_limits) {
            (false, _) => "off",
            (true, false) => "on",
            (true, true) => "on (live per-method budgets)",
        },
        if args.quirks { ", live quirks on" } else { "" }
    );
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes());
    let _ = out.flush();
    drop(out);
    server.wait();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Option<Args>, String> {
        parse_args(s.split_whitespace().map(String::from))
    }

    #[test]
    fn defaults_and_flags() {
        let a = args("").unwrap().unwrap();
        assert_eq!(
            (a.port, a.project, a.orders, a.rate_limit),
            (0, 12345, 1000, true)
        );
        let a = args("--port 8080 --project=7 --api-key k --orders 5 --seed 9 --no-rate-limit --window-ms 100")
            .unwrap()
            .unwrap();
        assert_eq!((a.port, a.project, a.api_key.as_str()), (8080, 7, "k"));
        assert_eq!(
            (a.orders, a.seed, a.rate_limit, a.window_ms),
            (5, 9, false, 100)
        );
        assert_eq!(
            (a.idle_timeout_ms, a.read_timeout_ms, a.max_connections),
            (10_000, 30_000, 256)
        );
        let a = args("--idle-timeout-ms 50 --read-timeout-ms=70 --max-connections 3")
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.idle_timeout_ms, a.read_timeout_ms, a.max_connections),
            (50, 70, 3)
        );
        assert!(args("--max-connections -1").is_err());
        let a = args("--quirks --odd-status-rate 0.05 --page-cap 700 --latency-ms 3 --latency-per-order-us 20 --churn-inserts 23 --churn-deletes=7 --churn-seed 4 --live-limits --skip-unknown-statuses")
            .unwrap()
            .unwrap();
        assert!(a.quirks && a.live_limits && a.skip_unknown_statuses);
        assert_eq!(
            (
                a.odd_status_rate,
                a.page_cap,
                a.latency_ms,
                a.latency_per_order_us
            ),
            (0.05, 700, 3, 20)
        );
        assert_eq!((a.churn_inserts, a.churn_deletes, a.churn_seed), (23, 7, 4));
        let a = args("").unwrap().unwrap();
        assert!(!a.quirks && !a.live_limits && !a.skip_unknown_statuses);
        assert_eq!(a.page_cap, 5000);
        assert!(args("--page-cap x").is_err());
        assert!(args("--help").unwrap().is_none());
        assert!(args("--port x").is_err());
        assert!(args("--bogus").is_err());
    }
}
