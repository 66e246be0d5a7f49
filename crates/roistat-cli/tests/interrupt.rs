//! Ctrl-C during `--all` and `import`: stop after the current request, keep the output
//! valid, say how far it got, and resume without losing or repeating anything.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{KEY, MockServer, arg, run_on, server, temp_file};

fn spawn(s: &MockServer, args: &[&str]) -> Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_roistat"))
        .env_remove("ROISTAT_API_KEY")
        .args([
            "--base-url",
            &s.base_url(),
            "--project",
            &s.project().to_string(),
        ])
        .args(["--api-key", KEY])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn sigint(child: &Child) {
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Waits for the exit (at most 20 s: a stuck process fails the test instead of hanging).
fn wait(mut child: Child) -> (i32, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("roistat did not stop after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_stops_an_export_between_pages_and_it_resumes() {
    let s = server(5000);
    // Pages of 100 (overlapping by 20 rows, so 80 new orders a page after the first)
    // under the documented 20 requests per minute: the first 20 pages (1,620 orders) go
    // within seconds, the 21st waits most of a minute. Ctrl-C lands after 1,500 orders.
    let mut child = spawn(
        &s,
        &[
            "orders", "list", "--all", "--limit", "100", "--format", "json",
        ],
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    let mut orders = 0;
    let mut line = String::new();
    while orders < 1500 {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "output ended early"
        );
        if line.starts_with('{') || line.starts_with(",{") {
            orders += 1;
        }
        text.push_str(&line);
    }
    let started = Instant::now();
    sigint(&child);
    stdout.read_to_string(&mut text).unwrap();
    let (code, stderr) = wait(child);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped at once, not after the wait"
    );
    assert_eq!(code, 130, "{stderr}");
    // Stopped within the first 20 pages; the message names the offset that continues.
    let first: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let n = first.len();
    assert!((1500..=1620).contains(&n), "{n} orders");
    assert!(s.requests().matching("order/list").len() <= 20);
    assert!(
        stderr.contains("stopping after the current request (Ctrl-C again to quit at once)"),
        "{stderr}"
    );
    let count = |n: usize| {
        let s = n.to_string();
        if n >= 1000 {
            format!("{},{}", &s[..s.len() - 3], &s[s.len() - 3..])
        } else {
            s
        }
    };
    let said = format!("{} of 5,003 orders; continue with --offset {n}\n", count(n));
    let line = stderr
        .lines()
        .find(|l| l.starts_with("interrupted: stopped after "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(format!("{line}\n").ends_with(&said), "{line}");

    // The suggested --offset continues exactly where it stopped.
    let rest = run_on(
        &s,
        &[
            "orders",
            "list",
            "--all",
            "--offset",
            &n.to_string(),
            "--format",
            "json",
        ],
    );
    let rest: Vec<serde_json::Value> = serde_json::from_str(&rest.stdout).unwrap();
    let all = run_on(&s, &["orders", "list", "--all", "--format", "json"]);
    let all: Vec<serde_json::Value> = serde_json::from_str(&all.stdout).unwrap();
    let joined: Vec<&serde_json::Value> = first.iter().chain(&rest).map(|o| &o["id"]).collect();
    let want: Vec<&serde_json::Value> = all.iter().map(|o| &o["id"]).collect();
    assert_eq!(joined, want);
}

#[test]
fn ctrl_c_stops_an_import_between_batches_and_it_resumes() {
    let s = server(0);
    let rows: String = (1..=25).map(|i| format!("C-{i},{i}0\n")).collect();
    let file = temp_file("ctrl-c.csv", &format!("id,price\n{rows}"));
    // One order per batch under the project budget of 10 requests per second: batch 11
    // waits for a slot, and Ctrl-C comes after batch 10 was reported.
    let mut child = spawn(
        &s,
        &[
            "orders",
            "import",
            arg(&file),
            "--batch-size",
            "1",
            "--format",
            "table",
        ],
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "output ended early"
        );
        if line.starts_with("batch 10/25") {
            break;
        }
    }
    sigint(&child);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let (code, stderr) = wait(child);
    assert_eq!(code, 130, "{stderr}");
    // Usually batch 11 is still waiting for its slot; on a slow machine it may have gone.
    let sent = s.requests().matching("add-orders").len();
    assert!((10..25).contains(&sent), "sent {sent}");
    let next = sent + 1;
    let want = format!(
        "interrupted: sent batches 1-{sent} of 25; batches {next}-25 were not sent: rerun \
         with --from-batch {next} --batch-size 1 to send the rest"
    );
    assert!(stderr.contains(&want), "{stderr}");
    assert!(
        rest.contains(&format!("total: {sent} orders in {sent} batches")),
        "{rest}"
    );

    // Resuming sends the rest, and nothing twice.
    let from = next.to_string();
    let resumed = run_on(
        &s,
        &[
            "orders",
            "import",
            arg(&file),
            "--batch-size",
            "1",
            "--from-batch",
            &from,
        ],
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    let ids: Vec<String> = s
        .requests()
        .matching("add-orders")
        .iter()
        .map(|r| r.body_json().unwrap()[0]["id"].as_str().unwrap().to_owned())
        .collect();
    let want: Vec<String> = (1..=25).map(|i| format!("C-{i}")).collect();
    assert_eq!(ids, want);
}

/// Ctrl-C during the client's wait after `request_limit_error`: the wait is announced on
/// stderr, Ctrl-C ends it within a second (exit 130) and says how to resume.
#[test]
fn ctrl_c_ends_a_request_limit_wait_at_once() {
    let s = server(10);
    s.faults().next_on(
        "status/list",
        10,
        roistat_mock::Fault::error("request_limit_error", "Too many requests"),
    );
    let mut child = spawn(&s, &["statuses", "list"]);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    // The first refusal waits about a second (not announced), the second about 5 s.
    while !line.contains("(Ctrl-C to stop)") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "stderr ended: {seen}"
        );
        seen.push_str(&line);
    }
    assert!(
        line.starts_with("Roistat says the rate limit is reached; retrying: "),
        "{line}"
    );
    let started = Instant::now();
    sigint(&child);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "roistat did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = started.elapsed();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(
        rest.contains("interrupted before anything was sent: run the command again to retry"),
        "{rest}"
    );
    // Two refused attempts reached the server; none after Ctrl-C.
    assert_eq!(s.requests().matching("status/list").len(), 2);
}
