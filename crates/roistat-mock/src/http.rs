//! The HTTP/1.1 server side of a connection: reading requests and writing answers.
//!
//! Request heads and bodies are framed by ureq-proto's sans-IO server state machine
//! ([`ureq_proto::server::Reply`]): `httparse` for the head, its strict
//! `Content-Length` rules (digits only, repeated values must agree) and its chunked
//! decoder. It only turns bytes into bytes, so the socket stays ours: the mock can stall,
//! cut an answer short or reset the connection on purpose.
//!
//! In front of it sit the rules ureq-proto leaves to the server (it is lenient where
//! a client must be, and a server on `0.0.0.0` must not be):
//!
//! - framing that two parsers could read differently is refused with 400 and the
//!   connection closed: `Content-Length` with `Transfer-Encoding`, any coding but a
//!   single `chunked`, `Transfer-Encoding` in HTTP/1.0, and (by ureq-proto) a bad or
//!   disagreeing `Content-Length`;
//! - a request with neither header has no body (RFC 9112 §6.3; ureq-proto would
//!   expect a chunked one);
//! - caps on the head (431), the body (413) and the chunked trailer section (400);
//! - an idle timeout before a request's first byte and a deadline for the whole request
//!   after it.
//!
//! Answers are written here too: a head is a few lines, and the "body cut short" fault
//! needs a head that lies about its `Content-Length`.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ureq_proto::http::{Version, header};
use ureq_proto::server::{RecvRequestResult, Reply, state::RecvBody};

/// Size and time limits of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// Largest request head (request line plus headers); more is answered 431.
    pub max_head: usize,
    /// Largest request body after chunked decoding; more is answered 413.
    pub max_body: usize,
    /// Largest chunked trailer section (everything after the last chunk's data).
    pub max_trailer: usize,
    /// How long a connection may wait for the first byte of its next request.
    pub idle_timeout: Duration,
    /// How long a whole request (head and body) may take after its first byte.
    pub read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 64 * 1024,
            max_body: 64 * 1024 * 1024,
            max_trailer: 8 * 1024,
            idle_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
        }
    }
}

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// Path part of the target, still percent-encoded.
    pub path: String,
    /// Query part of the target without the `?`, still percent-encoded.
    pub query: String,
    /// Header names lower-cased; repeated headers next to each other.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the connection may serve another request after this one.
    pub keep_alive: bool,
}

impl Request {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed the connection, or kept it idle too long, between requests.
    Closed,
    /// A socket error (including the server's own shutdown of the socket), EOF inside
    /// a request, or the read deadline passed: nothing more can be said here.
    Io,
    /// The bytes are not a request we accept: answer `status` and close.
    Refused { status: u16, message: String },
}

