//! The total timeout: a huge one means no limit, never "already expired".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use roistat_core::endpoints::ListStatuses;
use roistat_core::{ClientBuilder, Engine, Error, FromEngine, ScheduleConfig, Step};

const LIST_STATUSES: ListStatuses = ListStatuses::new();

struct Engineless;
impl FromEngine for Engineless {
    fn from_engine(_: Engine) -> Result<Self, Error> {
        Ok(Engineless)
    }
}

fn engine(total: Duration) -> Engine {
    ClientBuilder::<Engineless>::new()
        .project(1)
        .api_key("k")
        .timeout(Duration::from_secs(7))
        .total_timeout(total)
        .rate_limits(ScheduleConfig::disabled())
        .engine()
        .unwrap()
}

#[test]
fn a_total_timeout_of_duration_max_saturates() {
    let t0 = Instant::now();
    let mut call = engine(Duration::MAX).call(&LIST_STATUSES, t0).unwrap();
    // Before the fix the deadline was `t0` itself: the first step was a timeout.
    assert!(matches!(
        call.next_step(t0),
        Step::Send { timeout } if timeout == Duration::from_secs(7)
    ));
    // Still no deadline years later.
    let mut call = engine(Duration::MAX).call(&LIST_STATUSES, t0).unwrap();
    let later = t0 + Duration::from_secs(20 * 365 * 24 * 3600);
    assert!(matches!(call.next_step(later), Step::Send { .. }));
}

#[test]
fn an_ordinary_total_timeout_still_expires() {
    let t0 = Instant::now();
    let mut call = engine(Duration::from_secs(30))
        .call(&LIST_STATUSES, t0)
        .unwrap();
    assert!(matches!(
        call.next_step(t0 + Duration::from_secs(30)),
        Step::Done(Err(Error::Timeout { .. }))
    ));
}
