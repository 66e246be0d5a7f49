//! Sending one prepared request with ureq: the only I/O of the blocking client.
//!
//! What a failure means (sent or not, retryable or not) is core's decision: this file
//! only names which [`FailureKind`] ureq reported.

use std::io;
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
    // ureq never picks native TLS by itself: the feature has to say so.
    #[cfg(feature = "native-tls")]
    let config = config.tls_config(
        ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .build(),
    );
    ureq::Agent::with_parts(
        config.build(),
        ureq::unversioned::transport::DefaultConnector::new(),
        CachingResolver::default(),
    )
}

/// Sends `request` with at most `timeout` for the whole attempt, reading at most
/// `limit` body bytes.
pub(crate) fn send(
    agent: &ureq::Agent,
    request: &Request<Vec<u8>>,
    timeout: Duration,
    limit: u64,
) -> Result<Response, Error> {
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
        ureq::Error::BodyExceedsLimit(_) => FailureKind::BodyTooLarge,
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => FailureKind::InvalidRequest,
        ureq::Error::Io(io) => io_kind(io),
        _ => FailureKind::Other,
    };
    Error::transport(kind, Some(Box::new(e)))
}

/// I/O errors that can only happen while connecting, and timeouts.
fn io_kind(e: &io::Error) -> FailureKind {
    match e.kind() {
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::AddrNotAvailable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::HostUnreachable => FailureKind::Connect,
        io::ErrorKind::TimedOut => FailureKind::Timeout,
        _ => FailureKind::Io,
    }
}
