//! One call's life, from the first rate-limit slot to the final answer.
//!
//! Both clients drive the same [`Exchange`]; only the I/O differs:
//!
//! ```text
//! let mut ex = Exchange::new(&config, &endpoint, &timeouts, Instant::now())?;
//! loop {
//!     match ex.next_step(&mut limiter, Instant::now())? {
//!         Step::Wait(until) => sleep_until(until),
//!         Step::Send { timeout } => {
//!             let result = send(ex.request(), timeout).and_then(|r| decode(&endpoint, r));
//!             match ex.finish(result, &mut limiter, &policy, Instant::now(), SystemTime::now(), &mut rng) {
//!                 Finish::Done(result) => return result,
//!                 Finish::RetryAt(until) => sleep_until(until),
//!             }
//!         }
//!     }
//! }
//! ```
//!
//! The exchange enforces the total timeout across rate-limit waits, attempts and
//! backoff: it never asks to wait past the deadline, and caps each attempt's timeout at
//! the time left.

use std::time::{Duration, Instant, SystemTime};

use http::Request;
use roistat_types::ErrorCode;

use crate::config::Config;
use crate::endpoint::{Endpoint, prepare};
use crate::error::{Error, Phase};
use crate::ratelimit::{Admission, RateClass, RateLimiter};
use crate::retry::{RetryDecision, RetryPolicy, RetrySafety};

/// The three timeouts of a call. None is ever infinite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection (TCP and TLS).
    pub connect: Duration,
    /// One attempt, from sending to the last byte of the answer.
    pub attempt: Duration,
    /// The whole call: rate-limit waits, every attempt and every backoff.
    pub total: Duration,
}

impl Default for Timeouts {
    /// 10 s to connect, 60 s per attempt (a page of 1,000 orders with visits is large),
    /// 5 minutes in all (a visit tier may need to wait a full minute for its slot).
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(60),
            total: Duration::from_secs(300),
        }
    }
}

impl Timeouts {
    /// Timeouts with the given values.
    pub fn new(connect: Duration, attempt: Duration, total: Duration) -> Self {
        Self {
            connect,
            attempt,
            total,
        }
    }
}

/// What the executor does next.
///
/// Exhaustive on purpose: a new step must break every executor at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Sleep until this instant, then ask again (waiting for a rate-limit slot).
    Wait(Instant),
    /// Send [`Exchange::request`] now, with this timeout for the attempt.
    Send {
        /// The attempt's timeout (never past the call's deadline).
        timeout: Duration,
    },
}

/// What follows an attempt (exhaustive, like [`Step`]).
#[derive(Debug)]
pub enum Finish<T> {
    /// The call is over.
    Done(Result<T, Error>),
    /// Sleep until this instant, then call [`Exchange::next_step`] again.
    RetryAt(Instant),
}

/// The state of one call (see the [module docs](self)).
#[derive(Debug)]
pub struct Exchange {
    name: &'static str,
    safety: RetrySafety,
    class: RateClass,
    request: Request<Vec<u8>>,
    attempt: u32,
    started: Instant,
    deadline: Instant,
    attempt_timeout: Duration,
    last_error: Option<Error>,
}

impl Exchange {
    /// Prepares the request for `endpoint` and starts the clock at `now`.
    pub fn new<E: Endpoint + ?Sized>(
        config: &Config,
        endpoint: &E,
        timeouts: &Timeouts,
        now: Instant,
    ) -> Result<Self, Error> {
        let request = prepare(config, endpoint)?;
        Ok(Self {
            name: endpoint.name(),
            safety: endpoint.retry_safety(),
            class: endpoint.rate_class(),
            request,
            attempt: 0,
            started: now,
            // Saturate: a total past what `Instant` holds (`Duration::MAX`) means the
            // latest deadline it can hold, not one that has already passed.
            deadline: std::iter::successors(Some(timeouts.total), |d| Some(*d / 2))
                .find_map(|d| now.checked_add(d))
                .unwrap_or(now),
            attempt_timeout: timeouts.attempt,
            last_error: None,
        })
    }

    /// The operation's name, for logs.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The request to send (the same bytes on every attempt).
    pub fn request(&self) -> &Request<Vec<u8>> {
        &self.request
    }

