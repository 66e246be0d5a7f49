//! The client's state that is not I/O, shared by every clone of a client: its
//! configuration, retry policy, rate limiter, random numbers for jitter, cancel handle,
//! wait observer and what it learned about the server (the page cap).
//!
//! Both clients hold an [`Engine`] beside their HTTP agent and start every call with
//! [`Engine::call`]; the engine owns the policy, the executors only move bytes and
//! sleep. Built by [`ClientBuilder`](crate::ClientBuilder).

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::call::{Call, Timeouts};
use crate::cancel::CancelHandle;
use crate::config::Config;
use crate::decode::DecodeOptions;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::ratelimit::{RateLimiter, ScheduleConfig};
use crate::retry::RetryPolicy;
use crate::rng::Rng;

/// Why a call waits (see [`WaitEvent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitReason {
    /// The client-side rate limiter has no slot yet.
    RateLimit,
    /// Backing off before retrying a transient failure.
    Backoff,
    /// Roistat answered `request_limit_error` (or HTTP 429); waiting before retrying.
    ServerRateLimit,
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WaitReason::RateLimit => "waiting for a rate-limit slot",
            WaitReason::Backoff => "retrying after a transient failure",
            WaitReason::ServerRateLimit => "Roistat says the rate limit is reached; retrying",
        })
    }
}

/// A wait that a call is about to begin, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitEvent {
    /// The operation's name, e.g. `"list_orders"`.
    pub operation: &'static str,
    /// Why it waits.
    pub reason: WaitReason,
    /// How long the wait will be.
    pub wait: Duration,
    /// Attempts made so far.
    pub attempt: u32,
}

/// A callback told of every wait a call begins.
pub type WaitObserver = Arc<dyn Fn(&WaitEvent) + Send + Sync>;

/// The shared state of a client (see the [module docs](self)). Cheap to clone; clones
/// share the limiter, the random numbers and the learned page cap.
#[derive(Clone)]
pub struct Engine {
    pub(crate) config: Arc<Config>,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: Arc<RetryPolicy>,
    pub(crate) decode: DecodeOptions,
    pub(crate) cancel: CancelHandle,
    pub(crate) observer: Option<WaitObserver>,
    /// DER certificates to trust instead of the built-in roots (empty: the built-ins).
    pub(crate) root_certificates: Arc<Vec<Vec<u8>>>,
    /// The most body bytes an answer may have (default `MAX_BODY_BYTES`).
    pub(crate) max_body: u64,
    /// Counts the server's rate-limit refusals of this clone's calls (a walk reads it).
    refusals: Option<Arc<AtomicU64>>,
    shared: Arc<Shared>,
}

struct Shared {
    limiter: Mutex<RateLimiter>,
    rng: Mutex<Rng>,
    /// The largest page the server has served (0: not learned yet).
    page_cap: AtomicU32,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Config`'s Debug redacts the key.
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("cancelled", &self.cancel.is_cancelled())
            .field("root_certificates", &self.root_certificates.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine from validated parts; `seed` seeds the jitter.
    pub(crate) fn new(
        config: Config,
        timeouts: Timeouts,
        retry: RetryPolicy,
        schedule: ScheduleConfig,
        decode: DecodeOptions,
        seed: u64,
    ) -> Self {
        Self {
            config: Arc::new(config),
            timeouts,
            retry: Arc::new(retry),
            decode,
            cancel: CancelHandle::new(),
            observer: None,
            root_certificates: Arc::new(Vec::new()),
            max_body: crate::transport::MAX_BODY_BYTES,
            refusals: None,
            shared: Arc::new(Shared {
                limiter: Mutex::new(RateLimiter::new(schedule)),
                rng: Mutex::new(Rng::new(seed)),
                page_cap: AtomicU32::new(0),
            }),
        }
    }

    /// Where and as whom the client calls.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Connect, per-attempt and total timeouts.
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// How answers are decoded (lenient or strict).
    pub fn decode_options(&self) -> &DecodeOptions {
        &self.decode
    }

    /// The rate-limit schedule.
    pub fn schedule(&self) -> ScheduleConfig {
        self.limiter().config().clone()
    }

    /// The handle that cancels this engine's calls.
    pub fn cancel_handle(&self) -> &CancelHandle {
        &self.cancel
    }

    /// The same engine (shared limiter, pool of learned facts) with another cancel
    /// handle: cancel one operation without cancelling the others.
    pub fn with_cancel_handle(&self, cancel: CancelHandle) -> Self {
        Self {
            cancel,
            ..self.clone()
        }
    }

    /// The DER certificates the transports trust instead of their built-in roots
    /// (empty: the built-in roots); see `ClientBuilder::tls_root_certificate`.
    pub fn root_certificates(&self) -> &[Vec<u8>] {
        &self.root_certificates
    }

    /// The same engine trusting exactly `certificates` (DER) for TLS.
    pub fn with_root_certificates(&self, certificates: Vec<Vec<u8>>) -> Self {
        Self {
            root_certificates: Arc::new(certificates),
            ..self.clone()
        }
    }

    /// The most body bytes an answer may have; executors stop reading past it.
    pub fn max_body_size(&self) -> u64 {
        self.max_body
    }

    /// The same engine with another answer-size cap (at least 1 byte).
    pub fn with_max_body_size(&self, bytes: u64) -> Self {
        Self {
            max_body: bytes.max(1),
            ..self.clone()
        }
    }

    /// The same engine with a wait observer (replacing any other).
    pub fn with_wait_observer(&self, observer: WaitObserver) -> Self {
        Self {
            observer: Some(observer),
            ..self.clone()
        }
    }

    /// The same engine, counting the server's rate-limit refusals of its calls into
    /// `counter` (a walk reports them).
    pub fn counting_refusals(&self, counter: Arc<AtomicU64>) -> Self {
        Self {
            refusals: Some(counter),
            ..self.clone()
        }
    }

    pub(crate) fn note_refusal(&self) {
        if let Some(counter) = &self.refusals {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Starts a call of `endpoint` at `now` (see [`Call`]).
    pub fn call<'e, E: Endpoint + ?Sized>(
        &self,
        endpoint: &'e E,
        now: Instant,
    ) -> Result<Call<'e, E>, Error> {
        Call::new(self.clone(), endpoint, now)
    }

    /// The largest page the server served while more rows remained (learned by
    /// earlier walks of this client), if any.
    pub fn learned_page_cap(&self) -> Option<u32> {
        match self.shared.page_cap.load(Ordering::Relaxed) {
            0 => None,
            cap => Some(cap),
        }
    }

    /// Records a page cap learned by a walk; the smallest one seen wins.
    pub fn learn_page_cap(&self, cap: u32) {
        if cap > 0 {
            let _ =
                self.shared
                    .page_cap
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                        (old == 0 || cap < old).then_some(cap)
                    });
        }
    }

    pub(crate) fn limiter(&self) -> MutexGuard<'_, RateLimiter> {
        // Each limiter method is a few pushes and pops: a panic elsewhere while holding
        // the lock leaves it consistent, so keep using it.
        self.shared
            .limiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A number in `[0, 1)` for jitter.
    pub(crate) fn random(&self) -> f64 {
        self.shared
            .rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_f64()
    }

    pub(crate) fn notify(&self, event: &WaitEvent) {
        tracing::debug!(
            operation = event.operation,
            reason = ?event.reason,
            wait_ms = event.wait.as_millis() as u64,
            attempt = event.attempt,
            "waiting"
        );
        if let Some(observer) = &self.observer {
            observer(event);
        }
    }
}
