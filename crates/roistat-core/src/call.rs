//! One call's life, from the first rate-limit slot to the decoded answer.
//!
//! Both clients drive the same [`Call`], which owns the request, the policy (through
//! its [`Engine`]) and the deadline; the executor only sends bytes, reads the answer's
//! parts and sleeps:
//!
//! ```text
//! let mut call = engine.call(&endpoint, Instant::now())?;
//! loop {
//!     match call.next_step(Instant::now()) {
//!         Step::Done(result) => return result,
//!         Step::Wait { until, .. } => sleep_until_or_cancelled(until),
//!         Step::Send { timeout } => {
//!             let answer = send(call.request(), timeout); // Result<Response, Error>
//!             call.receive(answer, Instant::now(), SystemTime::now());
//!         }
//!     }
//! }
//! ```
//!
//! The call enforces the total timeout across rate-limit waits, attempts and backoff
//! (it never asks to wait past the deadline, and caps each attempt's timeout at the time
//! left), honours the engine's [`CancelHandle`](crate::CancelHandle) at every step,
//! decodes the answer itself, and tells the engine's wait observer of every wait.

use std::time::{Duration, Instant, SystemTime};

use http::Request;

use crate::decode::decode_with;
use crate::endpoint::{Endpoint, prepare};
use crate::engine::{Engine, WaitEvent, WaitReason};
use crate::error::{Error, RequestState};
use crate::ratelimit::{Admission, RateClass};
use crate::redact::redact_secret;
use crate::retry::{RetryDecision, RetrySafety};
use crate::transport::{Response, body_too_large};

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
    /// Timeouts with the given values (a total of `Duration::MAX` means "no deadline
    /// of our own": deadlines saturate instead of overflowing).
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
#[derive(Debug)]
pub enum Step<T> {
    /// Sleep until this instant (or until cancelled), then ask again.
    Wait {
        /// When to ask again.
        until: Instant,
        /// Why.
        reason: WaitReason,
    },
    /// Send [`Call::request`] now, with this timeout for the attempt, and hand the
    /// outcome to [`Call::receive`].
    Send {
        /// The attempt's timeout (never past the call's deadline).
        timeout: Duration,
    },
    /// The call is over.
    Done(Result<T, Error>),
}

/// The state of one call (see the [module docs](self)).
#[must_use = "a call does nothing unless driven with next_step"]
pub struct Call<'e, E: Endpoint + ?Sized> {
    engine: Engine,
    endpoint: &'e E,
    name: &'static str,
    safety: RetrySafety,
    class: RateClass,
    request: Request<Vec<u8>>,
    attempt: u32,
    refusals: u32,
    started: Instant,
    deadline: Instant,
    retry_at: Option<(Instant, WaitReason)>,
    notified: Option<Instant>,
    may_have_applied: bool,
    last_error: Option<Error>,
    outcome: Option<Result<E::Output, Error>>,
}

impl<E: Endpoint + ?Sized> std::fmt::Debug for Call<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.name)
            .field("attempt", &self.attempt)
            .field("refusals", &self.refusals)
            .finish_non_exhaustive()
    }
}

