//! The API key appears in no output, and an order id cannot leave its path segment.
//!
//! A binary of its own: the capture installs a tracing subscriber and a `log` logger,
//! and other tests registering the same callsites on other threads could leave a
//! callsite's interest cached as "never" while it is installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The clients' shared test support; this binary uses part of it.
#[path = "common/capture.rs"]
mod capture;
#[allow(dead_code)]
#[path = "clients/support/mod.rs"]
mod support;

use capture::{Capture, LogCapture};

use std::sync::OnceLock;
use std::time::Duration;

use roistat_core::types::{
    ListOrdersRequest, NewOrder, Order, OrderId, Status, StatusId, StatusType,
};
use roistat_core::{ClientBuilder, Error, RequestState};
use roistat_mock::{Fault, MockServer};

use crate::support::raw::{self, Act, RawServer, STATUSES, bad_gateway, json, truncated};
use crate::support::{Api, block_on, both_clients, builder};

const KEY: &str = "sekret-KEY-4242";

fn log_capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        log::set_boxed_logger(Box::new(LogCapture(capture.clone())))
            .expect("no other logger in this binary");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    })
}

/// Every way an error prints: Display, Debug, pretty Debug, and its source chain.
fn print_error(out: &mut Vec<String>, e: &Error) {
    out.push(format!("{e}"));
    out.push(format!("{e:?}"));
    out.push(format!("{e:#?}"));
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push(format!("{s} / {s:?}"));
        source = s.source();
    }
}

fn key_builder<C: Api>(base_url: &str, project: u64) -> ClientBuilder<C> {
    builder::<C>(base_url, project, KEY).timeout(Duration::from_millis(300))
}

