//! Sending one prepared request with reqwest: the only I/O of the async client.
//!
//! What a failure means (sent or not, retryable or not) is core's decision: this file
//! only names which [`FailureKind`] reqwest reported.

use std::time::Duration;

use http::Request;
use roistat_core::transport::{body_too_large, check_declared_length};
use roistat_core::{Engine, Error, FailureKind, Response};

/// Builds the reqwest client: no redirects (the API has none, and a redirect would
/// carry the `Api-key` header elsewhere), connect and per-attempt timeouts, and no proxy
/// for a plain-http base URL (the key would cross it in clear text; HTTPS goes through
/// an environment proxy with CONNECT, end to end encrypted).
pub(crate) fn http_client(engine: &Engine) -> Result<reqwest::Client, Error> {
    let timeouts = engine.timeouts();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.attempt);
    if engine.config().base_url().starts_with("http://") {
        builder = builder.no_proxy();
    }
    // With both TLS features on, the explicit `native-tls` choice wins.
    #[cfg(feature = "native-tls")]
    let mut builder = builder.tls_backend_native();
    let roots = engine.root_certificates();
    if !roots.is_empty() {
        let certs = roots
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::config(format!("a TLS root certificate: {e}")))?;
        builder = builder.tls_certs_only(certs);
    }
    builder
        .build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
}

/// Sends `request` with at most `timeout` for the whole attempt, reading at most
/// `limit` body bytes.
pub(crate) async fn send(
    client: &reqwest::Client,
    request: &Request<Vec<u8>>,
    timeout: Duration,
    limit: u64,
) -> Result<Response, Error> {
    let mut req = reqwest::Request::try_from(request.clone())
        .map_err(|e| Error::transport(FailureKind::InvalidRequest, Some(Box::new(e))))?;
    *req.timeout_mut() = Some(timeout);
    let mut response = client.execute(req).await.map_err(failure)?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    check_declared_length(&headers, limit)?;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failure)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(body_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response::new(status, headers, body))
}

/// Names the kind of reqwest's failure; the message and cause travel as the source.
fn failure(e: reqwest::Error) -> Error {
    let kind = match (e.is_connect(), e.is_timeout()) {
        (true, true) => FailureKind::ConnectTimeout,
        (true, false) => FailureKind::Connect,
        (false, true) => FailureKind::Timeout,
        _ if e.is_builder() => FailureKind::InvalidRequest,
        _ if e.is_request() || e.is_body() || e.is_decode() => FailureKind::Io,
        _ => FailureKind::Other,
    };
    Error::transport(kind, Some(Box::new(e)))
}
