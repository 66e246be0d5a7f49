//! The retry safety of all nine operations in one table, and what it means: after a
//! failure that may have been applied, only the idempotent ones are sent again; after
//! one that was never sent, every one is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use roistat_core::endpoints::{
    AddOrders, DeleteOrder, GetOrderExternalUrl, GetOrderInfo, ListCustomFields, ListOrders,
    ListStatuses, SetStatuses, UpdateOrderStatus,
};
use roistat_core::types::{ListOrdersRequest, NewOrder, OrderId, Status, StatusId, StatusType};
use roistat_core::{
    Endpoint, Error, FailureKind, RequestState, RetryDecision, RetryPolicy, RetrySafety,
};

use RetrySafety::{Idempotent, NotIdempotent};

fn id() -> OrderId {
    OrderId::new("42").unwrap()
}

/// `(operation name, its safety, the safety this table expects)` for all nine.
fn table() -> Vec<(&'static str, RetrySafety, RetrySafety)> {
    fn row(e: &impl Endpoint, expected: RetrySafety) -> (&'static str, RetrySafety, RetrySafety) {
        (e.name(), e.retry_safety(), expected)
    }
    let status = Status::new(StatusId::new("1").unwrap(), "New", StatusType::Progress);
    vec![
        row(
            &ListOrders::new(ListOrdersRequest::new()).unwrap(),
            Idempotent,
        ),
        row(&GetOrderInfo::new(id()).unwrap(), Idempotent),
        row(&GetOrderExternalUrl::new(id()).unwrap(), Idempotent),
        row(&ListStatuses::new(), Idempotent),
        row(&ListCustomFields::new(), Idempotent),
        // An upsert by id: a repeat finds the orders unchanged.
        row(
            &AddOrders::new(vec![NewOrder::new(id())]).unwrap(),
            Idempotent,
        ),
        // A replacement of the whole dictionary with the same list.
        row(&SetStatuses::new(vec![status]).unwrap(), Idempotent),
        // Setting the same status again.
        row(
            &UpdateOrderStatus::new(id(), StatusId::new("1").unwrap()).unwrap(),
            Idempotent,
        ),
        // A second delete answers `resource_not_found` for a delete that worked.
        row(&DeleteOrder::new(id()).unwrap(), NotIdempotent),
    ]
}

fn decide(safety: RetrySafety, error: &Error) -> RetryDecision {
    RetryPolicy::default().decide(
        safety,
        &roistat_core::RateClass::Other,
        1,
        0,
        error,
        SystemTime::now(),
        &mut || 0.5,
    )
}

#[test]
fn every_operation_has_the_expected_retry_safety() {
    let table = table();
    assert_eq!(table.len(), 9);
    let mut names: Vec<&str> = table.iter().map(|r| r.0).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 9, "{names:?}");
    for (name, actual, expected) in table {
        assert_eq!(actual, expected, "{name}");
    }
}

#[test]
fn a_maybe_processed_failure_is_retried_only_for_idempotent_operations() {
    let maybe = [
        Error::transport(FailureKind::Io, None),
        Error::timeout(RequestState::MaybeProcessed),
    ];
    let not_sent = [
        Error::transport(FailureKind::Connect, None),
        Error::transport(FailureKind::ConnectTimeout, None),
    ];
    for (name, safety, _) in table() {
        for e in &maybe {
            assert_eq!(e.request_state(), RequestState::MaybeProcessed);
            let d = decide(safety, e);
            match safety {
                Idempotent => assert!(matches!(d, RetryDecision::RetryAfter(_)), "{name}: {d:?}"),
                _ => assert_eq!(d, RetryDecision::Stop, "{name}: {e:?}"),
            }
        }
        for e in &not_sent {
            assert_eq!(e.request_state(), RequestState::NotSent);
            let d = decide(safety, e);
            assert!(
                matches!(d, RetryDecision::RetryAfter(delay) if delay < Duration::from_secs(60)),
                "{name}: {e:?} was never sent, so it is retried: {d:?}"
            );
        }
    }
}
