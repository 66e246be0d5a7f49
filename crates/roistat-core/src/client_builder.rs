//! The one builder both clients share: `roistat_blocking::Client::builder()` and
//! `roistat_async::Client::builder()` return a [`ClientBuilder`] of their client type,
//! so the options, defaults and validation exist once. It validates everything into an
//! [`Engine`], which the client keeps beside its HTTP agent.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use roistat_types::ProjectId;

use std::sync::Arc;

use crate::call::Timeouts;
use crate::cancel::CancelHandle;
use crate::config::{ApiKey, Config, DEFAULT_BASE_URL, DEFAULT_USER_AGENT};
use crate::decode::DecodeOptions;
use crate::engine::{Engine, WaitEvent, WaitObserver};
use crate::error::Error;
use crate::ratelimit::ScheduleConfig;
use crate::retry::RetryPolicy;

/// The environment variable holding the API key.
pub const ENV_API_KEY: &str = "ROISTAT_API_KEY";
/// The environment variable holding the project number.
pub const ENV_PROJECT: &str = "ROISTAT_PROJECT";
/// The environment variable that overrides the base URL.
pub const ENV_BASE_URL: &str = "ROISTAT_BASE_URL";

/// A client type that is an HTTP agent around an [`Engine`] (implemented by both
/// clients; implement it to drive the SDK with an HTTP stack of your own).
pub trait FromEngine: Sized {
    /// Builds the client's agent around `engine`.
    fn from_engine(engine: Engine) -> Result<Self, Error>;
}

/// Builds a client; see the clients' `Client::builder()`.
#[must_use = "a builder does nothing until built"]
pub struct ClientBuilder<C> {
    project: Option<ProjectId>,
    api_key: Option<Result<ApiKey, String>>,
    base_url: Option<String>,
    user_agent: Option<String>,
    use_http_code: bool,
    allow_insecure_http: bool,
    timeouts: Timeouts,
    retry: RetryPolicy,
    schedule: ScheduleConfig,
    decode: DecodeOptions,
    cancel: Option<CancelHandle>,
    observer: Option<WaitObserver>,
    seed: Option<u64>,
    root_certificates: Vec<Vec<u8>>,
    max_body: Option<u64>,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("project", &self.project)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("base_url", &self.base_url)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self {
            project: None,
            api_key: None,
            base_url: None,
            user_agent: None,
            use_http_code: false,
            allow_insecure_http: false,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            schedule: ScheduleConfig::documented(),
            decode: DecodeOptions::default(),
            cancel: None,
            observer: None,
            seed: None,
            root_certificates: Vec::new(),
            max_body: None,
            client: PhantomData,
        }
    }
}

impl<C: FromEngine> ClientBuilder<C> {
    /// A builder with the defaults: production base URL, documented rate limits,
    /// [`RetryPolicy::default`], [`Timeouts::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The project number (required).
    pub fn project(mut self, project: impl Into<ProjectId>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// The API key (required). It is only ever sent in the `Api-key` header and never
    /// appears in `Debug` output, errors or logs.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        // Keep the validation error (without the key) for `build`.
        self.api_key = Some(ApiKey::new(key).map_err(|e| e.to_string()));
        self
    }

    /// The API root (default `https://cloud.roistat.com/api/v1`). Plain `http://` is
    /// refused except on loopback or with [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Asks Roistat to reflect errors in the HTTP status (`Use-Http-Code: 1`).
    pub fn use_http_code(mut self, on: bool) -> Self {
        self.use_http_code = on;
        self
    }

