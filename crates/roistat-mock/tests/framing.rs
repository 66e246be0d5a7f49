//! Request framing the server must not guess at: each ambiguous or oversized request is
//! answered 400 (413, 431) with an error envelope and the connection is closed; the
//! unambiguous variants next to them are served.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::Duration;

use roistat_mock::MockServer;
use support::Conn;

const LIST: &str = "/api/v1/project/integration/order/list?project=12345";

/// A request head to the order list with these extra header lines, then `body`.
fn raw(version: &str, headers: &str, body: &str) -> Vec<u8> {
    format!("POST {LIST} {version}\r\nHost: x\r\nApi-key: demo-key\r\n{headers}\r\n{body}")
        .into_bytes()
}

/// The server closed the connection: EOF or a reset, not a read that timed out.
fn assert_closed(stream: &mut TcpStream, what: &str) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 256];
    match stream.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Ok(n) => panic!(
            "{what}: more bytes after the answer: {:?}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) => panic!("{what}: the connection is still open: {e}"),
    }
}

/// Send `bytes` on a fresh connection; expect `status` with an `incorrect_request`
/// envelope, `Connection: close`, then a closed connection.
fn assert_refused(server: &MockServer, what: &str, bytes: &[u8], status: u16) {
    let mut c = Conn::open(server.addr());
    c.send_raw(bytes).unwrap();
    let r = c
        .read()
        .unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
    assert_eq!(r.status, status, "{what}: {}", r.text());
    assert_eq!(r.error_code(), "incorrect_request", "{what}");
    assert_eq!(r.header("connection"), Some("close"), "{what}");
    assert_closed(c.stream(), what);
}

#[test]
fn ambiguous_lengths_and_codings_get_400_and_a_closed_connection() {
    let s = MockServer::start().unwrap();
    let chunked_body = "2\r\n{}\r\n0\r\n\r\n";
    let cases: &[(&str, Vec<u8>)] = &[
        (
            "Content-Length with chunked",
            raw(
                "HTTP/1.1",
                "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
                chunked_body,
            ),
        ),
        (
            "chunked with Content-Length",
            raw(
                "HTTP/1.1",
                "Transfer-Encoding: chunked\r\nContent-Length: 12\r\n",
                chunked_body,
            ),
        ),
        (
            "differing duplicate Content-Length",
            raw(
                "HTTP/1.1",
                "Content-Length: 2\r\nContent-Length: 3\r\n",
                "{}x",
            ),
        ),
        (
            "differing Content-Length list",
            raw("HTTP/1.1", "Content-Length: 2, 3\r\n", "{}x"),
        ),
        (
            "Content-Length +0",
            raw("HTTP/1.1", "Content-Length: +0\r\n", ""),
        ),
        (
            "Content-Length +2",
            raw("HTTP/1.1", "Content-Length: +2\r\n", "{}"),
        ),
        (
            "Content-Length -1",
            raw("HTTP/1.1", "Content-Length: -1\r\n", ""),
        ),
        (
            "Content-Length hex",
            raw("HTTP/1.1", "Content-Length: 0x2\r\n", "{}"),
        ),
        (
            "Content-Length 2a",
            raw("HTTP/1.1", "Content-Length: 2a\r\n", "{}"),
        ),
        (
            "Content-Length 1 0",
            raw("HTTP/1.1", "Content-Length: 1 0\r\n", ""),
        ),
        (
            "empty Content-Length",
            raw("HTTP/1.1", "Content-Length:\r\n", ""),
        ),
        (
            "unknown coding",
            raw("HTTP/1.1", "Transfer-Encoding: gzip\r\n", "{}"),
        ),
        (
            "identity coding",
            raw("HTTP/1.1", "Transfer-Encoding: identity\r\n", "{}"),
        ),
        (
            "chunked not last",
            raw(
                "HTTP/1.1",
                "Transfer-Encoding: chunked, gzip\r\n",
                chunked_body,
            ),
        ),
        (
            "unknown coding before chunked",
            raw(
                "HTTP/1.1",
                "Transfer-Encoding: gzip, chunked\r\n",
                chunked_body,
            ),
        ),
        (
            "chunked twice",
            raw(
                "HTTP/1.1",
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                chunked_body,
            ),
        ),
        (
            "empty Transfer-Encoding",
            raw("HTTP/1.1", "Transfer-Encoding:\r\n", chunked_body),
        ),
        (
            "Transfer-Encoding in HTTP/1.0",
            raw("HTTP/1.0", "Transfer-Encoding: chunked\r\n", chunked_body),
        ),
        (
            "chunk size not hex",
            raw(
                "HTTP/1.1",
                "Transfer-Encoding: chunked\r\n",
                "zz\r\n{}\r\n0\r\n\r\n",
            ),
        ),
        (
            "chunk data without CRLF",
            raw(
                "HTTP/1.1",
                "Transfer-Encoding: chunked\r\n",
                "2\r\n{}xx0\r\n\r\n",
            ),
        ),
    ];
    for (what, bytes) in cases {
        assert_refused(&s, what, bytes, 400);
    }
    // Nothing reached the API.
    assert_eq!(s.requests().total(), 0);
}

