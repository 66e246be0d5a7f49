//! Sending one prepared request with ureq, and naming what went wrong.

use std::io;
use std::time::Duration;

use http::{HeaderMap, Request, StatusCode};
use roistat_core::{Error, Phase, exchange::Timeouts};

use crate::resolver::CachingResolver;

/// The largest body read (a page of 5,000 orders with visits is a few MiB).
const MAX_BODY: u64 = 256 * 1024 * 1024;

/// Builds the agent: non-2xx bodies reach the decoder, no redirects (the API has none,
/// and a redirect would carry the `Api-key` header to another host), timeouts set.
pub(crate) fn agent(timeouts: &Timeouts) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_connect(Some(timeouts.connect))
        .timeout_global(Some(timeouts.attempt));
    // ureq never picks native TLS by itself: the feature has to say so.
    #[cfg(feature = "native-tls")]
    let config = config.tls_config(
        ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .build(),
    );
    let config = config.build();
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        CachingResolver::default(),
    )
}

/// A response read to the end.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// Sends `request` with at most `timeout` for the whole attempt.
pub(crate) fn send(
    agent: &ureq::Agent,
    request: &Request<Vec<u8>>,
    timeout: Duration,
) -> Result<Answer, Error> {
    let request = agent
        .configure_request(request.clone())
        .timeout_global(Some(timeout))
        .build();
    let response = agent.run(request).map_err(map_error)?;
    let (parts, mut body) = response.into_parts();
    let body = body
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(map_error)?;
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// Maps ureq's error to the SDK's, deciding whether the request may have been processed.
/// The messages come from ureq and the OS; the key is only ever in a header, which
/// ureq does not print.
fn map_error(e: ureq::Error) -> Error {
    use ureq::Timeout as T;
    let not_sent =
        |e: ureq::Error| Error::transport(Phase::NotSent, e.to_string(), Some(Box::new(e)));
    let maybe =
        |e: ureq::Error| Error::transport(Phase::MaybeProcessed, e.to_string(), Some(Box::new(e)));
    match e {
        ureq::Error::Timeout(T::Resolve | T::Connect) => Error::timeout(Phase::NotSent),
        ureq::Error::Timeout(_) => Error::timeout(Phase::MaybeProcessed),
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed | ureq::Error::Tls(_) => {
            not_sent(e)
        }
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            Error::invalid_request(format!("the request could not be built: {e}"))
        }
        ureq::Error::Io(ref io) if refused_before_sending(io) => not_sent(e),
        ureq::Error::Io(ref io) if io.kind() == io::ErrorKind::TimedOut => {
            Error::timeout(Phase::MaybeProcessed)
        }
        other => maybe(other),
    }
}

/// Errors that can only happen while connecting.
fn refused_before_sending(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
    )
}
