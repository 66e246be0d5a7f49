//! The server under abuse (it also runs on `0.0.0.0`): idle and slow connections are
//! closed after their timeouts, connections beyond the cap are refused, and the request
//! log keeps its byte cap whatever the bodies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use roistat_mock::MockServer;
use support::Conn;

const LIST: &str = "/api/v1/project/integration/order/list?project=12345";

/// The server closed the connection: EOF or a reset, not a read that timed out. The
/// wait is shorter than the server's default idle timeout (10 s), so that a limit the
/// test set but the server ignored shows.
fn assert_closed(stream: &mut TcpStream, what: &str) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 256];
    match stream.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Ok(n) => panic!(
            "{what}: unexpected bytes: {:?}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) => panic!("{what}: the connection is still open: {e}"),
    }
}

fn list(c: &mut Conn) -> u16 {
    c.request("POST", LIST, &[("Api-key", "demo-key")], b"{}")
        .unwrap()
        .status
}

#[test]
fn idle_connections_are_closed_after_the_idle_timeout() {
    let idle = Duration::from_millis(200);
    let s = MockServer::builder().idle_timeout(idle).start().unwrap();

    // Opened and never used.
    let mut silent = Conn::open(s.addr());
    let started = Instant::now();
    assert_closed(silent.stream(), "a silent connection");
    assert!(started.elapsed() >= idle);

    // Idle after a keep-alive request.
    let mut used = Conn::open(s.addr());
    assert_eq!(list(&mut used), 200);
    let answered = Instant::now();
    assert_closed(used.stream(), "an idle keep-alive connection");
    assert!(answered.elapsed() >= idle);

    // A connection that keeps asking is not idle, however long it lives.
    let mut busy = Conn::open(s.addr());
    let until = Instant::now() + idle * 3;
    while Instant::now() < until {
        assert_eq!(list(&mut busy), 200);
    }
    assert_eq!(s.open_connections(), 1);
}

