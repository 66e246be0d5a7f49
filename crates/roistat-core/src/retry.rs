//! The retry policy as a pure decision: outcome in, "stop" or "wait this long" out.
//!
//! | outcome | retried? |
//! |---|---|
//! | transport error or timeout before the request was sent | always |
//! | transport error or timeout after it may have been processed | only if the operation is [`Idempotent`](RetrySafety::Idempotent) |
//! | `request_limit_error`, HTTP 429 | always, after at least the rate window (or `Retry-After`) |
//! | `internal_error`, HTTP 500, 502, 504 | only if idempotent (the server may have applied the request) |
//! | HTTP 503 | always (the service refused before doing anything) |
//! | any other Roistat error code or status, undecodable bodies | never |
//!
//! Backoff is exponential with full jitter (`random(0, min(max_delay, base * 2^(n-1)))`)
//! and the randomness is a parameter, so tests are deterministic. The executors sleep;
//! this module only computes.
//!
//! ```
//! use std::time::Duration;
//! use roistat_core::retry::{Outcome, RetryDecision, RetryPolicy, RetrySafety};
//! use roistat_core::error::Phase;
//!
//! let policy = RetryPolicy::default();
//! let mut rng = || 0.5;
//! // A connection refused before sending: retry after half of the first backoff step.
//! assert_eq!(
//!     policy.decide(RetrySafety::NotIdempotent, 1, &Outcome::Transport(Phase::NotSent), &mut rng),
//!     RetryDecision::RetryAfter(Duration::from_millis(250))
//! );
//! // A reset after sending a delete: never repeat it.
//! assert_eq!(
//!     policy.decide(RetrySafety::NotIdempotent, 1, &Outcome::Transport(Phase::MaybeProcessed), &mut rng),
//!     RetryDecision::Stop
//! );
//! ```

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};
use roistat_types::ErrorCode;

use crate::error::{Error, Phase};

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

/// What happened to one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// The connection failed.
    Transport(Phase),
    /// A timeout fired.
    Timeout(Phase),
    /// The server answered with this status and no Roistat error envelope.
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The server's `Retry-After`, resolved against the current time.
        retry_after: Option<Duration>,
    },
    /// Roistat answered with its error envelope.
    Api {
        /// The error code.
        code: ErrorCode,
        /// The server's `Retry-After`, resolved against the current time.
        retry_after: Option<Duration>,
    },
}

