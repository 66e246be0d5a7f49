//! The request log: what clients sent, so tests can assert on method, path, query,
//! headers and body (with the API key redacted), and on what the server answered.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::faults::Fault;

/// The text that replaces an API key in the log.
pub const REDACTED: &str = "[redacted]";

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, percent-decoded, e.g. `/api/v1/project/integration/order/list`.
    pub path: String,
    /// The raw query string without `?`, with a `key=` value redacted.
    pub query: String,
    /// Every header in arrival order; the `Api-key` value is redacted.
    pub headers: Vec<(String, String)>,
    /// The body bytes (chunked bodies decoded).
    pub body: Vec<u8>,
    /// The fault the script applied, if any.
    pub fault: Option<Fault>,
    /// The HTTP status sent (0 when no answer was sent: stall, reset).
    pub status: u16,
    /// The Roistat error code answered, if the answer was an error envelope.
    pub error: Option<String>,
    /// When the server had read the request and started on it.
    pub arrived_at: Instant,
    /// When the server handed its answer to the connection (after any latency of the
    /// model); for a stall or reset, when that began. `arrived_at..answered_at` of
    /// two requests overlap when they were in flight at once.
    pub answered_at: Instant,
}

impl RecordedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The decoded value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<String> {
        crate::http::query_pairs(&self.query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

#[derive(Debug)]
struct Log {
    entries: VecDeque<RecordedRequest>,
    capacity: usize,
    total: u64,
}

/// A handle to the request log of a running [`crate::MockServer`]. Cheap to clone.
///
/// The log keeps the most recent `capacity` requests (see
/// [`crate::MockServerBuilder::log_capacity`]); [`Requests::total`] counts them all.
#[derive(Debug, Clone)]
pub struct Requests {
    log: Arc<Mutex<Log>>,
}

impl Requests {
    pub(crate) fn new(capacity: usize) -> Self {
        Requests {
            log: Arc::new(Mutex::new(Log {
                entries: VecDeque::new(),
                capacity,
                total: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn push(&self, rec: RecordedRequest) {
        let mut log = self.lock();
        log.total += 1;
        if log.capacity == 0 {
            return;
        }
        if log.entries.len() >= log.capacity {
            log.entries.pop_front();
        }
        log.entries.push_back(rec);
    }

    /// A copy of the kept requests, oldest first.
    pub fn all(&self) -> Vec<RecordedRequest> {
        self.lock().entries.iter().cloned().collect()
    }

    /// The most recent request.
    pub fn last(&self) -> Option<RecordedRequest> {
        self.lock().entries.back().cloned()
    }

    /// How many requests are kept.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no request is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many requests arrived since start (or the last [`Requests::clear`]).
    pub fn total(&self) -> u64 {
        self.lock().total
    }

    /// The kept requests whose path contains `path_contains`.
    pub fn matching(&self, path_contains: &str) -> Vec<RecordedRequest> {
        self.lock()
            .entries
            .iter()
            .filter(|r| r.path.contains(path_contains))
            .cloned()
            .collect()
    }

    /// The most requests that were in flight at once (by `arrived_at..answered_at`)
    /// among the kept requests whose path contains `path_contains`.
    pub fn max_in_flight(&self, path_contains: &str) -> usize {
        let mut events: Vec<(Instant, i32)> = Vec::new();
        for r in self
            .lock()
            .entries
            .iter()
            .filter(|r| r.path.contains(path_contains))
        {
            events.push((r.arrived_at, 1));
            events.push((r.answered_at, -1));
        }
        // At equal instants, ends come first: touching intervals do not overlap.
        events.sort();
        let (mut now, mut max) = (0i32, 0i32);
        for (_, d) in events {
            now += d;
            max = max.max(now);
        }
        usize::try_from(max).unwrap_or(0)
    }

    /// Forget every request.
    pub fn clear(&self) {
        let mut log = self.lock();
        log.entries.clear();
        log.total = 0;
    }
}

/// Replace the `Api-key` header value.
pub(crate) fn redact_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case("api-key") {
                (k.clone(), REDACTED.to_string())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect()
}

/// Replace the value of a `key=` query parameter.
pub(crate) fn redact_query(query: &str) -> String {
    if !query
        .split('&')
        .any(|p| p == "key" || p.starts_with("key="))
    {
        return query.to_string();
    }
    query
        .split('&')
        .map(|p| {
            if p == "key" || p.starts_with("key=") {
                format!("key={REDACTED}")
            } else {
                p.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(
            redact_query("project=1&key=abc"),
            "project=1&key=[redacted]"
        );
        assert_eq!(redact_query("project=1&keys=abc"), "project=1&keys=abc");
        let h = redact_headers(&[("API-KEY".into(), "x".into()), ("A".into(), "b".into())]);
        assert_eq!(h[0].1, REDACTED);
        assert_eq!(h[1].1, "b");
    }

    #[test]
    fn capacity_keeps_latest() {
        let r = Requests::new(2);
        for i in 0..3u16 {
            r.push(RecordedRequest {
                method: "GET".into(),
                path: format!("/{i}"),
                query: String::new(),
                headers: vec![],
                body: vec![],
                fault: None,
                status: 200,
                error: None,
                arrived_at: Instant::now(),
                answered_at: Instant::now(),
            });
        }
        assert_eq!(r.len(), 2);
        assert_eq!(r.total(), 3);
        assert_eq!(r.all()[0].path, "/1");
    }
}
