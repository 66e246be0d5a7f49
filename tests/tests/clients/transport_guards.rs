//! What the transports refuse, through both clients against raw servers: an answer over
//! the body cap (not read, not retried), a redirect (the `Api-key` would follow it), and a
//! proxy's 503 to a delete (it may have been applied; only `Retry-After` says it was not).

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

use roistat_core::types::OrderId;
use roistat_core::{Error, FailureKind, RequestState};

use crate::support::raw::{Act, RawServer, STATUSES, SUCCESS, json, response};
use crate::support::{Api, both_clients, builder};

both_clients!(
    a_declared_length_over_the_cap_is_refused_and_not_retried,
    a_chunked_body_past_a_small_cap_stops_and_is_not_retried,
    redirects_are_errors_and_nothing_reaches_the_target,
    a_503_to_a_delete_is_not_retried_without_retry_after,
    a_503_to_a_delete_with_retry_after_is_retried,
    a_connect_to_a_full_backlog_times_out_unsent,
);

/// Three attempts, fast backoff.
fn client<C: Api>(base_url: &str) -> C {
    builder::<C>(base_url, 1, "k")
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// 300 MiB announced (over core's 256 MiB cap), a few bytes sent, then the close.
fn oversized() -> Act {
    let mut bytes = format!(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        300u64 * 1024 * 1024
    )
    .into_bytes();
    bytes.extend_from_slice(br#"{"data":["#);
    Act::Respond(bytes)
}

async fn a_declared_length_over_the_cap_is_refused_and_not_retried<C: Api>() {
    // A read, which is retried after any transient failure: the cap is not transient.
    let server = RawServer::start(vec![oversized(), json(STATUSES)]);
    let e = client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: FailureKind::BodyTooLarge,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.is_retryable(), "{e:?}");
    assert_eq!(server.connections(), 1, "an over-cap answer was retried");
}

/// The status list padded with spaces to 64 KiB, chunked (no `Content-Length`).
fn chunked_statuses() -> Act {
    let mut body = STATUSES.as_bytes().to_vec();
    body.resize(64 * 1024, b' ');
    let mut bytes = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\
        Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for chunk in body.chunks(4096) {
        bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        bytes.extend_from_slice(chunk);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    Act::Respond(bytes)
}

async fn a_chunked_body_past_a_small_cap_stops_and_is_not_retried<C: Api>() {
    // The control: under a 1 MiB cap the 64 KiB answer decodes.
    let server = RawServer::start(vec![chunked_statuses()]);
    let client: C = builder::<C>(&server.base_url(), 1, "k")
        .max_body_size(1024 * 1024)
        .build()
        .unwrap();
    assert_eq!(client.list_statuses().await.unwrap().total, 1);
    // Under 16 KiB it is too large, found while reading (no length was declared).
    let server = RawServer::start(vec![chunked_statuses(), json(STATUSES)]);
    let client: C = builder::<C>(&server.base_url(), 1, "k")
        .max_body_size(16 * 1024)
        .build()
        .unwrap();
    let e = client.list_statuses().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: FailureKind::BodyTooLarge,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(server.connections(), 1, "an over-cap answer was retried");
}

async fn redirects_are_errors_and_nothing_reaches_the_target<C: Api>() {
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
    ] {
        let target = RawServer::start(vec![json(STATUSES)]);
        let location = format!(
            "{}/project/integration/status/list?project=1",
            target.base_url()
        );
        let server = RawServer::start(vec![Act::Respond(response(
            status,
            &[("Location", &location)],
            "",
        ))]);
        let e = client::<C>(&server.base_url())
            .list_statuses()
            .await
            .unwrap_err();
        assert_eq!(
            e.http_status().map(|s| s.to_string()),
            Some(status.to_string()),
            "{status}: {e:?}"
        );
        assert_eq!(e.request_state(), RequestState::Answered, "{e:?}");
        assert_eq!(server.connections(), 1, "{status}");
        assert_eq!(
            target.connections(),
            0,
            "{status}: the redirect was followed (with the Api-key header)"
        );
    }
}

fn unavailable(headers: &[(&str, &str)]) -> Act {
    let mut all = vec![("Content-Type", "text/html")];
    all.extend_from_slice(headers);
    Act::Respond(response(
        "503 Service Unavailable",
        &all,
        "<html><body><h1>503 Service Unavailable</h1></body></html>",
    ))
}

async fn a_503_to_a_delete_is_not_retried_without_retry_after<C: Api>() {
    let server = RawServer::start(vec![unavailable(&[]), json(SUCCESS)]);
    let e = client::<C>(&server.base_url())
        .delete_order(&OrderId::new("42").unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.http_status().map(|s| s.as_u16()), Some(503), "{e:?}");
    // Answered by a proxy that may have passed the delete on.
    let c = e.classify();
    assert_eq!(c.state, RequestState::Answered, "{e:?}");
    assert!(c.may_have_applied, "{e:?}");
    assert_eq!(server.connections(), 1, "the delete was sent again");

    // A read is retried past the same page.
    let server = RawServer::start(vec![unavailable(&[]), json(STATUSES)]);
    client::<C>(&server.base_url())
        .list_statuses()
        .await
        .unwrap();
    assert_eq!(server.connections(), 2);
}

async fn a_503_to_a_delete_with_retry_after_is_retried<C: Api>() {
    let server = RawServer::start(vec![unavailable(&[("Retry-After", "1")]), json(SUCCESS)]);
    client::<C>(&server.base_url())
        .delete_order(&OrderId::new("42").unwrap())
        .await
        .unwrap();
    assert_eq!(server.connections(), 2);
    assert_eq!(server.requests().len(), 2);
}

/// A loopback listener whose accept queue is full: it is never accepted from, its
/// backlog is 0 and one connection already waits in it, so the kernel drops further
/// handshakes (SYNs) and a connect can only time out. Returns the listener (keep it)
/// and the connections that fill it.
fn full_backlog() -> (Socket, SocketAddr, Vec<TcpStream>) {
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    listener.bind(&any.into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut fill = Vec::new();
    for _ in 0..16 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fill.push(s),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                return (listener, addr, fill);
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the kernel completed 16 handshakes on a listener with backlog 0");
}

async fn a_connect_to_a_full_backlog_times_out_unsent<C: Api>() {
    let (_listener, addr, fill) = full_backlog();
    assert!(!fill.is_empty());
    let client: C = builder::<C>(&format!("http://{addr}/api/v1"), 1, "k")
        .connect_timeout(Duration::from_millis(300))
        .max_attempts(1)
        .build()
        .unwrap();
    let e = client.list_statuses().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                state: RequestState::NotSent
            }
        ),
        "{e:?}"
    );
}