impl ReadError {
    fn refused(status: u16, message: impl Into<String>) -> ReadError {
        ReadError::Refused {
            status,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> ReadError {
        ReadError::refused(400, message)
    }
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

/// How the body of a request is delimited, once the head passed our checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// A connection's read side with a buffer that survives between requests
/// (pipelined bytes after one request are kept for the next).
#[derive(Debug)]
pub(crate) struct Reader {
    buf: Vec<u8>,
    /// Start of unconsumed bytes in `buf`.
    pos: usize,
    /// End of valid bytes in `buf`.
    end: usize,
    limits: Limits,
}

impl Reader {
    pub fn new(limits: Limits) -> Self {
        Reader {
            buf: vec![0; 16 * 1024],
            pos: 0,
            end: 0,
            limits,
        }
    }

    fn available(&self) -> &[u8] {
        self.buf.get(self.pos..self.end).unwrap_or(&[])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }

    /// Read more bytes, waiting until `deadline` at most; returns how many (0 = EOF).
    /// Callers bound how much unconsumed input they let pile up, so the buffer stays
    /// near the head or trailer cap.
    fn fill(&mut self, stream: &mut TcpStream, deadline: Instant) -> io::Result<usize> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        }
        if self.end == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.end -= self.pos;
                self.pos = 0;
            } else {
                let grow = self.buf.len().max(16 * 1024);
                self.buf.resize(self.buf.len() + grow, 0);
            }
        }
        let dst = self.buf.get_mut(self.end..).unwrap_or(&mut []);
        let n = stream.read(dst)?;
        self.end += n;
        Ok(n)
    }

    /// Like [`Reader::fill`], inside a request: EOF there is an error too.
    fn fill_more(&mut self, stream: &mut TcpStream, deadline: Instant) -> Result<(), ReadError> {
        match self.fill(stream, deadline)? {
            0 => Err(ReadError::Io),
            _ => Ok(()),
        }
    }

    /// Read one full request (head and body) from the stream.
    pub fn read_request(&mut self, stream: &mut TcpStream) -> Result<Request, ReadError> {
        if self.available().is_empty() {
            let idle_until = Instant::now() + self.limits.idle_timeout;
            match self.fill(stream, idle_until) {
                Ok(n) if n > 0 => {}
                _ => return Err(ReadError::Closed),
            }
        }
        let deadline = Instant::now() + self.limits.read_timeout;

        let mut reply = Reply::new().map_err(|e| ReadError::bad(e.to_string()))?;
        // Frame a body by its headers whatever the method (RFC 9112 §6.3): a HEAD with
        // a Content-Length must not leave its body to be read as the next request.
        reply.force_recv_body();
        let (head_len, head) = loop {
            match reply.try_request(self.available()) {
                Ok((n, Some(_))) if n > self.limits.max_head => {
                    return Err(ReadError::refused(431, "request head too large"));
                }
                Ok((n, Some(head))) => break (n, head),
                Ok((_, None)) => {
                    if self.available().len() > self.limits.max_head {
                        return Err(ReadError::refused(431, "request head too large"));
                    }
                    self.fill_more(stream, deadline)?;
                }
                Err(e) => return Err(ReadError::bad(format!("malformed request head: {e}"))),
            }
        };
        self.consume(head_len);

        let framing = framing(&head)?;
        if let Framing::Length(n) = framing
            && n > self.limits.max_body as u64
        {
            return Err(ReadError::refused(413, "request body too large"));
        }
        let http10 = head.version() == Version::HTTP_10;
        let mut req = convert(head);
        if framing == Framing::None {
            return Ok(req);
        }
        let mut body_reply = match reply.proceed() {
            Some(RecvRequestResult::Send100(r)) => {
                let mut interim = [0u8; 64];
                let (n, r) = r
                    .accept(&mut interim)
                    .map_err(|e| ReadError::bad(e.to_string()))?;
                // curl waits up to a second for this before sending a large body; an
                // HTTP/1.0 client does not know it.
                if !http10 {
                    stream.write_all(interim.get(..n).unwrap_or(&[]))?;
                }
                r
            }
            Some(RecvRequestResult::RecvBody(r)) => r,
            // `Content-Length: 0`.
            Some(RecvRequestResult::ProvideResponse(_)) => return Ok(req),
            None => return Err(ReadError::bad("request head not understood")),
        };
        req.body = self.read_body(stream, &mut body_reply, framing, deadline)?;
        Ok(req)
    }

    fn read_body(
        &mut self,
        stream: &mut TcpStream,
        reply: &mut Reply<RecvBody>,
        framing: Framing,
        deadline: Instant,
    ) -> Result<Vec<u8>, ReadError> {
        let max = self.limits.max_body;
        let expected = match framing {
            Framing::Length(n) => usize::try_from(n).unwrap_or(max),
            _ => 16 * 1024,
        };
        // Grow with the bytes that arrive, not with what the head promises.
        let mut body = Vec::with_capacity(expected.min(1 << 20));
        // One chunk per `read`, so that each call either carries data or is pure framing.
        reply.stop_on_chunk_boundary(true);
        // Wire bytes since the last body byte: a chunk-size line, or the last chunk and
        // the trailer section, which nothing else bounds.
        let mut framing_run = 0usize;
        while !reply.is_ended() {
            if self.available().is_empty() {
                self.fill_more(stream, deadline)?;
                continue;
            }
            let start = body.len();
            // Decoding never makes bytes, so room for the input is enough; one byte past
            // the cap tells an oversized chunked body.
            let room = self
                .available()
                .len()
                .min(max.saturating_add(1).saturating_sub(start));
            body.resize(start + room, 0);
            let out = body.get_mut(start..).unwrap_or(&mut []);
            let (used, wrote) = reply
                .read(self.available(), out)
                .map_err(|e| ReadError::bad(format!("malformed chunked body: {e}")))?;
            body.truncate(start + wrote);
            self.consume(used);
            if body.len() > max {
                return Err(ReadError::refused(413, "request body too large"));
            }
            framing_run = if wrote > 0 {
                used.saturating_sub(wrote)
            } else {
                framing_run.saturating_add(used)
            };
            if framing_run > self.limits.max_trailer {
                return Err(ReadError::bad("chunked trailer section too large"));
            }
            if used == 0 && !reply.is_ended() {
                // A line without its CRLF yet: wait for more, but not forever.
                if self.available().len() > self.limits.max_trailer {
                    return Err(ReadError::bad("chunk line or trailer too long"));
                }
                self.fill_more(stream, deadline)?;
            }
        }
        Ok(body)
    }
}

