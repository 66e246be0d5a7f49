//! Sending one prepared request with reqwest, and naming what went wrong.

use std::time::Duration;

use http::{HeaderMap, Request, StatusCode};
use roistat_core::{Error, Phase, exchange::Timeouts};

/// Builds the reqwest client: no redirects (the API has none, and a redirect would
/// carry the `Api-key` header elsewhere), connect and per-attempt timeouts.
pub(crate) fn http_client(timeouts: &Timeouts, user_agent: &str) -> Result<reqwest::Client, Error> {
    let builder = reqwest::Client::builder();
    // With both TLS features on, the explicit `native-tls` choice wins.
    #[cfg(feature = "native-tls")]
    let builder = builder.tls_backend_native();
    builder
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.attempt)
        .user_agent(user_agent)
        .build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
}

/// A response read to the end.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// Sends `request` with at most `timeout` for the whole attempt, body included.
pub(crate) async fn send(
    client: &reqwest::Client,
    request: &Request<Vec<u8>>,
    timeout: Duration,
) -> Result<Answer, Error> {
    let mut req = reqwest::Request::try_from(request.clone())
        .map_err(|e| Error::invalid_request(format!("the request could not be built: {e}")))?;
    *req.timeout_mut() = Some(timeout);
    let response = client.execute(req).await.map_err(map_error)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(map_error)?;
    Ok(Answer {
        status,
        headers,
        body: body.into(),
    })
}

/// Maps reqwest's error to the SDK's. reqwest's messages name the URL, which never
/// holds the key (it only travels in a header).
fn map_error(e: reqwest::Error) -> Error {
    let phase = if e.is_connect() {
        Phase::NotSent
    } else {
        Phase::MaybeProcessed
    };
    if e.is_timeout() {
        Error::timeout(phase)
    } else {
        Error::transport(phase, error_chain(&e), Some(Box::new(e)))
    }
}

/// reqwest's top-level message is generic ("error sending request"): add the causes.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
