//! The one error type of the SDK.
//!
//! Every failure says how far the request got ([`RequestState`]): a caller (or the retry
//! policy) must know whether an upload may have been applied before trying it again.
//! No variant ever holds the API key: the key lives only in [`ApiKey`](crate::ApiKey) and
//! in a header marked sensitive.

use std::fmt;
use std::time::Duration;

use http::StatusCode;
use roistat_types::{ErrorCode, ValidationError};

use crate::retry::RetryAfter;

/// How far a request got before it failed.
///
/// One concept for transport failures, timeouts, cancellations and answers alike: a
/// caller (and the retry policy) must know whether an upload may have been applied
/// before trying it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestState {
    /// Nothing reached the server (DNS, connect, TLS, or never sent): always safe to
    /// try again.
    NotSent,
    /// The request may have reached the server and been applied, but no answer arrived.
    MaybeProcessed,
    /// The server answered (with an error or something undecodable).
    Answered,
}

impl fmt::Display for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestState::NotSent => "before the request was sent",
            RequestState::MaybeProcessed => "after the request may have been processed",
            RequestState::Answered => "after the server answered",
        })
    }
}

/// What a failed transport attempt was, as the executors report it (each maps its HTTP
/// library's error to one of these). Core alone decides what each kind means
/// ([`FailureKind::state`]), so both clients
/// agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The host name could not be resolved.
    Resolve,
    /// The connection could not be established (refused, unreachable).
    Connect,
    /// Establishing the connection timed out.
    ConnectTimeout,
    /// The TLS handshake failed.
    Tls,
    /// The attempt timed out after the connection was made.
    Timeout,
    /// The connection broke after it was made (reset, closed, cut body).
    Io,
    /// The answer is larger than the SDK reads (see
    /// [`MAX_BODY_BYTES`](crate::transport::MAX_BODY_BYTES)).
    BodyTooLarge,
    /// The HTTP library refused the request before sending it.
    InvalidRequest,
    /// Anything else the HTTP library reported.
    Other,
}

impl FailureKind {
    /// How far a request that failed this way got.
    pub fn state(self) -> RequestState {
        match self {
            FailureKind::Resolve
            | FailureKind::Connect
            | FailureKind::ConnectTimeout
            | FailureKind::Tls
            | FailureKind::InvalidRequest => RequestState::NotSent,
            FailureKind::BodyTooLarge => RequestState::Answered,
            FailureKind::Timeout | FailureKind::Io | FailureKind::Other => {
                RequestState::MaybeProcessed
            }
        }
    }

    fn describe(self) -> &'static str {
        match self {
            FailureKind::Resolve => "cannot resolve the host",
            FailureKind::Connect => "cannot connect",
            FailureKind::ConnectTimeout => "connecting timed out",
            FailureKind::Tls => "TLS handshake failed",
            FailureKind::Timeout => "timed out",
            FailureKind::Io => "connection broken",
            FailureKind::BodyTooLarge => "the answer is too large",
            FailureKind::InvalidRequest => "the HTTP library refused the request",
            FailureKind::Other => "transport error",
        }
    }
}

/// What a failure means for retrying, decided in one place ([`Error::classify`]) for
/// [`Error::is_retryable`], the retry policy and the call state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Classification {
    /// How far the request got.
    pub state: RequestState,
    /// The same request may succeed later.
    pub transient: bool,
    /// The server said we are over a rate limit (`request_limit_error`, HTTP 429).
    pub rate_limited: bool,
    /// The server may have applied the request although the call failed: repeating
    /// it is safe only for idempotent operations.
    pub may_have_applied: bool,
}