/// The body framing of a parsed head, refusing what two parsers could read
/// differently. ureq-proto already refused a malformed or disagreeing `Content-Length`.
fn framing(head: &ureq_proto::http::Request<()>) -> Result<Framing, ReadError> {
    let headers = head.headers();
    let has_te = headers.contains_key(header::TRANSFER_ENCODING);
    let length = headers.get(header::CONTENT_LENGTH);
    if !has_te {
        let Some(length) = length else {
            return Ok(Framing::None);
        };
        // Checked by ureq-proto: digits, and every element the same number.
        let n = length
            .to_str()
            .ok()
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| ReadError::bad("bad Content-Length"))?;
        return Ok(Framing::Length(n));
    }
    if length.is_some() {
        return Err(ReadError::bad(
            "both Content-Length and Transfer-Encoding: ambiguous framing",
        ));
    }
    if head.version() == Version::HTTP_10 {
        return Err(ReadError::bad("Transfer-Encoding in an HTTP/1.0 request"));
    }
    let mut codings = Vec::new();
    for value in headers.get_all(header::TRANSFER_ENCODING) {
        let value = value
            .to_str()
            .map_err(|_| ReadError::bad("Transfer-Encoding is not ASCII"))?;
        codings.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_ascii_lowercase),
        );
    }
    match codings.as_slice() {
        [only] if only == "chunked" => Ok(Framing::Chunked),
        [.., last] if last == "chunked" => Err(ReadError::bad(format!(
            "unsupported transfer coding in {codings:?}: only chunked is accepted"
        ))),
        _ => Err(ReadError::bad(format!(
            "transfer codings {codings:?} do not end with chunked"
        ))),
    }
}

/// The mock's view of a parsed head.
fn convert(head: ureq_proto::http::Request<()>) -> Request {
    let headers = head.headers();
    let has_token = |name: header::HeaderName, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    let keep_alive = if has_token(header::CONNECTION, "close") {
        false
    } else {
        head.version() != Version::HTTP_10 || has_token(header::CONNECTION, "keep-alive")
    };
    Request {
        method: head.method().as_str().to_string(),
        path: head.uri().path().to_string(),
        query: head.uri().query().unwrap_or("").to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).trim().to_string(),
                )
            })
            .collect(),
        body: Vec::new(),
        keep_alive,
    }
}

/// The reason phrase for the statuses the mock sends.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Unknown",
    }
}

/// Append a response head to `out`. `content_length` may differ from the bytes that
/// follow (that is how the "body cut short" fault lies).
pub(crate) fn write_head(
    out: &mut Vec<u8>,
    status: u16,
    content_type: &str,
    content_length: usize,
    keep_alive: bool,
    extra: &[(&str, String)],
) {
    use std::fmt::Write as _;
    let mut head = String::with_capacity(160);
    let _ = write!(
        head,
        "HTTP/1.1 {status} {}\r\nServer: roistat-mock\r\nContent-Type: {content_type}\r\nContent-Length: {content_length}\r\n",
        reason(status)
    );
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    for (k, v) in extra {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    head.push_str("\r\n");
    out.extend_from_slice(head.as_bytes());
}

/// Decode `%XX` escapes (and `+` as space when `plus_as_space`), lossily to UTF-8.
pub(crate) fn percent_decode(s: &str, plus_as_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if plus_as_space && b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Split a query string into decoded `(name, value)` pairs.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k, true), percent_decode(v, true)),
            None => (percent_decode(p, true), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%2", false), "a%2");
        assert_eq!(percent_decode("%D0%9C", false), "М");
    }

    #[test]
    fn query_splitting() {
        let q = query_pairs("project=12345&key=a%26b&flag");
        assert_eq!(
            q,
            vec![
                ("project".to_string(), "12345".to_string()),
                ("key".to_string(), "a&b".to_string()),
                ("flag".to_string(), String::new())
            ]
        );
    }
}
