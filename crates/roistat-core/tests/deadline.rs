//! The total timeout: a huge one means no limit, never "already expired".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::config;
use roistat_core::endpoints::ListStatuses;
use roistat_core::{Exchange, RateLimiter, ScheduleConfig, Step, Timeouts};

#[test]
fn a_total_timeout_of_duration_max_saturates() {
    let t0 = Instant::now();
    let timeouts = Timeouts::new(
        Duration::from_secs(1),
        Duration::from_secs(7),
        Duration::MAX,
    );
    let mut ex = Exchange::new(&config(), &ListStatuses::new(), &timeouts, t0).unwrap();
    let mut limiter = RateLimiter::new(ScheduleConfig::disabled());
    // Before the fix the deadline was `t0` itself: the first step was a timeout.
    assert_eq!(
        ex.next_step(&mut limiter, t0).unwrap(),
        Step::Send {
            timeout: Duration::from_secs(7)
        }
    );
    // Still no deadline a century later.
    let later = t0 + Duration::from_secs(100 * 365 * 24 * 3600);
    assert!(matches!(
        ex.next_step(&mut limiter, later),
        Ok(Step::Send { .. })
    ));
}

#[test]
fn an_ordinary_total_timeout_still_expires() {
    let t0 = Instant::now();
    let timeouts = Timeouts::new(
        Duration::from_secs(1),
        Duration::from_secs(7),
        Duration::from_secs(30),
    );
    let mut ex = Exchange::new(&config(), &ListStatuses::new(), &timeouts, t0).unwrap();
    let mut limiter = RateLimiter::new(ScheduleConfig::disabled());
    assert!(
        ex.next_step(&mut limiter, t0 + Duration::from_secs(30))
            .is_err()
    );
}