    /// The current attempt, counting from 1 once the first is sent.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// How long the call has taken so far.
    pub fn elapsed(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.started)
    }

    /// Asks for a rate-limit slot: send now (the slot is taken) or wait.
    ///
    /// Fails when the deadline has passed or the slot lies beyond it; after failed
    /// attempts, the error says so and keeps the last failure.
    pub fn next_step(&mut self, limiter: &mut RateLimiter, now: Instant) -> Result<Step, Error> {
        let left = self.deadline.saturating_duration_since(now);
        if left.is_zero() {
            return Err(self.give_up(Error::timeout(Phase::NotSent)));
        }
        match limiter.try_acquire(&self.class, now) {
            Admission::Now => {
                self.attempt += 1;
                Ok(Step::Send {
                    timeout: self.attempt_timeout.min(left),
                })
            }
            Admission::WaitUntil(at) if at <= self.deadline => Ok(Step::Wait(at)),
            Admission::WaitUntil(at) => Err(self.give_up(Error::RateLimited {
                wait: at.saturating_duration_since(now),
            })),
        }
    }

    /// Takes the attempt's result (transport error, or the decoded answer) and decides.
    pub fn finish<T>(
        &mut self,
        result: Result<T, Error>,
        limiter: &mut RateLimiter,
        policy: &RetryPolicy,
        now: Instant,
        wall_clock: SystemTime,
        rng: &mut impl FnMut() -> f64,
    ) -> Finish<T> {
        let error = match result {
            Ok(value) => return Finish::Done(Ok(value)),
            Err(e) => e,
        };
        if error.api_code() == Some(&ErrorCode::RequestLimitError)
            || error.http_status().map(|s| s.as_u16()) == Some(429)
        {
            // Roistat says our schedule is off (another integration shares the budget):
            // hold this class back so every caller slows down, not just this one.
            limiter.note_rate_limited(&self.class, now);
        }
        match policy.decide_error(self.safety, self.attempt, &error, wall_clock, rng) {
            RetryDecision::RetryAfter(delay)
                if now.checked_add(delay).is_some_and(|at| at < self.deadline) =>
            {
                self.last_error = Some(error);
                Finish::RetryAt(now + delay)
            }
            _ => Finish::Done(Err(self.wrap(error))),
        }
    }

    /// The final error: the failure itself after one attempt, or
    /// [`Error::RetriesExhausted`] around the last failure after several.
    fn wrap(&mut self, error: Error) -> Error {
        if self.attempt > 1 {
            Error::RetriesExhausted {
                attempts: self.attempt,
                last: Box::new(error),
            }
        } else {
            error
        }
    }

    /// Ends the call before another attempt: the earlier failure, if any, is what the
    /// caller needs to see.
    fn give_up(&mut self, reason: Error) -> Error {
        match self.last_error.take() {
            Some(last) => self.wrap(last),
            None => reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiKey;
    use crate::endpoints::{DeleteOrder, ListOrders, ListStatuses};
    use crate::error::ApiError;
    use crate::ratelimit::ScheduleConfig;
    use crate::types::{ListOrdersRequest, OrderId, ProjectId};
    use http::StatusCode;

    fn config() -> Config {
        Config::new(ProjectId::new(1), ApiKey::new("k").unwrap())
    }

    fn api(code: ErrorCode) -> Error {
        ApiError::new(code, StatusCode::OK).into()
    }

    fn zero() -> f64 {
        0.0
    }

    #[test]
    fn success_on_first_attempt() {
        let t0 = Instant::now();
        let mut lim = RateLimiter::new(ScheduleConfig::disabled());
        let mut ex =
            Exchange::new(&config(), &ListStatuses::new(), &Timeouts::default(), t0).unwrap();
        assert_eq!(
            ex.next_step(&mut lim, t0).unwrap(),
            Step::Send {
                timeout: Duration::from_secs(60)
            }
        );
        assert_eq!(
            ex.request().uri().path(),
            "/api/v1/project/integration/status/list"
        );
        let done = ex.finish(
            Ok(7),
            &mut lim,
            &RetryPolicy::default(),
            t0,
            SystemTime::now(),
            &mut zero,
        );
        assert!(matches!(done, Finish::Done(Ok(7))));
    }

    #[test]
    fn retries_then_wraps_the_last_error() {
        let t0 = Instant::now();
        let mut lim = RateLimiter::new(ScheduleConfig::disabled());
        let policy = RetryPolicy::default().with_max_attempts(3);
        let mut ex =
            Exchange::new(&config(), &ListStatuses::new(), &Timeouts::default(), t0).unwrap();
        let mut now = t0;
        for _ in 0..2 {
            ex.next_step(&mut lim, now).unwrap();
            match ex.finish::<()>(
                Err(api(ErrorCode::InternalError)),
                &mut lim,
                &policy,
                now,
                SystemTime::now(),
                &mut zero,
            ) {
                Finish::RetryAt(at) => now = at,
                other => panic!("expected a retry, got {other:?}"),
            }
        }
        ex.next_step(&mut lim, now).unwrap();
        match ex.finish::<()>(
            Err(api(ErrorCode::InternalError)),
            &mut lim,
            &policy,
            now,
            SystemTime::now(),
            &mut zero,
        ) {
            Finish::Done(Err(Error::RetriesExhausted { attempts: 3, last })) => {
                assert_eq!(last.api_code(), Some(&ErrorCode::InternalError));
            }
            other => panic!("expected exhaustion, got {other:?}"),
        }
    }

    #[test]
    fn never_retries_a_delete_that_may_have_been_processed() {
        let t0 = Instant::now();
        let mut lim = RateLimiter::new(ScheduleConfig::disabled());
        let delete = DeleteOrder::new(OrderId::new("1").unwrap()).unwrap();
        let mut ex = Exchange::new(&config(), &delete, &Timeouts::default(), t0).unwrap();
        ex.next_step(&mut lim, t0).unwrap();
        let r = ex.finish::<()>(
            Err(Error::timeout(Phase::MaybeProcessed)),
            &mut lim,
            &RetryPolicy::default(),
            t0,
            SystemTime::now(),
            &mut zero,
        );
        assert!(matches!(
            r,
            Finish::Done(Err(Error::Timeout {
                phase: Phase::MaybeProcessed
            }))
        ));
    }

    #[test]
    fn the_deadline_bounds_waits_and_attempts() {
        let t0 = Instant::now();
        let timeouts = Timeouts::new(
            Duration::from_secs(1),
            Duration::from_secs(10),
            Duration::from_secs(30),
        );
        // One slot a minute: the second call must refuse to wait 60 s with 30 s left.
        let schedule = ScheduleConfig::documented().without_project_budget();
        let mut lim = RateLimiter::new(schedule);
        let big = ListOrders::new(ListOrdersRequest::new().with_visits().limit(5000)).unwrap();
        let mut first = Exchange::new(&config(), &big, &timeouts, t0).unwrap();
        assert!(matches!(
            first.next_step(&mut lim, t0).unwrap(),
            Step::Send { .. }
        ));
        let mut second = Exchange::new(&config(), &big, &timeouts, t0).unwrap();
        assert!(matches!(
            second.next_step(&mut lim, t0),
            Err(Error::RateLimited { .. })
        ));

        // The attempt timeout shrinks to the time left.
        let mut lim = RateLimiter::new(ScheduleConfig::disabled());
        let mut ex = Exchange::new(&config(), &ListStatuses::new(), &timeouts, t0).unwrap();
        let late = t0 + Duration::from_secs(25);
        assert_eq!(
            ex.next_step(&mut lim, late).unwrap(),
            Step::Send {
                timeout: Duration::from_secs(5)
            }
        );
        // A retry that would land past the deadline ends the call with the real error.
        let policy = RetryPolicy::default().with_base_delay(Duration::from_secs(20));
        let r = ex.finish::<()>(
            Err(api(ErrorCode::RequestLimitError)),
            &mut lim,
            &policy,
            late,
            SystemTime::now(),
            &mut zero,
        );
        match r {
            Finish::Done(Err(e)) => assert_eq!(e.api_code(), Some(&ErrorCode::RequestLimitError)),
            other => panic!("{other:?}"),
        }
        // Past the deadline nothing is sent.
        let mut ex = Exchange::new(&config(), &ListStatuses::new(), &timeouts, t0).unwrap();
        assert!(matches!(
            ex.next_step(&mut lim, t0 + Duration::from_secs(31)),
            Err(Error::Timeout {
                phase: Phase::NotSent
            })
        ));
    }
}
