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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestState {
    /// Nothing reached the server: always safe to try again.
    NotSent,
    /// The request may have reached the server and been applied, but no answer arrived.
    MaybeProcessed,
    /// The server answered (with an error or something undecodable).
    Answered,
}

/// Where a transport failure or a timeout happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Before any byte of the request could have reached the server (DNS, connect, TLS).
    NotSent,
    /// After the request was (maybe partly) written: the server may have processed it.
    MaybeProcessed,
}

impl From<Phase> for RequestState {
    fn from(p: Phase) -> Self {
        match p {
            Phase::NotSent => RequestState::NotSent,
            Phase::MaybeProcessed => RequestState::MaybeProcessed,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::NotSent => "before the request was sent",
            Phase::MaybeProcessed => "after the request may have been processed",
        })
    }
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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value failed the client-side validation of `roistat-types` (not sent).
    #[error("invalid input: {0}")]
    InvalidInput(#[from] ValidationError),

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

    /// The connection failed (built by the executors).
    #[error("transport error {phase}: {message}")]
    Transport {
        /// Whether the request may have reached the server.
        phase: Phase,
        /// What happened (never contains the API key: it is only ever in a header).
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },

    /// A timeout fired (built by the executors).
    #[error("timed out {phase}")]
    Timeout {
        /// Whether the request may have reached the server.
        phase: Phase,
    },

    /// The client-side rate limiter would have to wait longer than the time left (not sent).
    #[error("rate limited: the next slot is {} ms away, beyond the time budget", wait.as_millis())]
    RateLimited {
        /// How long the wait would have been.
        wait: Duration,
    },

    /// The retry policy gave up; `last` is the final failure.
    #[error("gave up after {attempts} attempts: {last}")]
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

    /// An [`Error::Transport`] (for executors).
    pub fn transport(
        phase: Phase,
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error::Transport {
            phase,
            message: message.into(),
            source,
        }
    }

    /// An [`Error::Timeout`] (for executors).
    pub fn timeout(phase: Phase) -> Self {
        Error::Timeout { phase }
    }

    /// How far the request got.
    pub fn request_state(&self) -> RequestState {
        match self {
            Error::InvalidInput(_)
            | Error::InvalidRequest { .. }
            | Error::Config { .. }
            | Error::RateLimited { .. } => RequestState::NotSent,
            Error::Transport { phase, .. } | Error::Timeout { phase } => (*phase).into(),
            Error::Api(_) | Error::Decode { .. } | Error::UnexpectedResponse { .. } => {
                RequestState::Answered
            }
            Error::RetriesExhausted { last, .. } => last.request_state(),
        }
    }

    /// Whether the failure is transient, so the same request may succeed later:
    /// transport errors, timeouts, `request_limit_error`, `internal_error`, and
    /// 429/500/502/503/504 without an envelope. It does not consider idempotency: an
    /// operation that [`MaybeProcessed`](RequestState::MaybeProcessed) may only be
    /// retried if it is safe to repeat; [`RetryPolicy`](crate::RetryPolicy) decides both.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Api(e) => matches!(
                e.code,
                ErrorCode::RequestLimitError | ErrorCode::InternalError
            ),
            Error::UnexpectedResponse { http_status, .. } => {
                matches!(http_status.as_u16(), 429 | 500 | 502 | 503 | 504)
            }
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
        let e = Error::transport(Phase::NotSent, "connection refused", None);
        assert_eq!(e.request_state(), RequestState::NotSent);
        assert!(e.is_retryable());
        let e = Error::timeout(Phase::MaybeProcessed);
        assert_eq!(e.request_state(), RequestState::MaybeProcessed);
        let e: Error = ApiError::new(ErrorCode::RequestLimitError, StatusCode::OK).into();
        assert_eq!(e.request_state(), RequestState::Answered);
        assert!(e.is_retryable());
        let e: Error = ApiError::new(ErrorCode::ResourceNotFound, StatusCode::NOT_FOUND).into();
        assert!(!e.is_retryable());
        assert_eq!(e.api_code(), Some(&ErrorCode::ResourceNotFound));
        let wrapped = Error::RetriesExhausted {
            attempts: 3,
            last: Box::new(Error::timeout(Phase::MaybeProcessed)),
        };
        assert_eq!(wrapped.request_state(), RequestState::MaybeProcessed);
        assert!(!wrapped.is_retryable());
    }

    #[test]
    fn display_reads_well() {
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
    }

    #[test]
    fn error_is_small_send_sync() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert!(std::mem::size_of::<Error>() <= 128);
    }
}
