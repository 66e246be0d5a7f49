//! HTTPS against a local TLS server (rustls's server side on a std `TcpListener`) whose
//! self-signed certificate is made in the test with `rcgen` and trusted through the
//! builder's `tls_root_certificate`; without it the same call is a TLS error, not sent.
//! The TLS backend is the client crates' default (rustls) or, with their `native-tls`
//! feature, the platform's: `.ci/run` runs this file both ways.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use roistat_core::{Error, FailureKind, RequestState};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::support::raw::{STATUSES, response};
use crate::support::{Api, both_clients, builder};

both_clients!(
    a_call_over_https_succeeds_with_the_certificate_trusted_through_the_builder,
    an_untrusted_certificate_is_a_tls_error_and_nothing_is_sent,
);

/// A TLS server on 127.0.0.1 that answers every request with the status list.
struct TlsServer {
    addr: SocketAddr,
    certificate: Vec<u8>,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TlsServer {
    fn start() -> TlsServer {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let certificate = certified.cert.der().to_vec();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        // Explicit provider: ring and aws-lc-rs are both in the graph, so rustls
        // cannot pick a process default by itself.
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(certificate.clone())], key)
        .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (requests, stop) = (Arc::clone(&requests), Arc::clone(&stop));
            std::thread::spawn(move || {
                // One connection at a time is enough for one call per client.
                for _ in 0..8 {
                    let Ok((tcp, _)) = listener.accept() else {
                        return;
                    };
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    // A failed handshake (the untrusted case) is the client's doing.
                    let _ = serve(&config, tcp, &requests);
                }
            })
        };
        TlsServer {
            addr,
            certificate,
            requests,
            stop,
            accept: Some(accept),
        }
    }

    fn base_url(&self) -> String {
        format!("https://{}/api/v1", self.addr)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(a) = self.accept.take() {
            let _ = a.join();
        }
    }
}

/// Reads one request head (the calls here have no body), counts it, and answers it.
fn serve(
    config: &Arc<rustls::ServerConfig>,
    tcp: std::net::TcpStream,
    requests: &AtomicUsize,
) -> io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(5)))?;
    tcp.set_write_timeout(Some(Duration::from_secs(5)))?;
    let conn = rustls::ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let started = Instant::now();
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    while !data.windows(4).any(|w| w == b"\r\n\r\n") {
        if started.elapsed() > Duration::from_secs(5) {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let n = tls.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..n]);
    }
    // Counted before answering: the client may check as soon as the answer arrives.
    requests.fetch_add(1, Ordering::SeqCst);
    tls.write_all(&response(
        "200 OK",
        &[("Content-Type", "application/json")],
        STATUSES,
    ))?;
    tls.conn.send_close_notify();
    tls.flush()
}

async fn a_call_over_https_succeeds_with_the_certificate_trusted_through_the_builder<C: Api>() {
    let server = TlsServer::start();
    let client: C = builder::<C>(&server.base_url(), 1, "k")
        .tls_root_certificate(server.certificate.clone())
        .max_attempts(1)
        .build()
        .unwrap();
    let list = client.list_statuses().await.unwrap();
    assert_eq!(list.data[0].name, "New");
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
}

async fn an_untrusted_certificate_is_a_tls_error_and_nothing_is_sent<C: Api>() {
    let server = TlsServer::start();
    let client: C = builder::<C>(&server.base_url(), 1, "k")
        .max_attempts(1)
        .build()
        .unwrap();
    let e = client.list_statuses().await.unwrap_err();
    // ureq names the TLS failure; reqwest reports it as a failed connect.
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: FailureKind::Tls | FailureKind::Connect,
                state: RequestState::NotSent,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
}
