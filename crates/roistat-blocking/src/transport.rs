//! Sending one prepared request with ureq: the only I/O of the blocking client.
//!
//! What a failure means (sent or not, retryable or not) is core's decision: this file
//! only names which [`FailureKind`] ureq reported.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::Request;
use roistat_core::transport::check_declared_length;
use roistat_core::{Engine, Error, FailureKind, Response};

use crate::resolver::CachingResolver;

/// Builds the agent: non-2xx bodies reach the decoder, no redirects (the API has none,
/// and a redirect would carry the `Api-key` header to another host), timeouts set, and
/// no proxy for a plain-http base URL (the key would cross it in clear text; HTTPS goes
/// through an environment proxy with CONNECT, end to end encrypted).
pub(crate) fn agent(engine: &Engine) -> ureq::Agent {
    let timeouts = engine.timeouts();
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(timeouts.connect))
        .timeout_global(Some(timeouts.attempt));
    if engine.config().base_url().starts_with("http://") {
        config = config.proxy(None);
    }
    let mut tls = ureq::tls::TlsConfig::builder();
    // ureq never picks native TLS by itself: the feature has to say so.
    #[cfg(feature = "native-tls")]
    {
        tls = tls.provider(ureq::tls::TlsProvider::NativeTls);
    }
    let roots = engine.root_certificates();
    if !roots.is_empty() {
        tls = tls.root_certs(ureq::tls::RootCerts::from(
            roots
                .iter()
                .map(|der| ureq::tls::Certificate::from_der(der).to_owned()),
        ));
    }
    let config = config.tls_config(tls.build());
    ureq::Agent::with_parts(
        config.build(),
        ureq::unversioned::transport::DefaultConnector::new(),
        CachingResolver::default(),
    )
}

/// The `log` target of ureq-proto's hex dump of the bytes it writes: request heads,
/// the `Api-key` header included.
pub(crate) const DUMP_TARGET: &str = "ureq_proto::util";

/// The filter that keeps the key out of a program's logs, named in the warning.
pub(crate) const DUMP_FILTER: &str = "ureq_proto=debug";

/// Warns once per process when `log` would record ureq-proto's dump at TRACE: this SDK
/// never logs the key, but that third-party layer would, and only the program's own
/// logging setup can turn it off.
fn warn_if_the_key_would_be_dumped() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if log::log_enabled!(target: DUMP_TARGET, log::Level::Trace)
        && !WARNED.swap(true, Ordering::Relaxed)
    {
        tracing::warn!(
            target: "roistat_blocking",
            "`log` records TRACE for `{DUMP_TARGET}`: ureq's protocol layer dumps request \
             bytes there, the Api-key header included; add the filter `{DUMP_FILTER}`"
        );
    }
}

/// Sends `request` with at most `timeout` for the whole attempt, reading at most
/// `limit` body bytes.
pub(crate) fn send(
    agent: &ureq::Agent,
    request: &Request<Vec<u8>>,
    timeout: Duration,
    limit: u64,
) -> Result<Response, Error> {
    warn_if_the_key_would_be_dumped();
    let request = agent
        .configure_request(request.clone())
        .timeout_global(Some(timeout))
        .build();
    let response = agent.run(request).map_err(failure)?;
    let (parts, mut body) = response.into_parts();
    check_declared_length(&parts.headers, limit)?;
    let body = body
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(failure)?;
    Ok(Response::new(parts.status, parts.headers, body))
}

/// Names the kind of ureq's failure; the message and cause travel as the source.
fn failure(e: ureq::Error) -> Error {
    use ureq::Timeout as T;
    let kind = match &e {
        ureq::Error::Timeout(T::Resolve | T::Connect) => FailureKind::ConnectTimeout,
        ureq::Error::Timeout(_) => FailureKind::Timeout,
        ureq::Error::HostNotFound => FailureKind::Resolve,
        ureq::Error::ConnectionFailed => FailureKind::Connect,
        ureq::Error::Tls(_) => FailureKind::Tls,
        // The handshake fails before a byte of the request leaves.
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => FailureKind::Tls,
        #[cfg(feature = "native-tls")]
        ureq::Error::NativeTls(_) => FailureKind::Tls,
        ureq::Error::BodyExceedsLimit(_) => FailureKind::BodyTooLarge,
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => FailureKind::InvalidRequest,
        ureq::Error::Io(io) => io_kind(io),
        _ => FailureKind::Other,
    };
    Error::transport(kind, Some(Box::new(e)))
}

/// I/O errors that can only happen while connecting, and timeouts.
fn io_kind(e: &io::Error) -> FailureKind {
    // rustls reports a failed handshake (an untrusted certificate, say) as an I/O error
    // around its own; no request byte leaves before the handshake completes.
    #[cfg(feature = "rustls")]
    if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return FailureKind::Tls;
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::AddrNotAvailable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::HostUnreachable => FailureKind::Connect,
        io::ErrorKind::TimedOut => FailureKind::Timeout,
        _ => FailureKind::Io,
    }
}
