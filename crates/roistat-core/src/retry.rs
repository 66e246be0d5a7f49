//! The retry policy as a pure decision: a failure in, "stop" or "wait" out.
//!
//! What a failure means is decided once, by [`Error::classify`]; this module adds the
//! operation's [`RetrySafety`], the attempt count and the timing:
//!
//! | failure | retried? | after |
//! |---|---|---|
//! | transport error or timeout before the request was sent | always | backoff |
//! | transport error or timeout after it may have been processed | only if [`Idempotent`](RetrySafety::Idempotent) | backoff |
//! | `request_limit_error`, HTTP 429, order list | always | until the limiter's window frees a slot (or `Retry-After`) |
//! | `request_limit_error`, HTTP 429, other methods | always | about 1 s, then 5 s, then 15 s, jittered (or `Retry-After`) |
//! | `internal_error`, HTTP 500, 502, 504, 503 without `Retry-After` | only if idempotent | backoff |
//! | HTTP 503 with `Retry-After` (the server refused before doing anything) | always | `Retry-After` |
//! | an answer over the size cap, any other code or status, undecodable bodies | never | |
//!
//! Every retry counts against [`max_attempts`](RetryPolicy::max_attempts) (the default
//! 4 attempts leave room for the 1 s, 5 s and 15 s waits), and the call's total timeout
//! bounds them all. Backoff is exponential with full jitter
//! (`random(0, min(max_delay, base * 2^(n-1)))`) and the randomness is a parameter, so
//! tests are deterministic. The executors sleep; this module only computes.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use roistat_core::{Error, FailureKind, RateClass};
//! use roistat_core::retry::{RetryDecision, RetryPolicy, RetrySafety};
//!
//! let policy = RetryPolicy::default();
//! let now = SystemTime::now();
//! let mut rng = || 0.5;
//! // A connection refused before sending: retry after half of the first backoff step.
//! let refused = Error::transport(FailureKind::Connect, None);
//! assert_eq!(
//!     policy.decide(RetrySafety::NotIdempotent, &RateClass::Other, 1, 0, &refused, now, &mut rng),
//!     RetryDecision::RetryAfter(Duration::from_millis(250))
//! );
//! // A reset after sending a delete: never repeat it.
//! let reset = Error::transport(FailureKind::Io, None);
//! assert_eq!(
//!     policy.decide(RetrySafety::NotIdempotent, &RateClass::Other, 1, 0, &reset, now, &mut rng),
//!     RetryDecision::Stop
//! );
//! ```

use std::time::{Duration, SystemTime};

use http::HeaderMap;

use crate::error::Error;
use crate::ratelimit::RateClass;

/// Whether an operation may be sent again after it may already have been processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetrySafety {
    /// Repeating it has the same effect as sending it once (reads, upserts, replacements).
    Idempotent,
    /// Repeating it may differ (e.g. a second delete answers `resource_not_found`).
    NotIdempotent,
}

/// A `Retry-After` header: a number of seconds or an HTTP date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Delay(Duration),
    /// `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`.
    At(SystemTime),
}

impl RetryAfter {
    /// Parses a header value; `None` if it is neither seconds nor an IMF-fixdate.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // Absurdly long digit strings saturate instead of failing.
            let secs = value.parse::<u64>().unwrap_or(u64::MAX);
            return Some(RetryAfter::Delay(Duration::from_secs(secs)));
        }
        let format = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let at = time::PrimitiveDateTime::parse(value, format).ok()?;
        Some(RetryAfter::At(at.assume_utc().into()))
    }

    /// The first parsable `Retry-After` header of a response.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        headers
            .get_all(http::header::RETRY_AFTER)
            .iter()
            .find_map(|v| v.to_str().ok().and_then(Self::parse))
    }

    /// How long to wait from `now` (zero for a date in the past).
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match *self {
            RetryAfter::Delay(d) => d,
            RetryAfter::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Give up: the failure is final.
    Stop,
    /// Try again after this delay.
    RetryAfter(Duration),
    /// Try again as soon as the rate limiter admits the request (an order-list call
    /// refused by the server: the limiter has counted the refusal and knows when its
    /// window frees a slot).
    WhenAdmitted,
}