impl Outcome {
    /// The outcome an [`Error`] represents; `None` for errors that no retry can fix
    /// (invalid input, configuration, undecodable JSON, an exhausted retry loop).
    /// `now` resolves a `Retry-After` date.
    pub fn from_error(error: &Error, now: SystemTime) -> Option<Self> {
        let ra = error.retry_after().map(|r| r.delay_from(now));
        match error {
            Error::Transport { phase, .. } => Some(Outcome::Transport(*phase)),
            Error::Timeout { phase } => Some(Outcome::Timeout(*phase)),
            Error::Api(e) => Some(Outcome::Api {
                code: e.code.clone(),
                retry_after: ra,
            }),
            Error::UnexpectedResponse { http_status, .. } => Some(Outcome::Status {
                status: *http_status,
                retry_after: ra,
            }),
            _ => None,
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Give up and report the failure.
    Stop,
    /// Wait this long, then send the request again.
    RetryAfter(Duration),
}

/// How often and how patiently to retry (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    rate_limit_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, 500 ms base, 30 s cap; `request_limit_error` waits 60 s (one window of
    /// the per-minute tiers) plus jitter; `Retry-After` is honoured up to 120 s.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            rate_limit_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// Kinds of retryable outcome.
enum Kind {
    Transient,
    RateLimit,
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Total attempts including the first (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The first backoff step.
    pub fn with_base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The cap of the exponential backoff.
    pub fn with_max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The wait after `request_limit_error` or 429 without `Retry-After`.
    pub fn with_rate_limit_delay(mut self, d: Duration) -> Self {
        self.rate_limit_delay = d;
        self
    }

    /// The longest `Retry-After` honoured (longer ones are cut to this).
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Total attempts including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The first backoff step.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The cap of the exponential backoff.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The wait after a rate-limit answer without `Retry-After`.
    pub fn rate_limit_delay(&self) -> Duration {
        self.rate_limit_delay
    }

    /// The longest `Retry-After` honoured.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The longest wait [`decide`](Self::decide) can ever answer.
    pub fn max_wait(&self) -> Duration {
        self.max_delay
            .max(self.rate_limit_delay.saturating_add(self.base_delay))
            .max(self.max_retry_after)
    }

    /// Decides after attempt number `attempt` (1 for the first) ended with `outcome`.
    /// `rng` returns uniform numbers in `[0, 1)` (values outside are clamped).
    pub fn decide(
        &self,
        safety: RetrySafety,
        attempt: u32,
        outcome: &Outcome,
        rng: &mut impl FnMut() -> f64,
    ) -> RetryDecision {
        if attempt >= self.max_attempts {
            return RetryDecision::Stop;
        }
        let idempotent = safety == RetrySafety::Idempotent;
        let (kind, retry_after) = match outcome {
            Outcome::Transport(Phase::NotSent) | Outcome::Timeout(Phase::NotSent) => {
                (Kind::Transient, None)
            }
            Outcome::Transport(Phase::MaybeProcessed) | Outcome::Timeout(Phase::MaybeProcessed)
                if idempotent =>
            {
                (Kind::Transient, None)
            }
            Outcome::Status {
                status,
                retry_after,
            } => match status.as_u16() {
                429 => (Kind::RateLimit, *retry_after),
                503 => (Kind::Transient, *retry_after),
                // A gateway error or a crash may come after the request was applied.
                500 | 502 | 504 if idempotent => (Kind::Transient, *retry_after),
                _ => return RetryDecision::Stop,
            },
            Outcome::Api { code, retry_after } => match code {
                ErrorCode::RequestLimitError => (Kind::RateLimit, *retry_after),
                ErrorCode::InternalError if idempotent => (Kind::Transient, *retry_after),
                _ => return RetryDecision::Stop,
            },
            _ => return RetryDecision::Stop,
        };
        let retry_after = retry_after.map(|d| d.min(self.max_retry_after));
        let delay = match (kind, retry_after) {
            (Kind::RateLimit, Some(ra)) => ra,
            (Kind::RateLimit, None) => self
                .rate_limit_delay
                .saturating_add(scale(self.base_delay, rng())),
            (Kind::Transient, ra) => {
                let backoff = scale(self.backoff_cap(attempt), rng());
                ra.map_or(backoff, |ra| backoff.max(ra))
            }
        };
        RetryDecision::RetryAfter(delay.min(self.max_wait()))
    }

    /// Like [`decide`](Self::decide) for an [`Error`]; errors no retry can fix stop.
    pub fn decide_error(
        &self,
        safety: RetrySafety,
        attempt: u32,
        error: &Error,
        now: SystemTime,
        rng: &mut impl FnMut() -> f64,
    ) -> RetryDecision {
        match Outcome::from_error(error, now) {
            Some(outcome) => self.decide(safety, attempt, &outcome, rng),
            None => RetryDecision::Stop,
        }
    }

    /// `min(max_delay, base * 2^(attempt-1))`.
    fn backoff_cap(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// `d * r` for `r` clamped to `[0, 1]`, without the panics of `Duration::mul_f64`.
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
    use RetrySafety::*;
    use proptest::prelude::*;

    fn api(code: ErrorCode) -> Outcome {
        Outcome::Api {
            code,
            retry_after: None,
        }
    }

    fn status(s: u16) -> Outcome {
        Outcome::Status {
            status: StatusCode::from_u16(s).unwrap(),
            retry_after: None,
        }
    }

    fn retries(p: &RetryPolicy, safety: RetrySafety, o: &Outcome) -> bool {
        matches!(
            p.decide(safety, 1, o, &mut || 0.5),
            RetryDecision::RetryAfter(_)
        )
    }

    #[test]
    fn the_table_of_the_module_docs() {
        let p = RetryPolicy::default();
        for s in [Idempotent, NotIdempotent] {
            assert!(retries(&p, s, &Outcome::Transport(Phase::NotSent)));
            assert!(retries(&p, s, &Outcome::Timeout(Phase::NotSent)));
            assert!(retries(&p, s, &api(ErrorCode::RequestLimitError)));
            assert!(retries(&p, s, &status(429)));
            assert!(retries(&p, s, &status(503)));
            assert!(!retries(&p, s, &api(ErrorCode::ResourceNotFound)));
            assert!(!retries(&p, s, &api(ErrorCode::AuthenticationFailed)));
            assert!(!retries(&p, s, &api(ErrorCode::Other("new".into()))));
            assert!(!retries(&p, s, &status(404)));
            assert!(!retries(&p, s, &status(200)));
        }
        for o in [
            Outcome::Transport(Phase::MaybeProcessed),
            Outcome::Timeout(Phase::MaybeProcessed),
            api(ErrorCode::InternalError),
            status(500),
            status(502),
            status(504),
        ] {
            assert!(retries(&p, Idempotent, &o), "{o:?}");
            assert!(!retries(&p, NotIdempotent, &o), "{o:?}");
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy::default().with_max_attempts(3);
        let o = Outcome::Transport(Phase::NotSent);
        assert!(matches!(
            p.decide(Idempotent, 2, &o, &mut || 0.0),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(Idempotent, 3, &o, &mut || 0.0),
            RetryDecision::Stop
        );
        assert_eq!(
            RetryPolicy::none().decide(Idempotent, 1, &o, &mut || 0.0),
            RetryDecision::Stop
        );
    }

    #[test]
    fn exponential_backoff_with_full_jitter() {
        let p = RetryPolicy::default();
        let o = Outcome::Transport(Phase::NotSent);
        let d = |attempt, r: f64| p.decide(Idempotent, attempt, &o, &mut || r);
        let p10 = p.clone().with_max_attempts(10);
        assert_eq!(
            d(1, 1.0),
            RetryDecision::RetryAfter(Duration::from_millis(500))
        );
        assert_eq!(
            d(2, 1.0),
            RetryDecision::RetryAfter(Duration::from_millis(1000))
        );
        assert_eq!(
            d(3, 1.0),
            RetryDecision::RetryAfter(Duration::from_millis(2000))
        );
        assert_eq!(d(3, 0.0), RetryDecision::RetryAfter(Duration::ZERO));
        assert_eq!(
            p10.decide(Idempotent, 9, &o, &mut || 1.0),
            RetryDecision::RetryAfter(Duration::from_secs(30))
        );
        // Garbage randomness is clamped, never a panic.
        assert_eq!(d(1, f64::NAN), RetryDecision::RetryAfter(Duration::ZERO));
        assert_eq!(d(1, -3.0), RetryDecision::RetryAfter(Duration::ZERO));
        assert_eq!(
            d(1, 7.0),
            RetryDecision::RetryAfter(Duration::from_millis(500))
        );
    }

    #[test]
    fn rate_limits_wait_a_window_or_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(
                NotIdempotent,
                1,
                &api(ErrorCode::RequestLimitError),
                &mut || 0.0
            ),
            RetryDecision::RetryAfter(Duration::from_secs(60))
        );
        let with_ra = Outcome::Api {
            code: ErrorCode::RequestLimitError,
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(
            p.decide(NotIdempotent, 1, &with_ra, &mut || 0.9),
            RetryDecision::RetryAfter(Duration::from_secs(7))
        );
        let huge = Outcome::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(86_400)),
        };
        assert_eq!(
            p.decide(Idempotent, 1, &huge, &mut || 0.9),
            RetryDecision::RetryAfter(Duration::from_secs(120))
        );
        // A transient error's Retry-After is a floor under the backoff.
        let unavailable = Outcome::Status {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            p.decide(Idempotent, 1, &unavailable, &mut || 0.5),
            RetryDecision::RetryAfter(Duration::from_secs(3))
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

    #[test]
    fn errors_map_to_outcomes() {
        let now = SystemTime::now();
        let e = Error::transport(Phase::MaybeProcessed, "reset", None);
        assert_eq!(
            Outcome::from_error(&e, now),
            Some(Outcome::Transport(Phase::MaybeProcessed))
        );
        let e = Error::invalid_request("bad");
        assert_eq!(Outcome::from_error(&e, now), None);
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide_error(Idempotent, 1, &e, now, &mut || 0.5),
            RetryDecision::Stop
        );
        let e = Error::UnexpectedResponse {
            http_status: StatusCode::SERVICE_UNAVAILABLE,
            snippet: String::new(),
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(2))),
        };
        assert_eq!(
            Outcome::from_error(&e, now),
            Some(Outcome::Status {
                status: StatusCode::SERVICE_UNAVAILABLE,
                retry_after: Some(Duration::from_secs(2))
            })
        );
    }

    fn any_outcome() -> impl Strategy<Value = Outcome> {
        let phase = prop_oneof![Just(Phase::NotSent), Just(Phase::MaybeProcessed)];
        let ra = proptest::option::of((0u64..1_000_000).prop_map(Duration::from_millis));
        let code = prop_oneof![
            proptest::sample::select(ErrorCode::KNOWN.to_vec()),
            "[a-z_]{1,12}".prop_map(|s| ErrorCode::from(s.as_str())),
        ];
        prop_oneof![
            phase.clone().prop_map(Outcome::Transport),
            phase.prop_map(Outcome::Timeout),
            (100u16..600, ra.clone()).prop_map(|(s, retry_after)| Outcome::Status {
                status: StatusCode::from_u16(s).unwrap(),
                retry_after
            }),
            (code, ra).prop_map(|(code, retry_after)| Outcome::Api { code, retry_after }),
        ]
    }

    proptest! {
        #[test]
        fn never_repeats_a_maybe_processed_non_idempotent_op(
            attempt in 1u32..10,
            phase_timeout in any::<bool>(),
            r in 0.0f64..1.0,
        ) {
            let o = if phase_timeout {
                Outcome::Timeout(Phase::MaybeProcessed)
            } else {
                Outcome::Transport(Phase::MaybeProcessed)
            };
            let p = RetryPolicy::default().with_max_attempts(20);
            prop_assert_eq!(p.decide(NotIdempotent, attempt, &o, &mut || r), RetryDecision::Stop);
        }

        #[test]
        fn delays_are_capped_and_attempts_bounded(
            attempt in 1u32..40,
            max_attempts in 1u32..20,
            outcome in any_outcome(),
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
            match p.decide(safety, attempt, &outcome, &mut || r) {
                RetryDecision::Stop => {}
                RetryDecision::RetryAfter(d) => {
                    prop_assert!(attempt < max_attempts);
                    prop_assert!(d <= p.max_wait());
                    if matches!(outcome, Outcome::Transport(_) | Outcome::Timeout(_)) {
                        prop_assert!(d <= p.max_delay());
                    }
                }
            }
        }
    }
}
