//! The HTTP/1.1 layer: keep-alive, pipelining, chunked bodies, 100-continue, closing,
//! concurrent clients, and an orderly stop on drop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::Duration;

use roistat_mock::MockServer;
use support::Conn;

const LIST: &str = "/api/v1/project/integration/order/list?project=12345";

#[test]
fn keep_alive_and_pipelining() {
    let s = MockServer::start().unwrap();
    let mut c = Conn::open(s.addr());
    for _ in 0..50 {
        let r = c
            .request("POST", LIST, &[("Api-key", "demo-key")], b"{}")
            .unwrap();
        assert_eq!(r.json()["total"], 3);
        assert_eq!(r.header("connection"), None);
    }
    // Three requests in one write, three answers in order.
    let one = |body: &str| {
        format!(
            "POST {LIST} HTTP/1.1\r\nHost: x\r\nApi-key: demo-key\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let bytes = [
        one(r#"{"limit":1}"#),
        one(r#"{"limit":2}"#),
        one(r#"{"limit":3}"#),
    ]
    .concat();
    c.send_raw(bytes.as_bytes()).unwrap();
    for n in 1..=3 {
        assert_eq!(
            c.read().unwrap().json()["data"].as_array().unwrap().len(),
            n
        );
    }
}

#[test]
fn chunked_request_bodies() {
    let s = MockServer::start().unwrap();
    let mut c = Conn::open(s.addr());
    let body = r#"{"filters": [["id", "=", "123"]]}"#;
    let (a, b) = body.split_at(10);
    let req = format!(
        "POST {LIST} HTTP/1.1\r\nHost: x\r\nApi-key: demo-key\r\nTransfer-Encoding: chunked\r\n\r\n{:x};ext=1\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\nTrailer: t\r\n\r\n",
        a.len(),
        b.len()
    );
    c.send_raw(req.as_bytes()).unwrap();
    let r = c.read().unwrap();
    assert_eq!(r.json()["data"][0]["id"], "123");
    assert_eq!(s.requests().last().unwrap().body, body.as_bytes());
}

#[test]
fn expect_100_continue() {
    let s = MockServer::start().unwrap();
    let body = br#"{"limit": 1}"#;
    let mut c = Conn::open(s.addr());
    let head = format!(
        "POST {LIST} HTTP/1.1\r\nHost: x\r\nApi-key: demo-key\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.send_raw(head.as_bytes()).unwrap();
    let interim = c.read().unwrap();
    assert_eq!(interim.status, 100);
    c.send_raw(body).unwrap();
    let r = c.read().unwrap();
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 1);
}

#[test]
fn connection_close_and_http_1_0() {
    let s = MockServer::start().unwrap();
    for (version, extra) in [("HTTP/1.1", "Connection: close\r\n"), ("HTTP/1.0", "")] {
        let mut stream = TcpStream::connect(s.addr()).unwrap();
        let req = format!(
            "POST {LIST} {version}\r\nHost: x\r\nApi-key: demo-key\r\n{extra}Content-Length: 2\r\n\r\n{{}}"
        );
        std::io::Write::write_all(&mut stream, req.as_bytes()).unwrap();
        let mut all = String::new();
        stream.read_to_string(&mut all).unwrap(); // returns because the server closes
        assert!(all.contains("Connection: close"), "{all}");
        assert!(all.ends_with(r#""total":3,"status":"success"}"#));
    }
}

#[test]
fn concurrent_clients() {
    let s = MockServer::builder().orders(100).start().unwrap();
    let addr = s.addr();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let mut c = Conn::open(addr);
                for _ in 0..10 {
                    let r = c
                        .request(
                            "POST",
                            LIST,
                            &[("Api-key", "demo-key")],
                            br#"{"limit":100,"extend":["visit"]}"#,
                        )
                        .unwrap();
                    assert_eq!(r.json()["data"].as_array().unwrap().len(), 100);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(s.requests().total(), 80);
}

#[test]
fn drop_stops_the_server_and_closes_idle_connections() {
    let s = MockServer::start().unwrap();
    let addr = s.addr();
    let mut idle = Conn::open(addr);
    assert_eq!(
        idle.request("POST", LIST, &[("Api-key", "demo-key")], b"{}")
            .unwrap()
            .status,
        200
    );
    drop(s);
    // The idle keep-alive connection was closed by the server: EOF or a reset, not a
    // read that merely timed out.
    idle.stream()
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 1];
    match idle.stream().read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the idle connection is still open: {other:?}"),
    }
    // ...and nothing listens any more.
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}

#[test]
fn base_url_and_binding() {
    let s = MockServer::builder()
        .project(7)
        .api_key("k")
        .start()
        .unwrap();
    assert_eq!(
        s.base_url(),
        format!("http://127.0.0.1:{}/api/v1", s.addr().port())
    );
    assert_eq!((s.project(), s.api_key()), (7, "k"));
    let mut c = Conn::open(s.addr());
    let r = c
        .request(
            "POST",
            "/api/v1/project/integration/status/list?project=7",
            &[("Api-key", "k")],
            b"",
        )
        .unwrap();
    assert_eq!(r.json()["total"], 14);
}