#[test]
fn a_slow_head_is_closed_at_the_read_deadline() {
    // The idle timeout is long: only the deadline of the request can end it.
    let s = MockServer::builder()
        .idle_timeout(Duration::from_secs(60))
        .read_timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    let mut reader = TcpStream::connect(s.addr()).unwrap();
    let mut writer = reader.try_clone().unwrap();
    // A client that trickles a never-ending header, one byte every 20 ms: no read of
    // the server ever waits long, yet the request never ends.
    let trickle = std::thread::spawn(move || {
        let started = Instant::now();
        writer
            .write_all(format!("POST {LIST} HTTP/1.1\r\nHost: x\r\nX-Slow: ").as_bytes())
            .unwrap();
        while started.elapsed() < Duration::from_secs(10) {
            if writer.write_all(b"a").is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    });
    assert_closed(&mut reader, "a slow head");
    drop(reader);
    assert!(
        trickle.join().unwrap(),
        "the client could write for 10 s: the server never hung up"
    );
    assert_eq!(s.requests().total(), 0);
}

#[test]
fn a_slow_body_is_closed_at_the_read_deadline() {
    let s = MockServer::builder()
        .read_timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    let mut c = Conn::open(s.addr());
    // The head promises ten bytes; two arrive.
    c.send_raw(
        format!(
            "POST {LIST} HTTP/1.1\r\nHost: x\r\nApi-key: demo-key\r\nContent-Length: 10\r\n\r\n{{}}"
        )
        .as_bytes(),
    )
    .unwrap();
    assert_closed(c.stream(), "a body that stopped");
    assert_eq!(s.requests().total(), 0);
}

#[test]
fn connections_beyond_the_cap_are_closed_at_once() {
    let s = MockServer::builder().max_connections(2).start().unwrap();
    let mut first = Conn::open(s.addr());
    let mut second = Conn::open(s.addr());
    assert_eq!(list(&mut first), 200);
    assert_eq!(list(&mut second), 200);
    assert_eq!(s.open_connections(), 2);

    let mut third = Conn::open(s.addr());
    // Whether the request goes out before or after the server closed: no answer.
    let _ = third.send("POST", LIST, &[("Api-key", "demo-key")], b"{}");
    assert_closed(third.stream(), "the connection over the cap");
    assert_eq!(s.requests().total(), 2);
    // The served ones are untouched.
    assert_eq!(list(&mut first), 200);

    // A slot frees when a connection ends.
    drop(second);
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.open_connections() > 1 {
        assert!(
            Instant::now() < deadline,
            "the closed connection still counts"
        );
        std::thread::yield_now();
    }
    let mut fourth = Conn::open(s.addr());
    assert_eq!(list(&mut fourth), 200);
}

#[test]
fn large_bodies_keep_the_request_log_under_its_byte_cap() {
    let cap = 512 * 1024;
    let per_body = 64 * 1024;
    let s = MockServer::builder()
        .log_byte_capacity(cap)
        .log_body_limit(per_body)
        .start()
        .unwrap();
    let mut c = Conn::open(s.addr());
    let body = vec![b'x'; 2 * 1024 * 1024];
    for i in 0..20 {
        let r = c
            .request(
                "POST",
                &format!("/api/v1/nowhere/{i}?project=12345"),
                &[("Api-key", "demo-key")],
                &body,
            )
            .unwrap();
        assert_eq!(r.error_code(), "resource_not_found");
        assert!(s.requests().kept_bytes() <= cap, "after request {i}");
    }
    assert_eq!(s.requests().total(), 20);
    let kept = s.requests().all();
    // The newest are kept, in order, each cut to the limit with its length noted.
    assert!((1..20).contains(&kept.len()), "{} kept", kept.len());
    let first = 20 - kept.len();
    for (n, rec) in kept.iter().enumerate() {
        assert_eq!(rec.path, format!("/api/v1/nowhere/{}", first + n));
        assert_eq!(rec.body.len(), per_body);
        assert_eq!(rec.body_len, body.len());
    }
    let sum: usize = kept.iter().map(|r| r.body.len()).sum();
    assert!(sum <= s.requests().kept_bytes(), "bodies are counted");
}

#[test]
fn by_default_logged_bodies_are_cut_at_one_mebibyte() {
    let s = MockServer::start().unwrap();
    let mut c = Conn::open(s.addr());
    let body = vec![b'x'; 3 * 1024 * 1024];
    let r = c
        .request(
            "POST",
            "/api/v1/nowhere?project=12345",
            &[("Api-key", "demo-key")],
            &body,
        )
        .unwrap();
    assert_eq!(r.error_code(), "resource_not_found");
    let rec = s.requests().last().unwrap();
    assert_eq!((rec.body.len(), rec.body_len), (1024 * 1024, body.len()));
    assert!(s.requests().kept_bytes() < 1024 * 1024 + 4096);
}

#[test]
fn the_binary_takes_the_limits_as_flags() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    /// Kills the binary however the test ends.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_roistat-mock"))
            .args(["--orders", "0", "--idle-timeout-ms", "2000"])
            .args(["--max-connections", "1"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    let base = loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "exited early");
        if let Some(v) = line.strip_prefix("base URL:") {
            break v.trim().to_string();
        }
    };
    let addr = base
        .trim_start_matches("http://")
        .trim_end_matches("/api/v1")
        .parse()
        .unwrap();
    let mut first = Conn::open(addr);
    assert_eq!(list(&mut first), 200);
    // While `first` holds the only slot (it idles for 2 s), a second connection gets
    // no answer.
    let mut second = Conn::open(addr);
    let _ = second.send("POST", LIST, &[("Api-key", "demo-key")], b"{}");
    assert_closed(second.stream(), "over --max-connections 1");
    // Closed by the 2 s idle timeout, well before the default 10 s one.
    let stream = first.stream();
    stream
        .set_read_timeout(Some(Duration::from_secs(6)))
        .unwrap();
    match stream.read(&mut [0u8; 64]) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("--idle-timeout-ms 2000 did not close the connection: {other:?}"),
    }
    drop(child);
}
