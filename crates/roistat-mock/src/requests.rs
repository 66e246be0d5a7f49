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
    /// The body bytes (chunked bodies decoded), the first
    /// [`crate::MockServerBuilder::log_body_limit`] bytes of them at most.
    pub body: Vec<u8>,
    /// The body's full length as received (more than `body.len()` when cut to the
    /// log's limit).
    pub body_len: usize,
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

impl RecordedRequest {
    /// About how many bytes this entry holds: its strings, headers and body.
    fn weight(&self) -> usize {
        std::mem::size_of::<RecordedRequest>()
            + self.method.len()
            + self.path.len()
            + self.query.len()
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + self.body.len()
            + self.error.as_ref().map_or(0, String::len)
    }
}

#[derive(Debug)]
struct Log {
    entries: VecDeque<RecordedRequest>,
    capacity: usize,
    /// Most bytes kept over all entries (see [`RecordedRequest::weight`]).
    byte_capacity: usize,
    /// Most body bytes kept per entry.
    body_limit: usize,
    /// Bytes kept now.
    bytes: usize,
    total: u64,
}

/// A handle to the request log of a running [`crate::MockServer`]. Cheap to clone.
///
/// The log keeps the most recent requests within two caps, the number of entries
/// ([`crate::MockServerBuilder::log_capacity`]) and their bytes
/// ([`crate::MockServerBuilder::log_byte_capacity`]), and each body only up to
/// [`crate::MockServerBuilder::log_body_limit`]; [`Requests::total`] counts every
/// request.
#[derive(Debug, Clone)]
pub struct Requests {
    log: Arc<Mutex<Log>>,
}

impl Requests {
    pub(crate) fn new(capacity: usize, byte_capacity: usize, body_limit: usize) -> Self {
        Requests {
            log: Arc::new(Mutex::new(Log {
                entries: VecDeque::new(),
                capacity,
                byte_capacity,
                body_limit,
                bytes: 0,
                total: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The part of `body` the log keeps, copied: a large body is never copied whole
    /// only to be cut (a copy and a cut leave the allocator's heap in pieces).
    pub(crate) fn kept_body(&self, body: &[u8]) -> Vec<u8> {
        let limit = self.lock().body_limit;
        body.get(..limit).unwrap_or(body).to_vec()
    }

    pub(crate) fn push(&self, mut rec: RecordedRequest) {
        let mut log = self.lock();
        log.total += 1;
        if rec.body.len() > log.body_limit {
            rec.body.truncate(log.body_limit);
            rec.body.shrink_to_fit();
        }
        let weight = rec.weight();
        if log.capacity == 0 || weight > log.byte_capacity {
            return;
        }
        while log.entries.len() >= log.capacity || log.bytes + weight > log.byte_capacity {
            let Some(old) = log.entries.pop_front() else {
                break;
            };
            log.bytes -= old.weight();
        }
        log.bytes += weight;
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

    /// About how many bytes the kept requests hold (bodies, headers and strings);
    /// never more than [`crate::MockServerBuilder::log_byte_capacity`].
    pub fn kept_bytes(&self) -> usize {
        self.lock().bytes
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
        log.bytes = 0;
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

    fn request(path: String, body: Vec<u8>) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path,
            query: String::new(),
            headers: vec![],
            body_len: body.len(),
            body,
            fault: None,
            status: 200,
            error: None,
            arrived_at: Instant::now(),
            answered_at: Instant::now(),
        }
    }

    #[test]
    fn capacity_keeps_latest() {
        let r = Requests::new(2, usize::MAX, usize::MAX);
        for i in 0..3u16 {
            r.push(request(format!("/{i}"), vec![]));
        }
        assert_eq!(r.len(), 2);
        assert_eq!(r.total(), 3);
        assert_eq!(r.all()[0].path, "/1");
    }

    #[test]
    fn bodies_are_cut_and_bytes_capped() {
        let entry = std::mem::size_of::<RecordedRequest>() + "GET".len() + "/0".len();
        // Room for three entries with 100-byte bodies.
        let r = Requests::new(100, 3 * (entry + 100), 100);
        for i in 0..5 {
            r.push(request(format!("/{i}"), vec![b'x'; 1000]));
            assert!(r.kept_bytes() <= 3 * (entry + 100));
        }
        let kept = r.all();
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[0].path, "/2", "the oldest go first");
        assert!(
            kept.iter()
                .all(|e| e.body.len() == 100 && e.body_len == 1000)
        );
        assert_eq!(r.kept_bytes(), 3 * (entry + 100));
        assert_eq!(r.total(), 5);
        r.clear();
        assert_eq!(r.kept_bytes(), 0);
    }
}
