//! The bulk-upload soak: 10,000 orders uploaded in batches against the fake server while
//! about 15% of the uploads fail on purpose (HTTP 500, a TCP reset, a stall longer than
//! the client's timeout, `request_limit_error`, and uploads applied whose answer is then
//! lost: reset, cut or stalled after the store took them). Failed batches are resumed from the
//! report until none is left. The server must end with exactly the 10,000 orders, each
//! once, and the reports must account for every order exactly once.
//!
//! Written once against [`Api`] and run through both clients.

use std::collections::BTreeSet;
use std::time::Duration;

use roistat_core::types::{AddOrdersReport, NewOrder, OrderId};
use roistat_core::{BulkReport, Error, RetryPolicy};
use roistat_mock::{Fault, MockServer, Operation};

use crate::support::{Api, both_clients, builder};

const ORDERS: usize = 10_000;
const BATCH: usize = 100;
/// The chance of each of the seven faults per upload request: about 15% in all.
const EACH: f64 = 0.022;

fn orders() -> Vec<NewOrder> {
    (0..ORDERS)
        .map(|i| {
            NewOrder::new(OrderId::new(format!("soak-{i:05}")).unwrap())
                .name(format!("Deal {i}"))
                .price(100.0 + i as f64)
                .field("batch", (i / BATCH).to_string())
        })
        .collect()
}

both_clients!(ten_thousand_orders_through_fifteen_percent_faults);

async fn ten_thousand_orders_through_fifteen_percent_faults<C: Api>() {
    let server = MockServer::builder()
        .documented_examples(false)
        .log_capacity(100_000)
        // Longer than the client's timeout, for `AppliedThenStall`.
        .stall_duration(Duration::from_millis(400))
        .start()
        .unwrap();
    let faults = server.faults();
    // The first batch fails every attempt, so resuming is always exercised.
    faults.next_on("add-orders", 2, Fault::Http500);
    for (seed, fault) in [
        (1, Fault::Http500),
        (2, Fault::Reset),
        (3, Fault::StallFor(Duration::from_millis(400))),
        (
            4,
            Fault::error("request_limit_error", "Too many requests, try later"),
        ),
        (5, Fault::AppliedThenReset),
        (6, Fault::AppliedThenCut),
        (7, Fault::AppliedThenStall),
    ] {
        faults.with_probability_on("add-orders", EACH, seed, fault);
    }

    let client: C = builder::<C>(&server.base_url(), server.project(), server.api_key())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_base_delay(Duration::from_millis(2))
                .with_max_delay(Duration::from_millis(10))
                .with_rate_limit_delays(vec![Duration::from_millis(5)]),
        )
        // Longer than a normal upload of 100 orders, shorter than the stall.
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();

    let input = orders();
    let mut pending = input.clone();
    let mut accounted: Vec<String> = Vec::with_capacity(ORDERS);
    let mut totals = AddOrdersReport::default();
    let mut rounds = 0;
    let mut failed_batches = 0;
    while !pending.is_empty() {
        rounds += 1;
        assert!(rounds <= 20, "still {} orders pending", pending.len());
        let report: BulkReport = client.add_orders_bulk(&pending, BATCH).await;
        assert_eq!(
            report.batches.iter().map(|b| b.range.len()).sum::<usize>(),
            pending.len(),
            "every order of round {rounds} is in one batch"
        );
        for batch in &report.batches {
            match &batch.result {
                Ok(r) => {
                    assert_eq!(r.processed as usize, batch.range.len());
                    accounted.extend(
                        pending[batch.range.clone()]
                            .iter()
                            .map(|o| o.id.to_string()),
                    );
                }
                Err(e) => {
                    failed_batches += 1;
                    // Only the injected faults (or a timeout on a slow machine) fail a batch.
                    assert!(
                        matches!(
                            e,
                            Error::RetriesExhausted { .. }
                                | Error::Api(_)
                                | Error::Timeout { .. }
                                | Error::Transport { .. }
                        ),
                        "{e:?}"
                    );
                }
            }
        }
        totals.accumulate(&report.totals);
        pending = report.failed_orders(&pending);
    }

    // The report side: every order in exactly one successful batch.
    let expected: Vec<String> = input.iter().map(|o| o.id.to_string()).collect();
    let mut seen = accounted.clone();
    seen.sort();
    assert_eq!(seen, expected, "each order accounted for exactly once");
    assert_eq!(totals.processed as usize, ORDERS);
    // New, or already stored by an attempt whose answer was lost.
    assert_eq!(
        (totals.uploaded + totals.skipped_because_not_changed) as usize,
        ORDERS,
        "{totals:?}"
    );
    assert!(failed_batches >= 1 && rounds >= 2, "resume was exercised");
    // Uploads applied and then lost were sent again: the server saw them unchanged.
    assert!(totals.skipped_because_not_changed > 0, "{totals:?}");
    let repeated = server.applied().repeated(Operation::AddOrders);
    assert!(!repeated.is_empty(), "no upload was applied twice");

    // The server side: exactly the 10,000 orders, each once.
    let stored = server.store().orders();
    assert_eq!(stored.len(), ORDERS);
    let ids: BTreeSet<String> = stored.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(ids.len(), ORDERS);
    assert!(ids.iter().eq(expected.iter()));
    let one = server.store().order("soak-04321").unwrap();
    assert_eq!(one.revenue, Some(4421.0));

    // The faults really happened: about 10% of the upload requests.
    let log = server.requests().all();
    let uploads: Vec<_> = log
        .iter()
        .filter(|r| r.path.ends_with("/add-orders"))
        .collect();
    let faulted = uploads.iter().filter(|r| r.fault.is_some()).count();
    eprintln!(
        "soak ({}): {} upload requests, {faulted} faulted, {failed_batches} failed batches, {rounds} rounds",
        C::NAME,
        uploads.len()
    );
    assert!(
        faulted * 100 >= uploads.len() * 5,
        "{faulted} of {}",
        uploads.len()
    );
    for kind in [
        "Http500",
        "Reset",
        "StallFor",
        "Error",
        "AppliedThenReset",
        "AppliedThenCut",
        "AppliedThenStall",
    ] {
        assert!(
            uploads.iter().any(|r| r
                .fault
                .as_ref()
                .is_some_and(|f| format!("{f:?}").split([' ', '(', '{']).next() == Some(kind))),
            "no {kind} fault was injected"
        );
    }
}
