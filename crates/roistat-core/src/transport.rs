//! The contract between core and an executor's HTTP library: what it hands back after
//! an attempt, and the one body-size cap both clients enforce.
//!
//! An executor sends [`Call::request`](crate::Call::request) and reports either the
//! answer's parts ([`Response`]) or a [`FailureKind`] with its
//! library's error; core decides everything else (how far the request got, whether to
//! retry, how to decode).

use http::{HeaderMap, StatusCode, header::CONTENT_LENGTH};

use crate::error::{Error, FailureKind};

/// The largest body the SDK reads: a page of 5,000 orders with visits is a few MiB, so
/// anything near this is not a Roistat answer. Larger bodies fail with
/// [`FailureKind::BodyTooLarge`] and are never retried.
pub const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// An answer read to the end.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Response {
    /// The HTTP status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// An answer from its parts.
    pub fn new(status: StatusCode, headers: HeaderMap, body: Vec<u8>) -> Self {
        Self {
            status,
            headers,
            body,
        }
    }
}

/// Refuses an answer whose declared `Content-Length` is over `limit` before a byte of
/// the body is read (executors call it on the head, then read at most `limit` bytes).
///
/// ```
/// use http::HeaderMap;
/// use roistat_core::transport::check_declared_length;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("content-length", "2000".parse()?);
/// assert!(check_declared_length(&headers, 1000).is_err());
/// assert!(check_declared_length(&headers, 5000).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_declared_length(headers: &HeaderMap, limit: u64) -> Result<(), Error> {
    let declared = headers
        .get_all(CONTENT_LENGTH)
        .iter()
        .filter_map(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
        .max();
    match declared {
        Some(n) if n > limit => Err(body_too_large(limit)),
        _ => Ok(()),
    }
}

/// The error for a body over `limit` bytes.
pub fn body_too_large(limit: u64) -> Error {
    Error::transport(
        FailureKind::BodyTooLarge,
        Some(format!("the answer is larger than {limit} bytes").into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_lengths_over_the_cap_are_refused() {
        let mut h = HeaderMap::new();
        assert!(check_declared_length(&h, 10).is_ok());
        h.insert(CONTENT_LENGTH, "11".parse().unwrap());
        let e = check_declared_length(&h, 10).unwrap_err();
        assert!(!e.is_retryable());
        assert!(check_declared_length(&h, 11).is_ok());
        h.insert(CONTENT_LENGTH, "garbage".parse().unwrap());
        assert!(check_declared_length(&h, 10).is_ok());
    }
}