/// Roistat's error envelope (`{"status": "error", "error": CODE, ...}`) with the HTTP
/// status it came with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The error code (unknown codes are kept in [`ErrorCode::Other`]).
    pub code: ErrorCode,
    /// Roistat's human-readable description.
    pub description: Option<String>,
    /// Structured details, as sent.
    pub details: Option<serde_json::Value>,
    /// The HTTP status (200 unless the request asked for `Use-Http-Code: 1`).
    pub http_status: StatusCode,
    /// A `Retry-After` header, if the response had one.
    pub retry_after: Option<RetryAfter>,
}

impl ApiError {
    /// An error with a code and HTTP status only.
    pub fn new(code: ErrorCode, http_status: StatusCode) -> Self {
        Self {
            code,
            description: None,
            details: None,
            http_status,
            retry_after: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Roistat answered `{}` (HTTP {})",
            self.code,
            self.http_status.as_u16()
        )?;
        if let Some(d) = self.description.as_deref().filter(|d| !d.is_empty()) {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Any failure of the SDK.
///
/// `Display` never repeats the text of [`source`](std::error::Error::source): print the
/// chain (`{:#}` with anyhow, or walk `source()`) to see the underlying cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value failed the client-side validation of `roistat-types` (not sent).
    #[error("invalid input: {0}")]
    InvalidInput(ValidationError),

    /// A request that Roistat would refuse, caught before sending (not sent).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// What is wrong.
        message: String,
    },

    /// The configuration is unusable (not sent).
    #[error("invalid configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },

    /// Roistat answered with its error envelope.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The body is JSON but not the expected shape.
    #[error("cannot decode the response (HTTP {}) at `{path}`: {message}", http_status.as_u16())]
    Decode {
        /// The JSON path that failed, e.g. `data[3].creation_date` (`.` for the root).
        path: String,
        /// The decoder's message.
        message: String,
        /// The HTTP status of the response.
        http_status: StatusCode,
        /// The start of the body (at most [`SNIPPET_LEN`](crate::decode::SNIPPET_LEN) bytes).
        snippet: String,
    },

    /// The body is not a Roistat answer at all: empty, HTML from a proxy, a non-2xx
    /// status without the error envelope.
    #[error("unexpected response: HTTP {}{}", http_status.as_u16(), snippet_suffix(snippet))]
    UnexpectedResponse {
        /// The HTTP status.
        http_status: StatusCode,
        /// The start of the body (at most [`SNIPPET_LEN`](crate::decode::SNIPPET_LEN) bytes).
        snippet: String,
        /// A `Retry-After` header, if the response had one.
        retry_after: Option<RetryAfter>,
    },

    /// The connection failed (reported by the executors as a [`FailureKind`]).
    #[error("{} {state}", kind.describe())]
    Transport {
        /// What failed.
        kind: FailureKind,
        /// Whether the request may have reached the server.
        state: RequestState,
        /// The HTTP library's error (never contains the API key: it is only ever in a
        /// header).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },

    /// A timeout fired.
    #[error("timed out {state}")]
    Timeout {
        /// Whether the request may have reached the server.
        state: RequestState,
    },

    /// The client-side rate limiter would have to wait longer than the time left (not sent).
    #[error("rate limited: the next slot is {} ms away, beyond the time budget", wait.as_millis())]
    RateLimited {
        /// How long the wait would have been.
        wait: Duration,
    },

    /// The caller cancelled the call (see `CancelHandle`) while it waited.
    #[error("cancelled {state}")]
    Cancelled {
        /// Whether an earlier attempt of the call may have been processed.
        state: RequestState,
    },

    /// An order-list walk could not stitch its pages: the list changed faster than the
    /// walk could follow (see `roistat_core::walk`). Nothing was delivered twice; the
    /// walk's `resume_offset` says where to continue.
    #[error("the order list changed too fast to walk it exactly once: {message}")]
    WalkUnstable {
        /// What the walk saw.
        message: String,
    },

    /// The retry policy gave up; `last` (the [`source`](std::error::Error::source)) is
    /// the final failure.
    #[error("gave up after {attempts} attempts")]
    RetriesExhausted {
        /// How many attempts were made.
        attempts: u32,
        /// The last failure.
        #[source]
        last: Box<Error>,
    },
}

fn snippet_suffix(snippet: &str) -> String {
    if snippet.is_empty() {
        ", empty body".to_owned()
    } else {
        format!(", body starts with {snippet:?}")
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::InvalidInput(e)
    }
}

impl Error {
    /// A [`Error::Config`].
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    /// An [`Error::InvalidRequest`].
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    /// An [`Error::Transport`] of `kind` (for executors).
    pub fn transport(
        kind: FailureKind,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        match kind {
            FailureKind::Timeout | FailureKind::ConnectTimeout => Error::Timeout {
                state: kind.state(),
            },
            _ => Error::Transport {
                kind,
                state: kind.state(),
                source,
            },
        }
    }

    /// An [`Error::Timeout`].
    pub fn timeout(state: RequestState) -> Self {
        Error::Timeout { state }
    }

    /// How far the request got.
    pub fn request_state(&self) -> RequestState {
        self.classify().state
    }

    /// What the failure means for retrying: the one classifier behind
    /// [`is_retryable`](Self::is_retryable), the retry policy and the call state machine.
    ///
    /// | failure | transient | may have applied |
    /// |---|---|---|
    /// | transport error or timeout before sending | yes | no |
    /// | transport error or timeout after sending | yes | yes |
    /// | `request_limit_error`, HTTP 429 (rate limited) | yes | no |
    /// | `internal_error`, HTTP 500, 502, 504 | yes | yes |
    /// | HTTP 503 with `Retry-After` (the server refused) | yes | no |
    /// | HTTP 503 without it (a proxy may answer after the backend applied it) | yes | yes |
    /// | an answer larger than the SDK reads | no | yes |
    /// | anything else | no | as answered |
    pub fn classify(&self) -> Classification {
        let c = |state, transient, rate_limited, may_have_applied| Classification {
            state,
            transient,
            rate_limited,
            may_have_applied,
        };
        use RequestState::*;
        match self {
            Error::InvalidInput(_)
            | Error::InvalidRequest { .. }
            | Error::Config { .. }
            | Error::RateLimited { .. } => c(NotSent, false, false, false),
            Error::Transport {
                kind: FailureKind::BodyTooLarge,
                ..
            } => c(Answered, false, false, true),
            Error::Transport { state, .. } | Error::Timeout { state } => {
                c(*state, true, false, *state != NotSent)
            }
            Error::Cancelled { state } => c(*state, false, false, *state != NotSent),
            Error::Api(e) => match e.code {
                ErrorCode::RequestLimitError => c(Answered, true, true, false),
                ErrorCode::InternalError => c(Answered, true, false, true),
                _ => c(Answered, false, false, false),
            },
            Error::UnexpectedResponse {
                http_status,
                retry_after,
                ..
            } => match http_status.as_u16() {
                429 => c(Answered, true, true, false),
                503 => c(Answered, true, false, retry_after.is_none()),
                500 | 502 | 504 => c(Answered, true, false, true),
                _ => c(Answered, false, false, false),
            },
            Error::Decode { .. } | Error::WalkUnstable { .. } => c(Answered, false, false, false),
            Error::RetriesExhausted { last, .. } => Classification {
                transient: false,
                ..last.classify()
            },
        }
    }

    /// Whether the failure is transient, so the same request may succeed later (see
    /// [`classify`](Self::classify)). It does not consider idempotency: a failure that
    /// may have been applied may only be retried if the operation is safe to repeat;
    /// [`RetryPolicy`](crate::RetryPolicy) decides both.
    pub fn is_retryable(&self) -> bool {
        self.classify().transient
    }

    /// Whether the call was cancelled through a `CancelHandle`.
    pub fn is_cancelled(&self) -> bool {
        match self {
            Error::Cancelled { .. } => true,
            Error::RetriesExhausted { last, .. } => last.is_cancelled(),
            _ => false,
        }
    }

    /// The Roistat error code, if Roistat answered with its error envelope.
    pub fn api_code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api(e) => Some(&e.code),
            Error::RetriesExhausted { last, .. } => last.api_code(),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn http_status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.http_status),
            Error::Decode { http_status, .. } | Error::UnexpectedResponse { http_status, .. } => {
                Some(*http_status)
            }
            Error::RetriesExhausted { last, .. } => last.http_status(),
            _ => None,
        }
    }

    /// The `Retry-After` the server sent with this answer, if any.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            Error::Api(e) => e.retry_after,
            Error::UnexpectedResponse { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_retryability() {
        let e = Error::transport(FailureKind::Connect, None);
        assert_eq!(e.request_state(), RequestState::NotSent);
        assert!(e.is_retryable());
        let e = Error::transport(FailureKind::Io, None);
        assert_eq!(e.request_state(), RequestState::MaybeProcessed);
        assert!(e.classify().may_have_applied);
        let e = Error::transport(FailureKind::ConnectTimeout, None);
        assert!(matches!(
            e,
            Error::Timeout {
                state: RequestState::NotSent
            }
        ));
        let e = Error::transport(FailureKind::BodyTooLarge, None);
        assert!(!e.is_retryable());
        let e: Error = ApiError::new(ErrorCode::RequestLimitError, StatusCode::OK).into();
        assert_eq!(e.request_state(), RequestState::Answered);
        assert!(e.is_retryable() && e.classify().rate_limited);
        let e: Error = ApiError::new(ErrorCode::ResourceNotFound, StatusCode::NOT_FOUND).into();
        assert!(!e.is_retryable());
        assert_eq!(e.api_code(), Some(&ErrorCode::ResourceNotFound));
        let wrapped = Error::RetriesExhausted {
            attempts: 3,
            last: Box::new(Error::timeout(RequestState::MaybeProcessed)),
        };
        assert_eq!(wrapped.request_state(), RequestState::MaybeProcessed);
        assert!(!wrapped.is_retryable());
    }

    #[test]
    fn a_503_may_have_been_applied_unless_the_server_says_retry_after() {
        let e = |retry_after| Error::UnexpectedResponse {
            http_status: StatusCode::SERVICE_UNAVAILABLE,
            snippet: String::new(),
            retry_after,
        };
        assert!(e(None).classify().may_have_applied);
        let refused = e(Some(RetryAfter::Delay(Duration::from_secs(1)))).classify();
        assert!(refused.transient && !refused.may_have_applied);
    }

    #[test]
    fn display_reads_well_and_never_repeats_the_source() {
        let mut api = ApiError::new(ErrorCode::AccessDenied, StatusCode::FORBIDDEN);
        api.description = Some("No access".into());
        assert_eq!(
            Error::from(api).to_string(),
            "Roistat answered `access_denied` (HTTP 403): No access"
        );
        let e = Error::UnexpectedResponse {
            http_status: StatusCode::BAD_GATEWAY,
            snippet: String::new(),
            retry_after: None,
        };
        assert_eq!(e.to_string(), "unexpected response: HTTP 502, empty body");

        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer reset xyz");
        let cases = [
            Error::transport(FailureKind::Io, Some(Box::new(io))),
            Error::RetriesExhausted {
                attempts: 2,
                last: Box::new(Error::timeout(RequestState::NotSent)),
            },
        ];
        for e in cases {
            let source = std::error::Error::source(&e).expect("a source").to_string();
            assert!(
                !e.to_string().contains(&source),
                "{e} repeats its source {source}"
            );
        }
        assert_eq!(
            Error::Cancelled {
                state: RequestState::NotSent
            }
            .to_string(),
            "cancelled before the request was sent"
        );
    }

    #[test]
    fn error_is_small_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(std::mem::size_of::<Error>() <= 128);
    }
}
