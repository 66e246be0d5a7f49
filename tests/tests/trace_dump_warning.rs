#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The blocking client warns once when `log` records ureq-proto's TRACE dump (which
//! holds the `Api-key` header), naming the filter that keeps the key out; nothing from a
//! roistat target ever holds the key (issue 12, item 3).
//!
//! Its own binary: the logger, the tracing subscriber and the "warned once" flag are
//! process-global.

use roistat_mock::MockServer;

#[path = "common/capture.rs"]
mod capture;

use capture::{Capture, LogCapture};

const KEY: &str = "trace-KEY-7788";

fn warnings(traced: &Capture) -> Vec<String> {
    traced
        .text()
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("roistat_blocking"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_blocking_client_warns_once_when_ureq_would_dump_the_key() {
    let logs = Capture::default();
    log::set_boxed_logger(Box::new(LogCapture(logs.clone()))).unwrap();
    let traced = Capture::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(traced.clone())
            .finish(),
    )
    .unwrap();

    let server = MockServer::builder().api_key(KEY).start().unwrap();
    let client = roistat_blocking::Client::builder()
        .project(server.project())
        .api_key(KEY)
        .base_url(server.base_url())
        .build()
        .unwrap();

    // `log` at DEBUG: no dump, no warning.
    log::set_max_level(log::LevelFilter::Debug);
    client.list_statuses().unwrap();
    assert!(warnings(&traced).is_empty(), "{:?}", warnings(&traced));
    assert!(!logs.text().contains("ureq_proto::util"));

    // At TRACE: ureq-proto dumps the request (the key included) and the client warns,
    // once however many calls follow.
    log::set_max_level(log::LevelFilter::Trace);
    for _ in 0..3 {
        client.list_statuses().unwrap();
    }
    let warned = warnings(&traced);
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert!(warned[0].contains("ureq_proto=debug"), "{}", warned[0]);
    assert!(warned[0].contains("ureq_proto::util"), "{}", warned[0]);
    let text = logs.text();
    assert!(
        text.lines()
            .any(|l| l.starts_with("TRACE ureq_proto::util:")),
        "ureq-proto's dump was not captured, so the warning was not tested against it"
    );

    // Nothing from a roistat target carries the key, in `log` or in `tracing`.
    let leaks: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("roistat") && l.contains(KEY))
        .collect();
    assert!(leaks.is_empty(), "{leaks:#?}");
    assert!(!traced.text().contains(KEY), "{}", traced.text());
}