#[test]
fn trailers_and_chunk_lines_are_capped() {
    let s = MockServer::start().unwrap();
    let many_trailers = format!("2\r\n{{}}\r\n0\r\n{}\r\n", "X-Trailer: y\r\n".repeat(2000));
    assert_refused(
        &s,
        "30 KB of trailers",
        &raw("HTTP/1.1", "Transfer-Encoding: chunked\r\n", &many_trailers),
        400,
    );
    let endless_trailer = format!("0\r\nX-Trailer: {}", "y".repeat(20_000));
    assert_refused(
        &s,
        "a trailer line without end",
        &raw(
            "HTTP/1.1",
            "Transfer-Encoding: chunked\r\n",
            &endless_trailer,
        ),
        400,
    );
    let endless_size = "1".repeat(20_000);
    assert_refused(
        &s,
        "a chunk size line without end",
        &raw("HTTP/1.1", "Transfer-Encoding: chunked\r\n", &endless_size),
        400,
    );
    // A few trailers are fine.
    let mut c = Conn::open(s.addr());
    c.send_raw(&raw(
        "HTTP/1.1",
        "Transfer-Encoding: chunked\r\n",
        "2\r\n{}\r\n0\r\nA: 1\r\nB: 2\r\n\r\n",
    ))
    .unwrap();
    assert_eq!(c.read().unwrap().json()["total"], 3);
    assert_eq!(s.requests().total(), 1);
}

#[test]
fn heads_and_bodies_are_capped() {
    let s = MockServer::builder().max_body_size(1000).start().unwrap();
    let big_header = format!("X-Big: {}\r\n", "a".repeat(70 * 1024));
    assert_refused(&s, "a 70 KB head", &raw("HTTP/1.1", &big_header, ""), 431);
    let many = (0..200)
        .map(|i| format!("X-{i}: v\r\n"))
        .collect::<String>();
    assert_refused(&s, "200 headers", &raw("HTTP/1.1", &many, ""), 400);
    assert_refused(
        &s,
        "a Content-Length over the cap",
        &raw("HTTP/1.1", "Content-Length: 1001\r\n", ""),
        413,
    );
    let chunk = format!("190\r\n{}\r\n", "x".repeat(400));
    let at_cap = format!("{chunk}0\r\n\r\n");
    let over = format!("{chunk}{chunk}{chunk}0\r\n\r\n");
    assert_refused(
        &s,
        "chunks adding up over the cap",
        &raw("HTTP/1.1", "Transfer-Encoding: chunked\r\n", &over),
        413,
    );
    assert_eq!(s.requests().total(), 0);
    // At the cap is fine (an invalid body, answered by the API).
    let mut c = Conn::open(s.addr());
    c.send_raw(&raw("HTTP/1.1", "Transfer-Encoding: chunked\r\n", &at_cap))
        .unwrap();
    assert_eq!(c.read().unwrap().error_code(), "incorrect_request");
    assert_eq!(s.requests().last().unwrap().body_len, 400);
}

#[test]
fn an_oversized_body_is_refused_before_100_continue() {
    let s = MockServer::builder().max_body_size(1000).start().unwrap();
    let mut c = Conn::open(s.addr());
    c.send_raw(&raw(
        "HTTP/1.1",
        "Expect: 100-continue\r\nContent-Length: 5000\r\n",
        "",
    ))
    .unwrap();
    let r = c.read().unwrap();
    assert_eq!(r.status, 413, "no 100 Continue first");
    assert_closed(c.stream(), "413 after Expect");
}

#[test]
fn unambiguous_neighbours_are_served() {
    let s = MockServer::start().unwrap();
    let mut c = Conn::open(s.addr());
    // Repeated Content-Length with one value, in two lines and in a list.
    for headers in [
        "Content-Length: 2\r\nContent-Length: 2\r\n",
        "Content-Length: 2, 02\r\n",
        "Transfer-Encoding: Chunked\r\n",
    ] {
        let body = if headers.contains("Chunked") {
            "2\r\n{}\r\n0\r\n\r\n"
        } else {
            "{}"
        };
        c.send_raw(&raw("HTTP/1.1", headers, body)).unwrap();
        let r = c.read().unwrap();
        assert_eq!(r.json()["total"], 3, "{headers:?}");
    }
    // A POST with neither header has no body (it is not chunked): answered at once,
    // and the connection goes on.
    c.send_raw(&raw("HTTP/1.1", "", "")).unwrap();
    assert_eq!(c.read().unwrap().json()["total"], 3);
    assert_eq!(s.requests().last().unwrap().body_len, 0);
    c.send_raw(&raw("HTTP/1.1", "Content-Length: 2\r\n", "{}"))
        .unwrap();
    assert_eq!(c.read().unwrap().json()["total"], 3);
    assert_eq!(s.requests().total(), 5);
}

#[test]
fn a_body_on_any_method_is_framed_not_read_as_the_next_request() {
    let s = MockServer::start().unwrap();
    let mut c = Conn::open(s.addr());
    // A HEAD whose body is a whole request: were the body ignored, the server would
    // run the smuggled delete.
    let smuggled = "POST /api/v1/project/integration/order/95101/delete?project=12345 HTTP/1.1\r\n\
                    Host: x\r\nApi-key: demo-key\r\nContent-Length: 0\r\n\r\n";
    let head = format!(
        "HEAD {LIST} HTTP/1.1\r\nHost: x\r\nApi-key: demo-key\r\nContent-Length: {}\r\n\r\n{smuggled}",
        smuggled.len()
    );
    c.send_raw(head.as_bytes()).unwrap();
    let r = c.read().unwrap();
    assert_eq!(
        r.error_code(),
        "incorrect_request",
        "HEAD is not a method here"
    );
    assert_eq!(s.requests().last().unwrap().body_len, smuggled.len());
    // The next request on the connection is the next one the client sent.
    c.send_raw(&raw("HTTP/1.1", "Content-Length: 2\r\n", "{}"))
        .unwrap();
    assert_eq!(c.read().unwrap().json()["total"], 3);
    assert_eq!(s.requests().total(), 2);
    assert!(s.store().order("95101").is_some(), "nothing was deleted");
}