/// Everything a run can print: successes, API errors, every fault, transport errors,
/// configuration errors.
async fn exercise<C: Api>(out: &mut Vec<String>) -> usize {
    let mut errors = 0;
    let mut err = |out: &mut Vec<String>, e: &Error| {
        errors += 1;
        print_error(out, e);
    };
    let server = MockServer::builder()
        .api_key(KEY)
        .orders(20)
        .stall_duration(Duration::from_secs(2))
        .start()
        .unwrap();
    let b = key_builder::<C>(&server.base_url(), server.project());
    out.push(format!("{b:?}"));
    let client: C = b.build().unwrap();
    out.push(format!("{client:?}"));
    out.push(format!("{client:#?}"));
    out.push(format!("{:?}", client.engine()));

    // Successes (the key works: the mock accepts only it).
    let page = client
        .list_orders(&ListOrdersRequest::new().limit(5))
        .await
        .unwrap();
    out.push(format!("{page:?}"));
    let walk = client.walk(ListOrdersRequest::new(), Some(7), None).await;
    assert!(walk.error.is_none());
    out.push(format!("{walk:?}"));
    let id = OrderId::new("order_12345").unwrap();
    out.push(format!("{:?}", client.order_info(&id).await.unwrap()));
    out.push(
        client
            .order_external_url(&OrderId::new("123").unwrap())
            .await
            .unwrap(),
    );
    let orders = vec![NewOrder::new(OrderId::new("n1").unwrap()).price(1.0)];
    out.push(format!("{:?}", client.add_orders(&orders).await.unwrap()));
    out.push(format!("{:?}", client.add_orders_bulk(&orders, 1).await));
    let st = Status::new(StatusId::new("s1").unwrap(), "S", StatusType::Progress);
    out.push(format!(
        "{:?}",
        client.upsert_statuses(&[st]).await.unwrap()
    ));
    out.push(format!("{:?}", client.custom_field_names().await.unwrap()));
    client
        .delete_order(&OrderId::new("n1").unwrap())
        .await
        .unwrap();

    // API errors and every fault of the mock, with and without retries.
    err(
        out,
        &client
            .order_info(&OrderId::new("nope").unwrap())
            .await
            .unwrap_err(),
    );
    let once: C = key_builder::<C>(&server.base_url(), server.project())
        .max_attempts(1)
        .build()
        .unwrap();
    for fault in [
        Fault::Http500,
        Fault::BadGateway,
        Fault::Stall,
        Fault::CutBody,
        Fault::Reset,
        Fault::InternalErrorEnvelope,
        Fault::error("access_denied", "denied"),
    ] {
        server.faults().next(1, fault);
        err(out, &once.list_statuses().await.unwrap_err());
    }
    server.faults().next(3, Fault::Reset);
    err(out, &client.list_statuses().await.unwrap_err());
    server.faults().next_on("add-orders", 1, Fault::Http500);
    let report = once.add_orders_bulk(&orders, 1).await;
    assert!(!report.is_complete());
    out.push(format!("{report:?}"));
    out.push(format!("{report:#?}"));

    // The key refused by another server.
    let other = MockServer::builder().api_key("server-key").start().unwrap();
    let c: C = key_builder::<C>(&other.base_url(), other.project())
        .build()
        .unwrap();
    err(out, &c.list_statuses().await.unwrap_err());

    // Transport errors: refused, stalled, cut short, a 502 page.
    let c: C = key_builder::<C>(&raw::refused_base_url(), 1)
        .build()
        .unwrap();
    err(out, &c.list_statuses().await.unwrap_err());
    let rawsrv = RawServer::start(vec![
        Act::Stall,
        truncated(STATUSES),
        bad_gateway(),
        json(STATUSES),
    ]);
    let c: C = key_builder::<C>(&rawsrv.base_url(), 1)
        .max_attempts(1)
        .build()
        .unwrap();
    for _ in 0..3 {
        err(out, &c.list_statuses().await.unwrap_err());
    }
    c.list_statuses().await.unwrap();
    // Positive control: the key did travel, in the header.
    let sent = rawsrv.requests();
    assert!(
        sent.iter()
            .all(|r| r.headers.contains(&format!("api-key: {KEY}"))
                || r.headers.contains(&format!("Api-key: {KEY}"))),
        "{sent:?}"
    );
    assert!(sent.iter().all(|r| !r.request_line.contains(KEY)));

    // Configuration errors that involve the key.
    for b in [
        key_builder::<C>("http://example.com/api/v1", 1),
        key_builder::<C>("ftp://127.0.0.1/", 1),
        builder::<C>(&server.base_url(), 1, &format!("{KEY}\u{7}")),
        builder::<C>(&server.base_url(), 1, &format!("{KEY}\nx")),
    ] {
        out.push(format!("{b:?}"));
        err(out, &b.build().unwrap_err());
    }
    errors
}

#[test]
fn the_api_key_appears_in_no_output() {
    let logs = log_capture();
    let traced = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(traced.clone())
        .finish();
    let mut out = Vec::new();
    let errors = tracing::subscriber::with_default(subscriber, || {
        // Other tests hit the same callsites on other threads; one that was registering
        // while this subscriber was installed can keep a "never" interest cached (a
        // missing "attempt failed" line, about 1 run in 3). Recompute them all now.
        tracing::callsite::rebuild_interest_cache();
        let blocking = block_on(exercise::<roistat_blocking::Client>(&mut out));
        // A current-thread runtime on this thread, so the subscriber sees every task.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let asynchronous = rt.block_on(exercise::<roistat_async::Client>(&mut out));
        blocking + asynchronous
    });
    assert!(errors >= 30, "only {errors} errors printed");
    for o in &out {
        assert!(!o.contains(KEY), "the key leaked into: {o}");
    }
    let traced = traced.text();
    // The capture worked: request spans and failed attempts are in it.
    assert!(traced.contains("roistat.request"), "{traced}");
    assert!(traced.contains("attempt failed"), "{traced}");
    assert!(traced.contains("TRACE") || traced.contains("DEBUG"));
    assert!(!traced.contains(KEY), "the key leaked into tracing output");
    let logs = logs.text();
    assert!(
        logs.contains("ureq"),
        "ureq's log records were not captured"
    );
    // Known limitation, outside this SDK: ureq-proto hex-dumps every request's bytes
    // (headers included) at TRACE through `log`, target `ureq_proto::util`. A program
    // that enables `log` TRACE for ureq_proto sees the key there; nothing else does.
    let (dumps, lines): (Vec<&str>, Vec<&str>) = logs
        .lines()
        .partition(|l| l.starts_with("TRACE ureq_proto::util:"));
    assert!(
        !dumps.is_empty(),
        "ureq-proto's byte dumps were not captured"
    );
    let leaks: Vec<&str> = lines.into_iter().filter(|l| l.contains(KEY)).collect();
    assert!(
        leaks.is_empty(),
        "the key leaked into `log` output: {leaks:#?}"
    );
}

