//! A minimal HTTP/1.1 server side: request heads parsed by `httparse`, bodies by
//! `Content-Length` or chunked transfer coding, keep-alive, and response writing.
//!
//! Why hand-written: the mock must misbehave on purpose (stall, cut a body short,
//! reset a connection), which a full server framework hides from us.

use std::io::{self, Read, Write};
use std::net::TcpStream;

/// Largest request head we accept (request line plus headers).
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body we accept, after chunked decoding.
pub(crate) const MAX_BODY: usize = 32 * 1024 * 1024;
/// Most headers in one request.
const MAX_HEADERS: usize = 64;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// Path part of the target, still percent-encoded.
    pub path: String,
    /// Query part of the target without the `?`, still percent-encoded.
    pub query: String,
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
    /// The peer closed the connection cleanly between requests.
    Closed,
    /// A socket error (including the server's own shutdown of the socket) or EOF
    /// inside a request: nothing more can be said on this connection.
    Io,
    /// The bytes are not an HTTP/1.x request we accept: answer 400 and close.
    Bad(String),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
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
}

impl Reader {
    pub fn new() -> Self {
        Reader {
            buf: vec![0; 16 * 1024],
            pos: 0,
            end: 0,
        }
    }

    fn available(&self) -> &[u8] {
        self.buf.get(self.pos..self.end).unwrap_or(&[])
    }

    /// Read more bytes from the stream; returns how many (0 = EOF).
    fn fill(&mut self, stream: &mut TcpStream) -> io::Result<usize> {
        if self.pos > 0 && self.pos == self.end {
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

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }

    /// Read one full request (head and body) from the stream.
    pub fn read_request(&mut self, stream: &mut TcpStream) -> Result<Request, ReadError> {
        // Head.
        let (head_len, mut req, framing) = loop {
            if !self.available().is_empty() {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut parsed = httparse::Request::new(&mut headers);
                match parsed.parse(self.available()) {
                    Ok(httparse::Status::Complete(n)) => {
                        let (req, framing) = convert(&parsed)?;
                        break (n, req, framing);
                    }
                    Ok(httparse::Status::Partial) => {}
                    Err(e) => return Err(ReadError::Bad(format!("malformed request head: {e}"))),
                }
                if self.available().len() > MAX_HEAD {
                    return Err(ReadError::Bad("request head too large".into()));
                }
            }
            let had = self.available().len();
            if self.fill(stream)? == 0 {
                return Err(if had == 0 {
                    ReadError::Closed
                } else {
                    ReadError::Io
                });
            }
        };
        self.consume(head_len);

        if framing.expect_continue && !matches!(framing.body, BodyFraming::None) {
            // curl waits up to a second for this before sending a large body.
            stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        req.body = match framing.body {
            BodyFraming::None => Vec::new(),
            BodyFraming::Length(n) => self.read_exact_body(stream, n)?,
            BodyFraming::Chunked => self.read_chunked(stream)?,
        };
        Ok(req)
    }

    fn read_exact_body(&mut self, stream: &mut TcpStream, n: usize) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::with_capacity(n.min(1 << 20));
        while body.len() < n {
            if self.available().is_empty() && self.fill(stream)? == 0 {
                return Err(ReadError::Io);
            }
            let take = (n - body.len()).min(self.available().len());
            body.extend_from_slice(self.available().get(..take).unwrap_or(&[]));
            self.consume(take);
        }
        Ok(body)
    }

    /// Read one CRLF-terminated line (without the CRLF).
    fn read_line(&mut self, stream: &mut TcpStream) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(i) = self.available().windows(2).position(|w| w == b"\r\n") {
                let line = self.available().get(..i).unwrap_or(&[]).to_vec();
                self.consume(i + 2);
                return Ok(line);
            }
            if self.available().len() > 8 * 1024 {
                return Err(ReadError::Bad("chunk line too long".into()));
            }
            if self.fill(stream)? == 0 {
                return Err(ReadError::Io);
            }
        }
    }

    fn read_chunked(&mut self, stream: &mut TcpStream) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line(stream)?;
            let size_text = line.split(|&b| b == b';').next().unwrap_or(&[]);
            let size_text = std::str::from_utf8(size_text)
                .map_err(|_| ReadError::Bad("bad chunk size".into()))?
                .trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| ReadError::Bad(format!("bad chunk size {size_text:?}")))?;
            if size == 0 {
                // Trailers until an empty line.
                loop {
                    if self.read_line(stream)?.is_empty() {
                        return Ok(body);
                    }
                }
            }
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(ReadError::Bad("request body too large".into()));
            }
            let chunk = self.read_exact_body(stream, size)?;
            body.extend_from_slice(&chunk);
            if !self.read_line(stream)?.is_empty() {
                return Err(ReadError::Bad("chunk not followed by CRLF".into()));
            }
        }
    }
}

enum BodyFraming {
    None,
    Length(usize),
    Chunked,
}

struct Framing {
    body: BodyFraming,
    expect_continue: bool,
}

fn convert(parsed: &httparse::Request<'_, '_>) -> Result<(Request, Framing), ReadError> {
    let method = parsed.method.unwrap_or("").to_string();
    let target = parsed.path.unwrap_or("/");
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.to_string(), String::new()),
    };
    let version = parsed.version.unwrap_or(1);
    let mut headers = Vec::with_capacity(parsed.headers.len());
    let mut framing = Framing {
        body: BodyFraming::None,
        expect_continue: false,
    };
    let mut connection_close = version == 0;
    for h in parsed.headers.iter() {
        let value = String::from_utf8_lossy(h.value).trim().to_string();
        if h.name.eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .parse()
                .map_err(|_| ReadError::Bad(format!("bad Content-Length {value:?}")))?;
            if n > MAX_BODY {
                return Err(ReadError::Bad("request body too large".into()));
            }
            if !matches!(framing.body, BodyFraming::Chunked) {
                framing.body = BodyFraming::Length(n);
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            if value.to_ascii_lowercase().contains("chunked") {
                framing.body = BodyFraming::Chunked;
            } else {
                return Err(ReadError::Bad(format!(
                    "unsupported Transfer-Encoding {value:?}"
                )));
            }
        } else if h.name.eq_ignore_ascii_case("connection") {
            let v = value.to_ascii_lowercase();
            if v.contains("close") {
                connection_close = true;
            } else if v.contains("keep-alive") {
                connection_close = false;
            }
        } else if h.name.eq_ignore_ascii_case("expect") {
            framing.expect_continue = value.eq_ignore_ascii_case("100-continue");
        }
        headers.push((h.name.to_string(), value));
    }
    Ok((
        Request {
            method,
            path,
            query,
            headers,
            body: Vec::new(),
            keep_alive: !connection_close,
        },
        framing,
    ))
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
        429 => "Too Many Requests",
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