    /// Accepts `http://` on a non-loopback host (the key then travels in clear text).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The time to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// The time one attempt may take, body included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.attempt = timeout;
        self
    }

    /// The time a whole call may take: rate-limit waits, retries and backoff
    /// included (default 5 minutes).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.total = timeout;
        self
    }

    /// The retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Shorthand: the current policy with at most `n` attempts (1 = no retries).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.retry = self.retry.with_max_attempts(n);
        self
    }

    /// The client-side rate-limit schedule (default: the documented limits;
    /// [`ScheduleConfig::disabled`] turns it off).
    pub fn rate_limits(mut self, schedule: ScheduleConfig) -> Self {
        self.schedule = schedule;
        self
    }

    /// Decode fail-fast: an order-list row that does not fit the model fails its whole
    /// page with [`Error::Decode`], instead of being delivered with its decode issues.
    pub fn strict(mut self, strict: bool) -> Self {
        self.decode.strict = strict;
        self
    }

    /// The handle that cancels the client's calls (default: a fresh one, see the
    /// client's `cancel_handle()`). Every wait honours it.
    pub fn cancel_handle(mut self, cancel: CancelHandle) -> Self {
        self.cancel = Some(cancel);
        self
    }

    /// A callback told of every wait a call begins (rate-limit slot, backoff, a
    /// server refusal), e.g. to show "waiting 58 s for the rate limit".
    pub fn on_wait(mut self, observer: impl Fn(&WaitEvent) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Trusts this certificate (DER) as a TLS root; once one is added, the built-in
    /// roots are no longer trusted, only the added ones (a private CA, a local test
    /// server with a self-signed certificate). Both clients, both TLS backends.
    pub fn tls_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(der.into());
        self
    }

    /// The most bytes an answer's body may have (default
    /// [`MAX_BODY_BYTES`](crate::transport::MAX_BODY_BYTES), 256 MiB). A larger
    /// declared `Content-Length` is refused before reading; a body that grows past it
    /// stops being read. Either way the call fails with `FailureKind::BodyTooLarge`,
    /// not retried. Zero is refused by `build`.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// Seeds the retry jitter (default: from the clock), for reproducible waits.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Fills project, key and base URL from `ROISTAT_PROJECT`, `ROISTAT_API_KEY` and
    /// (optionally) `ROISTAT_BASE_URL`, read through `lookup` (the clients pass
    /// `std::env::var`). Values already set are replaced.
    pub fn env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let key = lookup(ENV_API_KEY)
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Error::config(format!(
                    "{ENV_API_KEY} is not set: export your Roistat API key"
                ))
            })?;
        let project = lookup(ENV_PROJECT).ok_or_else(|| {
            Error::config(format!(
                "{ENV_PROJECT} is not set: export your project number"
            ))
        })?;
        let project: ProjectId = project
            .parse()
            .map_err(|e| Error::config(format!("{ENV_PROJECT}: {e}")))?;
        self = self.project(project).api_key(key);
        if let Some(url) = lookup(ENV_BASE_URL).filter(|u| !u.trim().is_empty()) {
            self = self.base_url(url);
        }
        Ok(self)
    }

    /// Validates everything into the [`Engine`] a client runs on.
    pub fn engine(self) -> Result<Engine, Error> {
        let project = self.project.ok_or_else(|| {
            Error::config(format!("no project: call .project(N) or set {ENV_PROJECT}"))
        })?;
        let api_key = match self.api_key {
            Some(Ok(key)) => key,
            Some(Err(message)) => return Err(Error::config(message)),
            None => {
                return Err(Error::config(format!(
                    "no API key: call .api_key(KEY) or set {ENV_API_KEY}"
                )));
            }
        };
        if self.max_body == Some(0) {
            return Err(Error::config("the max body size must be at least 1 byte"));
        }
        for (name, d) in [
            ("connect timeout", self.timeouts.connect),
            ("timeout", self.timeouts.attempt),
            ("total timeout", self.timeouts.total),
        ] {
            if d.is_zero() {
                return Err(Error::config(format!(
                    "the {name} must be longer than zero"
                )));
            }
        }
        let config = Config::builder(project, api_key)
            .base_url(self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()))
            .user_agent(
                self.user_agent
                    .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned()),
            )
            .use_http_code(self.use_http_code)
            .allow_insecure_http(self.allow_insecure_http)
            .build()?;
        let seed = self.seed.unwrap_or_else(clock_seed);
        let mut engine = Engine::new(
            config,
            self.timeouts,
            self.retry,
            self.schedule,
            self.decode,
            seed,
        );
        if let Some(cancel) = self.cancel {
            engine = engine.with_cancel_handle(cancel);
        }
        if let Some(observer) = self.observer {
            engine = engine.with_wait_observer(observer);
        }
        if !self.root_certificates.is_empty() {
            engine = engine.with_root_certificates(self.root_certificates);
        }
        if let Some(bytes) = self.max_body {
            engine = engine.with_max_body_size(bytes);
        }
        Ok(engine)
    }

    /// Validates and builds the client.
    pub fn build(self) -> Result<C, Error> {
        C::from_engine(self.engine()?)
    }
}

/// A seed that differs between processes and clients.
fn clock_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // RandomState is seeded per process by the OS.
    RandomState::new().hash_one(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Dummy(Engine);
    impl FromEngine for Dummy {
        fn from_engine(e: Engine) -> Result<Self, Error> {
            Ok(Dummy(e))
        }
    }

    #[test]
    fn missing_parts_say_what_to_do() {
        let e = ClientBuilder::<Dummy>::new()
            .api_key("k")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ROISTAT_PROJECT"), "{e}");
        let e = ClientBuilder::<Dummy>::new()
            .project(1)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("ROISTAT_API_KEY"), "{e}");
        let e = ClientBuilder::<Dummy>::new()
            .project(1)
            .api_key("k")
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");
        let e = ClientBuilder::<Dummy>::new()
            .project(1)
            .api_key("k")
            .max_body_size(0)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("max body size"), "{e}");
        let built = ClientBuilder::<Dummy>::new()
            .project(1)
            .api_key("k")
            .max_body_size(4096)
            .build()
            .unwrap();
        assert_eq!(built.0.max_body_size(), 4096);
        let e = ClientBuilder::<Dummy>::new()
            .project(1)
            .api_key("k")
            .base_url("http://example.com/api/v1")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("clear text"), "{e}");
    }

    #[test]
    fn env_fills_project_key_and_url() {
        let env = |k: &str| match k {
            ENV_API_KEY => Some("s3cret-key".to_owned()),
            ENV_PROJECT => Some("12345".to_owned()),
            ENV_BASE_URL => Some("http://127.0.0.1:9/api/v1".to_owned()),
            _ => None,
        };
        let b = ClientBuilder::<Dummy>::new().env_with(env).unwrap();
        assert!(!format!("{b:?}").contains("s3cret"));
        let Dummy(s) = b.build().unwrap();
        assert_eq!(s.config().project().get(), 12345);
        assert_eq!(s.config().base_url(), "http://127.0.0.1:9/api/v1");
        assert!(ClientBuilder::<Dummy>::new().env_with(|_| None).is_err());
        let bad = |k: &str| {
            (k == ENV_PROJECT)
                .then(|| "abc".to_owned())
                .or(Some("k".into()))
        };
        assert!(ClientBuilder::<Dummy>::new().env_with(bad).is_err());
    }
}