both_clients!(
    order_id_stays_in_its_path_segment,
    odd_ids_are_one_segment_on_the_wire
);

const TRICKY: &str = "../delete?x";

async fn order_id_stays_in_its_path_segment<C: Api>() {
    let server = MockServer::start().unwrap();
    let mut order = Order::new(OrderId::new_unchecked(TRICKY));
    order.url = Some("https://crm.example/x".into());
    server.store().insert_order(order);
    let before = server.store().order_count();
    let client: C = crate::support::mock_client(&server);
    let id = OrderId::new(TRICKY).unwrap();

    // info of `../delete?x`, not a delete, and not something else.
    let info = client.order_info(&id).await.unwrap();
    assert_eq!(info.order.id, TRICKY);
    let rec = server.requests().last().unwrap();
    assert_eq!(rec.method, "GET");
    assert_eq!(rec.path, format!("/api/v1/project/orders/{TRICKY}/info"));
    assert_eq!(rec.query, format!("project={}", server.project()));
    assert_eq!(server.store().order_count(), before);

    let url = client.order_external_url(&id).await.unwrap();
    assert_eq!(url, "https://crm.example/x");
    assert_eq!(server.requests().last().unwrap().query_param("x"), None);

    // A delete of that id deletes exactly that order.
    client.delete_order(&id).await.unwrap();
    assert_eq!(server.store().order_count(), before - 1);
    assert!(server.store().order(TRICKY).is_none());
    assert!(server.store().order("95101").is_some());
}

/// Percent-decodes a path segment.
fn decode(seg: &str) -> String {
    let b = seg.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

async fn odd_ids_are_one_segment_on_the_wire<C: Api>() {
    let ids = [
        TRICKY,
        "..",
        ".",
        "a/b",
        "a?b=c",
        "x#y",
        "%2F",
        "%2e%2e",
        "sp ace",
        "заказ-1",
        "a\\b",
        "a;b",
    ];
    let info = r#"{"order":{"id":"x"},"visits":[],"products":[],"status":"success"}"#;
    let server = RawServer::start(vec![json(info)]);
    let client: C = builder::<C>(&server.base_url(), 1, "k").build().unwrap();
    let mut sent_ids = Vec::new();
    for id in ids {
        match client.order_info(&OrderId::new(id).unwrap()).await {
            // `.` and `..` cannot survive every HTTP stack as a segment (URL parsers
            // and proxies treat `%2E%2E` as `..`): refusing them unsent is fine too.
            Err(e) if matches!(id, "." | "..") && e.request_state() == RequestState::NotSent => {}
            _ => sent_ids.push(id),
        }
    }
    let sent = server.requests();
    assert_eq!(sent.len(), sent_ids.len());
    for (id, req) in sent_ids.iter().zip(&sent) {
        let target = req.target();
        let seg = target
            .strip_prefix("/api/v1/project/orders/")
            .and_then(|t| t.strip_suffix("/info?project=1"))
            .unwrap_or_else(|| panic!("{id:?} left its segment: sent {target:?}"));
        assert!(
            !seg.contains(['/', '?', '#']) && seg != "." && seg != "..",
            "{id:?}: segment {seg:?}"
        );
        assert_eq!(decode(seg), *id, "{id:?}: segment {seg:?}");
        assert!(req.request_line.starts_with("GET "), "{}", req.request_line);
        assert!(req.body.is_empty());
    }
}