impl<'e, E: Endpoint + ?Sized> Call<'e, E> {
    /// Prepares the request for `endpoint` and starts the clock at `now`.
    pub(crate) fn new(engine: Engine, endpoint: &'e E, now: Instant) -> Result<Self, Error> {
        let request = prepare(&engine.config, endpoint)?;
        let deadline = now
            .checked_add(engine.timeouts.total)
            .unwrap_or_else(|| far_future(now));
        Ok(Self {
            name: endpoint.name(),
            safety: endpoint.retry_safety(),
            class: endpoint.rate_class(),
            request,
            endpoint,
            attempt: 0,
            refusals: 0,
            started: now,
            deadline,
            retry_at: None,
            notified: None,
            may_have_applied: false,
            last_error: None,
            outcome: None,
            engine,
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

    /// The most body bytes to read (the engine's
    /// [`max_body_size`](Engine::max_body_size), by default
    /// [`MAX_BODY_BYTES`](crate::transport::MAX_BODY_BYTES)): executors stop reading
    /// past it and report [`FailureKind::BodyTooLarge`](crate::FailureKind::BodyTooLarge).
    pub fn body_limit(&self) -> u64 {
        self.engine.max_body
    }

    /// The current attempt, counting from 1 once the first is sent.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// How many times the server refused the call for its rate limit.
    pub fn refusals(&self) -> u32 {
        self.refusals
    }

    /// How long the call has taken so far.
    pub fn elapsed(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.started)
    }

    /// What to do next at `now`.
    pub fn next_step(&mut self, now: Instant) -> Step<E::Output> {
        if let Some(outcome) = self.outcome.take() {
            return Step::Done(outcome);
        }
        if self.engine.cancel.is_cancelled() {
            let state = if self.may_have_applied {
                RequestState::MaybeProcessed
            } else {
                RequestState::NotSent
            };
            return Step::Done(Err(Error::Cancelled { state }));
        }
        if now >= self.deadline {
            return Step::Done(Err(self.give_up(Error::timeout(RequestState::NotSent))));
        }
        if let Some((at, reason)) = self.retry_at {
            if at > now {
                return self.wait(at, reason, now);
            }
            self.retry_at = None;
        }
        let admission = self.engine.limiter().try_acquire(&self.class, now);
        match admission {
            Admission::WaitUntil(at) if at <= self.deadline => {
                self.wait(at, WaitReason::RateLimit, now)
            }
            Admission::WaitUntil(at) => Step::Done(Err(self.give_up(Error::RateLimited {
                wait: at.saturating_duration_since(now),
            }))),
            // `Admission` may grow; anything but a wait means "send".
            _ => {
                self.attempt += 1;
                let left = self.deadline.saturating_duration_since(now);
                Step::Send {
                    timeout: self.engine.timeouts.attempt.min(left),
                }
            }
        }
    }

    /// Takes the attempt's outcome: the answer's parts, or the transport failure the
    /// executor mapped with [`Error::transport`]. `now` is when it ended; `wall_clock`
    /// resolves a `Retry-After` date.
    pub fn receive(
        &mut self,
        answer: Result<Response, Error>,
        now: Instant,
        wall_clock: SystemTime,
    ) {
        let result = answer.and_then(|response| {
            if response.body.len() as u64 > self.body_limit() {
                return Err(body_too_large(self.body_limit()));
            }
            tracing::debug!(
                operation = self.name,
                attempt = self.attempt,
                status = response.status.as_u16(),
                bytes = response.body.len(),
                "response"
            );
            decode_with(
                self.endpoint,
                response.status,
                &response.headers,
                &response.body,
                &self.engine.decode,
            )
        });
        let error = match result {
            Ok(value) => {
                self.outcome = Some(Ok(value));
                return;
            }
            // A proxy page or an error description may echo the key back.
            Err(e) => redact_secret(e, self.engine.config.api_key()),
        };
        tracing::debug!(operation = self.name, attempt = self.attempt, error = %error, "attempt failed");
        let class = error.classify();
        self.may_have_applied |= class.may_have_applied;
        if class.rate_limited {
            self.refusals += 1;
            self.engine.note_refusal();
            // The server says the window is full (another integration may share it):
            // hold the class back so every caller of this client slows down.
            self.engine.limiter().note_rate_limited(&self.class, now);
        }
        let rate_class = self.class;
        let decision = self.decide(&rate_class, &error, wall_clock);
        // An order-list refusal waits for the limiter's window; a limiter that knows no
        // window (switched off) would let it go again at once: wait like other methods.
        let decision = match decision {
            RetryDecision::WhenAdmitted
                if self.engine.limiter().check(&self.class, now) == Admission::Now =>
            {
                self.decide(&RateClass::Other, &error, wall_clock)
            }
            other => other,
        };
        let reason = if class.rate_limited {
            WaitReason::ServerRateLimit
        } else {
            WaitReason::Backoff
        };
        match decision {
            RetryDecision::RetryAfter(delay) => match now.checked_add(delay) {
                Some(at) if at < self.deadline => {
                    self.retry_at = Some((at, reason));
                    self.last_error = Some(error);
                }
                _ => self.outcome = Some(Err(self.wrap(error))),
            },
            RetryDecision::WhenAdmitted => self.last_error = Some(error),
            _ => self.outcome = Some(Err(self.wrap(error))),
        }
    }

    fn decide(&self, class: &RateClass, error: &Error, wall_clock: SystemTime) -> RetryDecision {
        let engine = &self.engine;
        engine.retry.decide(
            self.safety,
            class,
            self.attempt,
            self.refusals,
            error,
            wall_clock,
            &mut || engine.random(),
        )
    }

    fn wait(&mut self, until: Instant, reason: WaitReason, now: Instant) -> Step<E::Output> {
        let reason = match (reason, &self.last_error) {
            // Waiting for the slot after a server refusal is the refusal's wait.
            (WaitReason::RateLimit, Some(e)) if e.classify().rate_limited => {
                WaitReason::ServerRateLimit
            }
            _ => reason,
        };
        if self.notified != Some(until) {
            self.notified = Some(until);
            self.engine.notify(&WaitEvent {
                operation: self.name,
                reason,
                wait: until.saturating_duration_since(now),
                attempt: self.attempt,
            });
        }
        Step::Wait { until, reason }
    }

    /// The final error: the failure itself after one attempt, or
    /// [`Error::RetriesExhausted`] around the last failure after several.
    fn wrap(&self, error: Error) -> Error {
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

/// A deadline that never comes in practice: `Instant` cannot hold `now + Duration::MAX`.
fn far_future(now: Instant) -> Instant {
    // About 30 years: no call lives that long, and the addition cannot overflow.
    now.checked_add(Duration::from_secs(30 * 365 * 24 * 3600))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiKey;
    use crate::cancel::CancelHandle;
    use crate::config::Config;
    use crate::decode::DecodeOptions;
    use crate::endpoints::{DeleteOrder, ListOrders, ListStatuses};
    use crate::error::{ApiError, FailureKind};
    use crate::ratelimit::ScheduleConfig;
    use crate::retry::RetryPolicy;
    use crate::transport::MAX_BODY_BYTES;
    use crate::types::{ErrorCode, ListOrdersRequest, OrderId, ProjectId};
    use http::{HeaderMap, StatusCode};
    use std::sync::{Arc, Mutex};

    const LIST_STATUSES: ListStatuses = ListStatuses::new();

    fn engine(schedule: ScheduleConfig, retry: RetryPolicy, timeouts: Timeouts) -> Engine {
        let config = Config::new(ProjectId::new(1), ApiKey::new("k").unwrap());
        Engine::new(
            config,
            timeouts,
            retry,
            schedule,
            DecodeOptions::default(),
            7,
        )
    }

    fn plain() -> Engine {
        engine(
            ScheduleConfig::disabled(),
            RetryPolicy::default(),
            Timeouts::default(),
        )
    }

    fn ok_statuses() -> Result<Response, Error> {
        Ok(Response::new(
            StatusCode::OK,
            HeaderMap::new(),
            br#"{"data":[],"total":0,"status":"success"}"#.to_vec(),
        ))
    }

    fn envelope(code: &str) -> Result<Response, Error> {
        Ok(Response::new(
            StatusCode::OK,
            HeaderMap::new(),
            format!(r#"{{"status":"error","error":"{code}"}}"#).into_bytes(),
        ))
    }

    fn send_step<T: std::fmt::Debug>(step: Step<T>) -> Duration {
        match step {
            Step::Send { timeout } => timeout,
            other => panic!("expected a send, got {other:?}"),
        }
    }

    #[test]
    fn success_on_first_attempt_decodes_in_core() {
        let t0 = Instant::now();
        let mut call = plain().call(&LIST_STATUSES, t0).unwrap();
        assert_eq!(send_step(call.next_step(t0)), Duration::from_secs(60));
        assert_eq!(
            call.request().uri().path(),
            "/api/v1/project/integration/status/list"
        );
        call.receive(ok_statuses(), t0, SystemTime::now());
        match call.next_step(t0) {
            Step::Done(Ok(list)) => assert_eq!(list.total, 0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retries_then_wraps_the_last_error() {
        let t0 = Instant::now();
        let e = engine(
            ScheduleConfig::disabled(),
            RetryPolicy::default().with_max_attempts(3),
            Timeouts::default(),
        );
        let mut call = e.call(&LIST_STATUSES, t0).unwrap();
        let mut now = t0;
        let mut attempts = 0;
        loop {
            match call.next_step(now) {
                Step::Send { .. } => {
                    attempts += 1;
                    call.receive(envelope("internal_error"), now, SystemTime::now());
                }
                Step::Wait { until, reason } => {
                    assert_eq!(reason, WaitReason::Backoff);
                    now = until;
                }
                Step::Done(Err(Error::RetriesExhausted { attempts: 3, last })) => {
                    assert_eq!(last.api_code(), Some(&ErrorCode::InternalError));
                    break;
                }
                Step::Done(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(attempts, 3);
    }

    #[test]
    fn never_retries_a_delete_that_may_have_been_processed() {
        let t0 = Instant::now();
        let delete = DeleteOrder::new(OrderId::new("1").unwrap()).unwrap();
        let mut call = plain().call(&delete, t0).unwrap();
        send_step(call.next_step(t0));
        call.receive(
            Err(Error::transport(FailureKind::Io, None)),
            t0,
            SystemTime::now(),
        );
        match call.next_step(t0) {
            Step::Done(Err(Error::Transport { state, .. })) => {
                assert_eq!(state, RequestState::MaybeProcessed)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bodies_over_the_cap_fail_without_a_retry() {
        let t0 = Instant::now();
        let mut call = plain().call(&LIST_STATUSES, t0).unwrap();
        send_step(call.next_step(t0));
        let huge = vec![b' '; (MAX_BODY_BYTES + 1) as usize];
        call.receive(
            Ok(Response::new(StatusCode::OK, HeaderMap::new(), huge)),
            t0,
            SystemTime::now(),
        );
        match call.next_step(t0) {
            Step::Done(Err(e)) => {
                assert!(
                    matches!(
                        e,
                        Error::Transport {
                            kind: FailureKind::BodyTooLarge,
                            ..
                        }
                    ),
                    "{e:?}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cancel_ends_waits_and_says_what_may_have_been_processed() {
        let t0 = Instant::now();
        let cancel = CancelHandle::new();
        let e = plain().with_cancel_handle(cancel.clone());
        let mut call = e.call(&LIST_STATUSES, t0).unwrap();
        send_step(call.next_step(t0));
        call.receive(
            Err(Error::transport(FailureKind::Io, None)),
            t0,
            SystemTime::now(),
        );
        assert!(matches!(call.next_step(t0), Step::Wait { .. }));
        cancel.cancel();
        match call.next_step(t0) {
            Step::Done(Err(Error::Cancelled { state })) => {
                assert_eq!(state, RequestState::MaybeProcessed)
            }
            other => panic!("{other:?}"),
        }
        let mut fresh = e.call(&LIST_STATUSES, t0).unwrap();
        assert!(matches!(
            fresh.next_step(t0),
            Step::Done(Err(Error::Cancelled {
                state: RequestState::NotSent
            }))
        ));
    }

    #[test]
    fn a_refused_list_waits_for_its_window_and_other_methods_about_a_second() {
        let t0 = Instant::now();
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&events);
        let e = engine(
            ScheduleConfig::documented(),
            RetryPolicy::default(),
            Timeouts::default(),
        )
        .with_wait_observer(Arc::new(move |ev: &WaitEvent| {
            seen.lock().unwrap().push(*ev)
        }));
        // Other methods: refused, retried about a second later (0.75..1.25 s).
        let mut call = e.call(&LIST_STATUSES, t0).unwrap();
        send_step(call.next_step(t0));
        call.receive(envelope("request_limit_error"), t0, SystemTime::now());
        match call.next_step(t0) {
            Step::Wait { until, reason } => {
                assert_eq!(reason, WaitReason::ServerRateLimit);
                let wait = until - t0;
                assert!(
                    wait >= Duration::from_millis(750) && wait <= Duration::from_millis(1250),
                    "{wait:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        // The order list: refused at t0 + 5 s; its window (61 s) frees a slot when its
        // oldest stamp (t0 + 5 s) leaves it.
        let t5 = t0 + Duration::from_secs(5);
        let list = ListOrders::new(ListOrdersRequest::new().limit(1000)).unwrap();
        let mut call = e.call(&list, t5).unwrap();
        send_step(call.next_step(t5));
        call.receive(envelope("request_limit_error"), t5, SystemTime::now());
        match call.next_step(t5) {
            Step::Wait { until, reason } => {
                assert_eq!(reason, WaitReason::ServerRateLimit);
                assert_eq!(until, t5 + Duration::from_secs(61));
            }
            other => panic!("{other:?}"),
        }
        let events = events.lock().unwrap();
        assert_eq!(events.len(), 2);
        assert!(
            events
                .iter()
                .all(|e| e.reason == WaitReason::ServerRateLimit)
        );
        assert_eq!(events[1].operation, "list_orders");
    }

    #[test]
    fn a_refused_list_without_a_limiter_waits_like_other_methods() {
        let t0 = Instant::now();
        let e = engine(
            ScheduleConfig::disabled(),
            RetryPolicy::default(),
            Timeouts::default(),
        );
        let list = ListOrders::new(ListOrdersRequest::new().limit(1000)).unwrap();
        let mut call = e.call(&list, t0).unwrap();
        send_step(call.next_step(t0));
        call.receive(envelope("request_limit_error"), t0, SystemTime::now());
        match call.next_step(t0) {
            Step::Wait { until, reason } => {
                assert_eq!(reason, WaitReason::ServerRateLimit);
                let wait = until - t0;
                assert!(
                    wait >= Duration::from_millis(750) && wait <= Duration::from_millis(1250),
                    "{wait:?}"
                );
            }
            other => panic!("a refused list must not go again at once: {other:?}"),
        }
    }

    #[test]
    fn the_deadline_bounds_waits_and_attempts() {
        let t0 = Instant::now();
        let timeouts = Timeouts::new(
            Duration::from_secs(1),
            Duration::from_secs(10),
            Duration::from_secs(30),
        );
        // One slot a minute: the second call must refuse to wait 61 s with 30 s left.
        let e = engine(
            ScheduleConfig::documented().without_project_budget(),
            RetryPolicy::default(),
            timeouts,
        );
        let big = ListOrders::new(ListOrdersRequest::new().with_visits().limit(5000)).unwrap();
        let mut first = e.call(&big, t0).unwrap();
        send_step(first.next_step(t0));
        let mut second = e.call(&big, t0).unwrap();
        assert!(matches!(
            second.next_step(t0),
            Step::Done(Err(Error::RateLimited { .. }))
        ));

        // The attempt timeout shrinks to the time left.
        let e = engine(
            ScheduleConfig::disabled(),
            RetryPolicy::default().with_base_delay(Duration::from_secs(20)),
            timeouts,
        );
        let mut call = e.call(&LIST_STATUSES, t0).unwrap();
        let late = t0 + Duration::from_secs(25);
        assert_eq!(send_step(call.next_step(late)), Duration::from_secs(5));
        // A retry that would land past the deadline ends the call with the real error.
        call.receive(envelope("internal_error"), late, SystemTime::now());
        match call.next_step(late) {
            Step::Done(Err(e)) => assert_eq!(e.api_code(), Some(&ErrorCode::InternalError)),
            other => panic!("{other:?}"),
        }
        // Past the deadline nothing is sent.
        let mut call = e.call(&LIST_STATUSES, t0).unwrap();
        assert!(matches!(
            call.next_step(t0 + Duration::from_secs(31)),
            Step::Done(Err(Error::Timeout {
                state: RequestState::NotSent
            }))
        ));
    }

    #[test]
    fn an_endless_total_timeout_saturates_instead_of_failing_at_once() {
        let t0 = Instant::now();
        let e = engine(
            ScheduleConfig::disabled(),
            RetryPolicy::default(),
            Timeouts::new(
                Duration::from_secs(1),
                Duration::from_secs(10),
                Duration::MAX,
            ),
        );
        let mut call = e.call(&LIST_STATUSES, t0).unwrap();
        assert_eq!(send_step(call.next_step(t0)), Duration::from_secs(10));
        let _ = ApiError::new(ErrorCode::InternalError, StatusCode::OK);
    }
}
