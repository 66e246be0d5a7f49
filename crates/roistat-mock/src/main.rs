//! `roistat-mock`: serve the fake Roistat Orders API until interrupted.
//!
//! ```text
//! roistat-mock [--host 127.0.0.1] [--port 0] [--project 12345] [--api-key demo-key]
//!              [--orders 1000] [--seed 0] [--no-rate-limit] [--window-ms 60000]
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

use roistat_mock::MockServer;

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
    --window-ms N      length of the rate-limit \"minute\" in ms (default 60000)
    --idle-timeout-ms N close a connection idle this long (default 10000)
    --read-timeout-ms N close a connection whose request takes longer (default 30000)
    --max-connections N serve at most N connections at once (default 256)
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
    window_ms: u64,
    idle_timeout_ms: u64,
    read_timeout_ms: u64,
    max_connections: usize,
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
        window_ms: 60_000,
        idle_timeout_ms: 10_000,
        read_timeout_ms: 30_000,
        max_connections: 256,
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
    let server = MockServer::builder()
        .host(args.host)
        .port(args.port)
        .project(args.project)
        .api_key(args.api_key)
        .orders(args.orders)
        .seed(args.seed)
        .rate_limits(args.rate_limit)
        .window(Duration::from_millis(args.window_ms.max(1)))
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
         orders:   {} ({} documented + {} generated), rate limits {}\n\
         press Ctrl-C to stop\n",
        server.base_url(),
        server.project(),
        server.api_key(),
        server.store().order_count(),
        roistat_mock::seed::EXAMPLE_ORDER_COUNT,
        args.orders,
        if args.rate_limit { "on" } else { "off" }
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
        assert!(args("--help").unwrap().is_none());
        assert!(args("--port x").is_err());
        assert!(args("--bogus").is_err());
    }
}
