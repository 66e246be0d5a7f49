//! The `roistat-mock` binary: prints where it serves, serves, limits rates by default.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use support::Conn;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start the binary and read the base URL, project and key it prints.
fn start(args: &[&str]) -> (Killed, SocketAddr, String, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_roistat-mock"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let (mut base, mut project, mut key) = (String::new(), String::new(), String::new());
    let mut line = String::new();
    while key.is_empty() {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the binary exited early"
        );
        if let Some(v) = line.strip_prefix("base URL:") {
            base = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("project:") {
            project = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("api key:") {
            key = v.trim().to_string();
        }
    }
    let addr = base
        .trim_start_matches("http://")
        .trim_end_matches("/api/v1")
        .parse()
        .unwrap();
    assert!(base.ends_with("/api/v1"));
    (child, addr, project, key)
}

#[test]
fn serves_generated_orders_with_rate_limits_on() {
    let (_child, addr, project, key) = start(&["--port", "0", "--orders", "50", "--seed", "3"]);
    assert_eq!((project.as_str(), key.as_str()), ("12345", "demo-key"));
    let mut c = Conn::open(addr);
    let list = "/api/v1/project/integration/order/list?project=12345";
    let r = c
        .request("POST", list, &[("Api-key", "demo-key")], br#"{"limit": 1}"#)
        .unwrap();
    assert_eq!(r.json()["total"], 53);
    // The project-wide budget of 10 requests per second applies by default.
    let statuses: Vec<String> = (0..30)
        .map(|_| {
            let r = c
                .request("POST", list, &[("Api-key", "demo-key")], br#"{"limit": 1}"#)
                .unwrap();
            r.json()["status"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(statuses.iter().any(|s| s == "error"), "{statuses:?}");
}

#[test]
fn flags_set_project_key_and_disable_limits() {
    let (_child, addr, project, key) = start(&[
        "--host",
        "127.0.0.1",
        "--port=0",
        "--project",
        "777",
        "--api-key",
        "sekret",
        "--orders",
        "0",
        "--no-rate-limit",
        "--window-ms",
        "1000",
    ]);
    assert_eq!((project.as_str(), key.as_str()), ("777", "sekret"));
    let mut c = Conn::open(addr);
    for _ in 0..30 {
        let r = c
            .request(
                "POST",
                "/api/v1/project/integration/status/list?project=777",
                &[("Api-key", "sekret")],
                b"",
            )
            .unwrap();
        assert_eq!(r.json()["total"], 14);
    }
}

#[test]
fn live_flags_quirks_page_cap_churn_and_budgets() {
    let (_child, addr, _, _) = start(&[
        "--orders",
        "300",
        "--quirks",
        "--odd-status-rate",
        "0.05",
        "--page-cap",
        "50",
        "--churn-inserts",
        "3",
        "--churn-deletes",
        "1",
        "--live-limits",
        "--latency-ms",
        "1",
    ]);
    let mut c = Conn::open(addr);
    let list = "/api/v1/project/integration/order/list?project=12345";
    let mut page = |body: &[u8]| {
        c.request("POST", list, &[("Api-key", "demo-key")], body)
            .unwrap()
            .json()
    };
    let first = page(br#"{"limit": 1000}"#);
    assert_eq!(first["total"], "303", "quirks: total as a string");
    assert_eq!(first["data"].as_array().unwrap().len(), 50, "page cap");
    assert!(first["data"][3].get("is_multichannel").is_some());
    let second = page(br#"{"limit": 1000}"#);
    assert_eq!(second["total"], "305", "churn: +3 -1");
    // Live budgets: order-list calls are not in the project's 10 a second.
    let statuses: Vec<serde_json::Value> = (0..15)
        .map(|_| page(br#"{"limit": 1}"#)["status"].clone())
        .collect();
    assert!(statuses.iter().all(|s| s == "success"), "{statuses:?}");
}

#[test]
fn bad_flags_exit_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_roistat-mock"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("USAGE"));
    let out = Command::new(env!("CARGO_BIN_EXE_roistat-mock"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--window-ms"));
}