/// When to retry (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    rate_limit_delays: Vec<Duration>,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 0.5 s to 30 s, rate-limit waits of 1 s, 5 s and 15 s for
    /// methods outside the order list (what worked against the live API), `Retry-After`
    /// honoured up to 2 minutes.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            rate_limit_delays: vec![
                Duration::from_secs(1),
                Duration::from_secs(5),
                Duration::from_secs(15),
            ],
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// At most `n` attempts (at least 1) for transient failures.
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first backoff step.
    pub fn with_base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The longest backoff step.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The waits after successive `request_limit_error`s of methods outside the order
    /// list (the last one repeats); an empty list means 1 s.
    pub fn with_rate_limit_delays(mut self, delays: Vec<Duration>) -> Self {
        self.rate_limit_delays = delays;
        self
    }

    /// The longest `Retry-After` honoured (longer ones are cut to this).
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The attempts allowed for transient failures.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The first backoff step.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest backoff step.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The waits after successive rate-limit refusals (other methods).
    pub fn rate_limit_delays(&self) -> &[Duration] {
        &self.rate_limit_delays
    }

    /// The longest `Retry-After` honoured.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The longest single delay the policy can ask for.
    pub fn max_wait(&self) -> Duration {
        let rate = self
            .rate_limit_delays
            .iter()
            .max()
            .copied()
            .unwrap_or(Duration::from_secs(1));
        self.max_delay
            .max(rate.saturating_add(rate / 2))
            .max(self.max_retry_after)
    }

    /// Decides after a failed attempt.
    ///
    /// `attempt` counts the attempts made so far (from 1), `refusals` the rate-limit
    /// refusals among them; `now` resolves a `Retry-After` date; `rng` yields numbers
    /// in `[0, 1)` for the jitter.
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        &self,
        safety: RetrySafety,
        class: &RateClass,
        attempt: u32,
        refusals: u32,
        error: &Error,
        now: SystemTime,
        rng: &mut impl FnMut() -> f64,
    ) -> RetryDecision {
        let c = error.classify();
        if !c.transient || (c.may_have_applied && safety != RetrySafety::Idempotent) {
            return RetryDecision::Stop;
        }
        let retry_after = error
            .retry_after()
            .map(|r| r.delay_from(now).min(self.max_retry_after));
        if attempt >= self.max_attempts {
            return RetryDecision::Stop;
        }
        if c.rate_limited {
            return match (retry_after, class) {
                (Some(ra), _) => RetryDecision::RetryAfter(ra),
                (None, RateClass::OrderList { .. }) => RetryDecision::WhenAdmitted,
                (None, _) => {
                    let i = usize::try_from(refusals.saturating_sub(1)).unwrap_or(usize::MAX);
                    let step = self
                        .rate_limit_delays
                        .get(i)
                        .or(self.rate_limit_delays.last())
                        .copied()
                        .unwrap_or(Duration::from_secs(1));
                    // +-25 % so that clients refused together do not return together.
                    let jittered = scale(step / 2, rng()).saturating_add(step.mul_f64(0.75));
                    RetryDecision::RetryAfter(jittered.min(self.max_wait()))
                }
            };
        }
        let transient_attempts = attempt.saturating_sub(refusals).max(1);
        let backoff = scale(self.backoff_cap(transient_attempts), rng());
        let delay = retry_after.map_or(backoff, |ra| backoff.max(ra));
        RetryDecision::RetryAfter(delay.min(self.max_wait()))
    }

    fn backoff_cap(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

fn scale(d: Duration, r: f64) -> Duration {
    let r = if r.is_finite() {
        r.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let nanos = (d.as_nanos() as f64 * r) as u128;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)).min(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, FailureKind, RequestState};
    use RetrySafety::*;
    use http::StatusCode;
    use proptest::prelude::*;
    use roistat_types::ErrorCode;

    const LIST: RateClass = RateClass::OrderList {
        with_visits: false,
        limit: Some(1000),
    };

    fn api(code: ErrorCode) -> Error {
        ApiError::new(code, StatusCode::OK).into()
    }

    fn status(s: u16, retry_after: Option<u64>) -> Error {
        Error::UnexpectedResponse {
            http_status: StatusCode::from_u16(s).unwrap(),
            snippet: String::new(),
            retry_after: retry_after.map(|s| RetryAfter::Delay(Duration::from_secs(s))),
        }
    }

    fn decide(
        p: &RetryPolicy,
        safety: RetrySafety,
        attempt: u32,
        e: &Error,
        r: f64,
    ) -> RetryDecision {
        p.decide(
            safety,
            &RateClass::Other,
            attempt,
            0,
            e,
            SystemTime::now(),
            &mut || r,
        )
    }

    fn retries(p: &RetryPolicy, safety: RetrySafety, e: &Error) -> bool {
        decide(p, safety, 1, e, 0.5) != RetryDecision::Stop
    }

    #[test]
    fn the_table_of_the_module_docs() {
        let p = RetryPolicy::default();
        for s in [Idempotent, NotIdempotent] {
            assert!(retries(
                &p,
                s,
                &Error::transport(FailureKind::Connect, None)
            ));
            assert!(retries(
                &p,
                s,
                &Error::transport(FailureKind::ConnectTimeout, None)
            ));
            assert!(retries(&p, s, &api(ErrorCode::RequestLimitError)));
            assert!(retries(&p, s, &status(429, None)));
            assert!(retries(&p, s, &status(503, Some(1))));
            assert!(!retries(&p, s, &api(ErrorCode::ResourceNotFound)));
            assert!(!retries(&p, s, &api(ErrorCode::AuthenticationFailed)));
            assert!(!retries(&p, s, &api(ErrorCode::Other("new".into()))));
            assert!(!retries(&p, s, &status(404, None)));
            assert!(!retries(&p, s, &status(200, None)));
            assert!(!retries(
                &p,
                s,
                &Error::transport(FailureKind::BodyTooLarge, None)
            ));
        }
        for e in [
            Error::transport(FailureKind::Io, None),
            Error::timeout(RequestState::MaybeProcessed),
            api(ErrorCode::InternalError),
            status(500, None),
            status(502, None),
            status(503, None),
            status(504, None),
        ] {
            assert!(retries(&p, Idempotent, &e), "{e:?}");
            assert!(!retries(&p, NotIdempotent, &e), "{e:?}");
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::default().with_max_attempts(3);
        let e = Error::transport(FailureKind::Connect, None);
        assert!(matches!(
            decide(&p, Idempotent, 2, &e, 0.0),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(decide(&p, Idempotent, 3, &e, 0.0), RetryDecision::Stop);
        assert_eq!(
            decide(&RetryPolicy::none(), Idempotent, 1, &e, 0.0),
            RetryDecision::Stop
        );
    }

    #[test]
    fn exponential_backoff_with_full_jitter() {
        let p = RetryPolicy::default();
        let e = Error::transport(FailureKind::Connect, None);
        let d = |attempt, r: f64| decide(&p, Idempotent, attempt, &e, r);
        let ms = |n| RetryDecision::RetryAfter(Duration::from_millis(n));
        assert_eq!(d(1, 1.0), ms(500));
        assert_eq!(d(2, 1.0), ms(1000));
        assert_eq!(d(3, 1.0), ms(2000));
        assert_eq!(d(3, 0.0), ms(0));
        let p10 = p.clone().with_max_attempts(10);
        assert_eq!(decide(&p10, Idempotent, 9, &e, 1.0), ms(30_000));
        // Garbage randomness is clamped, never a panic.
        assert_eq!(d(1, f64::NAN), ms(0));
        assert_eq!(d(1, -3.0), ms(0));
        assert_eq!(d(1, 7.0), ms(500));
    }

    #[test]
    fn rate_limits_wait_for_the_window_or_escalate_by_method() {
        let p = RetryPolicy::default();
        let refused = api(ErrorCode::RequestLimitError);
        let now = SystemTime::now();
        // The order list waits for its own window (the limiter knows when).
        assert_eq!(
            p.decide(NotIdempotent, &LIST, 1, 1, &refused, now, &mut || 0.0),
            RetryDecision::WhenAdmitted
        );
        // Other methods: about 1 s, then 5 s, then 15 s (and 15 s after that), +-25 %.
        let other = |n, r| {
            p.decide(
                NotIdempotent,
                &RateClass::Other,
                n,
                n,
                &refused,
                now,
                &mut || r,
            )
        };
        let s = |x: f64| RetryDecision::RetryAfter(Duration::from_secs_f64(x));
        assert_eq!(other(1, 0.5), s(1.0));
        assert_eq!(other(2, 0.5), s(5.0));
        assert_eq!(other(3, 0.5), s(15.0));

        assert_eq!(other(1, 0.0), s(0.75));
        assert_eq!(other(1, 1.0), s(1.25));
        // Refusals count as attempts.
        assert_eq!(other(4, 0.5), RetryDecision::Stop);
        let many = RetryPolicy::default().with_max_attempts(50);
        assert_eq!(
            many.decide(
                NotIdempotent,
                &RateClass::Other,
                40,
                40,
                &refused,
                now,
                &mut || 0.5
            ),
            s(15.0)
        );
        // Retry-After wins, capped.
        let with_ra = |secs| {
            let mut e = ApiError::new(ErrorCode::RequestLimitError, StatusCode::OK);
            e.retry_after = Some(RetryAfter::Delay(Duration::from_secs(secs)));
            Error::from(e)
        };
        assert_eq!(
            p.decide(NotIdempotent, &LIST, 1, 1, &with_ra(7), now, &mut || 0.9),
            s(7.0)
        );
        assert_eq!(
            p.decide(Idempotent, &LIST, 1, 1, &with_ra(86_400), now, &mut || 0.9),
            s(120.0)
        );
        // A transient error's Retry-After is a floor under the backoff.
        assert_eq!(
            decide(&p, Idempotent, 1, &status(503, Some(3)), 0.5),
            s(3.0)
        );
    }

    #[test]
    fn retry_after_parsing() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_400); // 2015-10-21 07:26:40 UTC
        assert_eq!(
            RetryAfter::parse("120"),
            Some(RetryAfter::Delay(Duration::from_secs(120)))
        );
        let at = RetryAfter::parse("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(at.delay_from(now), Duration::from_secs(80));
        assert_eq!(
            RetryAfter::parse("Wed, 21 Oct 2015 07:00:00 GMT")
                .unwrap()
                .delay_from(now),
            Duration::ZERO
        );
        for bad in ["", "soon", "-5", "1.5", "Wed, 21 Oct 2015 07:28:00 PST"] {
            assert_eq!(RetryAfter::parse(bad), None, "{bad}");
        }
        assert_eq!(
            RetryAfter::parse("99999999999999999999999"),
            Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
        );
        let mut headers = HeaderMap::new();
        headers.append("retry-after", "garbage".parse().unwrap());
        headers.append("retry-after", "5".parse().unwrap());
        assert_eq!(
            RetryAfter::from_headers(&headers),
            Some(RetryAfter::Delay(Duration::from_secs(5)))
        );
    }

    fn any_error() -> impl Strategy<Value = Error> {
        let kind = proptest::sample::select(vec![
            FailureKind::Resolve,
            FailureKind::Connect,
            FailureKind::ConnectTimeout,
            FailureKind::Tls,
            FailureKind::Timeout,
            FailureKind::Io,
            FailureKind::BodyTooLarge,
            FailureKind::Other,
        ]);
        let ra = proptest::option::of(0u64..1_000_000);
        let code = prop_oneof![
            proptest::sample::select(ErrorCode::KNOWN.to_vec()),
            "[a-z_]{1,12}".prop_map(|s| ErrorCode::from(s.as_str())),
        ];
        prop_oneof![
            kind.prop_map(|k| Error::transport(k, None)),
            (100u16..600, ra.clone()).prop_map(|(s, ra)| status(s, ra.map(|ms| ms / 1000))),
            (code, ra).prop_map(|(code, ra)| {
                let mut e = ApiError::new(code, StatusCode::OK);
                e.retry_after = ra.map(|ms| RetryAfter::Delay(Duration::from_millis(ms)));
                Error::from(e)
            }),
        ]
    }

    proptest! {
        #[test]
        fn never_repeats_what_may_have_been_applied_unless_idempotent(
            attempt in 1u32..10,
            error in any_error(),
            r in 0.0f64..1.0,
        ) {
            let p = RetryPolicy::default().with_max_attempts(20);
            let d = p.decide(NotIdempotent, &RateClass::Other, attempt, 0, &error, SystemTime::now(), &mut || r);
            if error.classify().may_have_applied {
                prop_assert_eq!(d, RetryDecision::Stop);
            }
        }

        #[test]
        fn delays_are_capped_and_attempts_bounded(
            attempt in 1u32..40,
            max_attempts in 1u32..20,
            error in any_error(),
            idempotent in any::<bool>(),
            r in -1.0f64..2.0,
            base_ms in 0u64..10_000,
            cap_ms in 0u64..100_000,
        ) {
            let p = RetryPolicy::default()
                .with_max_attempts(max_attempts)
                .with_base_delay(Duration::from_millis(base_ms))
                .with_max_delay(Duration::from_millis(cap_ms));
            let safety = if idempotent { Idempotent } else { NotIdempotent };
            match p.decide(safety, &RateClass::Other, attempt, 0, &error, SystemTime::now(), &mut || r) {
                RetryDecision::Stop | RetryDecision::WhenAdmitted => {}
                RetryDecision::RetryAfter(d) => {
                    prop_assert!(d <= p.max_wait());
                    prop_assert!(attempt < max_attempts);
                    if matches!(error, Error::Transport { .. } | Error::Timeout { .. }) {
                        prop_assert!(d <= p.max_delay());
                    }
                }
            }
        }
    }
}
