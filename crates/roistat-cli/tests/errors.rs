//! Error lines and exit codes: 1 Roistat error, 2 usage, 3 network, 4 undecodable; the
//! API key never printed; `--help`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{KEY, bin, run, run_on, server};
use roistat_mock::Fault;

#[test]
fn help() {
    let r = run({
        let mut c = bin();
        c.arg("--help");
        c
    });
    assert_eq!(r.code, 0);
    insta::assert_snapshot!("help", r.stdout);
    let r = run({
        let mut c = bin();
        c.args(["orders", "list", "--help"]);
        c
    });
    insta::assert_snapshot!("help_orders_list", r.stdout);
}

#[test]
fn no_key_or_project_says_what_to_do() {
    let r = run({
        let mut c = bin();
        c.args(["orders", "list"]);
        c
    });
    insta::assert_snapshot!("no_key", r.transcript());
    let r = run({
        let mut c = bin();
        c.args(["orders", "list"]).env("ROISTAT_API_KEY", KEY);
        c
    });
    insta::assert_snapshot!("no_project", r.transcript());
}

#[test]
fn the_environment_is_read() {
    let s = server(0);
    let r = run({
        let mut c = bin();
        c.args(["fields", "list", "--format", "json"])
            .env("ROISTAT_API_KEY", KEY)
            .env("ROISTAT_PROJECT", s.project().to_string())
            .env("ROISTAT_BASE_URL", s.base_url());
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Manager"));
    // The key went in the header, never in the URL.
    let req = s.requests().last().unwrap();
    assert!(!req.query.contains("key="), "{}", req.query);
    assert!(req.header("api-key").is_some());
}

#[test]
fn wrong_key_is_a_roistat_error() {
    let s = server(0);
    let r = run({
        let mut c = bin();
        c.args([
            "--base-url",
            &s.base_url(),
            "--project",
            &s.project().to_string(),
        ])
        .args(["--api-key", "wrong-key", "statuses", "list"]);
        c
    });
    insta::assert_snapshot!("wrong_key", r.transcript());
}

#[test]
fn usage_errors_exit_2() {
    let s = server(0);
    for (name, args) in [
        (
            "bad_where",
            &["orders", "list", "--where", "revenue >>= 1"][..],
        ),
        (
            "refused_where",
            &["orders", "list", "--where", "source_type = standard"][..],
        ),
        ("bad_date", &["orders", "list", "--since", "yesterday"][..]),
        ("bad_format", &["orders", "list", "--format", "xml"][..]),
        ("bad_group", &["orders", "summary", "--by", "weekday"][..]),
        (
            "missing_file",
            &["orders", "import", "/no/such/file.csv"][..],
        ),
    ] {
        let r = run_on(&s, args);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        insta::assert_snapshot!(format!("usage_{name}"), r.transcript());
    }
    assert!(s.requests().is_empty(), "usage errors send nothing");
}

#[test]
fn network_errors_exit_3() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run({
        let mut c = bin();
        c.args(["--base-url", &format!("http://127.0.0.1:{port}/api/v1")])
            .args(["--project", "1", "--api-key", KEY, "fields", "list"]);
        c
    });
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.starts_with("error: network: "), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1);
}

#[test]
fn undecodable_answers_exit_4() {
    let s = server(0);
    s.faults().next(20, Fault::BadGateway);
    let r = run_on(&s, &["fields", "list"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("error: undecodable answer: "),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
}

#[test]
fn roistat_errors_exit_1_with_code_and_description() {
    let s = server(0);
    s.faults()
        .next(1, Fault::error("project_frozen", "The project is frozen"));
    let r = run_on(&s, &["statuses", "list"]);
    insta::assert_snapshot!("project_frozen", r.transcript());
}

#[test]
fn the_key_is_never_printed_at_any_verbosity() {
    let s = server(30);
    for v in ["-v", "-vv", "-vvv"] {
        // `run` fails the test if the key shows up anywhere.
        let r = run_on(
            &s,
            &[
                v, "orders", "list", "--all", "--limit", "10", "--format", "ndjson",
            ],
        );
        assert_eq!(r.code, 0);
        assert!(!r.stderr.is_empty(), "{v} logs something");
        let wrong = run({
            let mut c = bin();
            c.args(["--base-url", &s.base_url(), "--project", "4242", v])
                .args(["--api-key", &format!("{KEY}-wrong"), "fields", "list"]);
            c
        });
        assert_eq!(wrong.code, 1);
    }
}
