//! The [`Endpoint`] trait (what an operation is) and [`prepare`] (how it becomes an
//! `http::Request`).
//!
//! The request is a plain `http::Request<Vec<u8>>`: any HTTP client can send it, and a
//! test can assert on it without a server.

use std::fmt::{self, Write as _};

use http::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use http::{Method, Request, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// The `Api-key` header (Roistat's recommended way to authenticate).
pub const API_KEY_HEADER: HeaderName = HeaderName::from_static("api-key");

/// The `Use-Http-Code` header (Roistat then reflects errors in the HTTP status).
pub const USE_HTTP_CODE_HEADER: HeaderName = HeaderName::from_static("use-http-code");

/// Everything outside RFC 3986 "unreserved" (`A-Z a-z 0-9 - . _ ~`) is encoded, so a
/// dynamic value can never add a segment (`/`), start a query (`?`) or fragment (`#`),
/// or smuggle a pre-encoded sequence (`%`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One operation of the API: a value that knows how to ask and what the answer is.
///
/// The nine Orders operations are in [`endpoints`](crate::endpoints); implement this
/// trait for an operation the SDK does not cover yet and send it with the clients'
/// generic `send`.
pub trait Endpoint {
    /// The decoded success payload.
    type Output: DeserializeOwned;

    /// A short stable name for logs and metrics, e.g. `"list_orders"`.
    fn name(&self) -> &'static str;

    /// The HTTP method.
    fn method(&self) -> Method;

    /// The path below the base URL.
    fn path(&self) -> Path;

    /// Query parameters besides `project` (default none).
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The JSON body, if any.
    fn body(&self) -> Result<Option<Vec<u8>>, Error>;

    /// Whether the operation may be sent again after it may have been processed.
    fn retry_safety(&self) -> RetrySafety;

    /// Which rate-limit bucket it counts against.
    fn rate_class(&self) -> RateClass;

    /// The first part of `output` that decoded only in part, as `(JSON path, message)`
    /// (e.g. `("data[9].status.type", "...")`), or `None` when all of it decoded.
    ///
    /// Outputs that isolate odd rows (the order list) override this; strict decoding
    /// ([`DecodeOptions::strict`](crate::DecodeOptions::strict)) turns the answer into
    /// an [`Error::Decode`]. The default says the output has no partial parts.
    fn first_decode_issue(&self, output: &Self::Output) -> Option<(String, String)> {
        let _ = output;
        None
    }
}

impl<E: Endpoint + ?Sized> Endpoint for &E {
    type Output = E::Output;
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn method(&self) -> Method {
        (**self).method()
    }
    fn path(&self) -> Path {
        (**self).path()
    }
    fn query(&self) -> Vec<(&'static str, String)> {
        (**self).query()
    }
    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        (**self).body()
    }
    fn retry_safety(&self) -> RetrySafety {
        (**self).retry_safety()
    }
    fn rate_class(&self) -> RateClass {
        (**self).rate_class()
    }
    fn first_decode_issue(&self, output: &Self::Output) -> Option<(String, String)> {
        (**self).first_decode_issue(output)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Param(String),
}

/// A path made of literal segments and percent-encoded parameters.
///
/// ```
/// use roistat_core::Path;
///
/// let path = Path::new("project/orders").param("../delete?x").literal("info");
/// assert_eq!(path.to_string(), "/project/orders/..%2Fdelete%3Fx/info");
/// assert_eq!(Path::new("a").param("..").to_string(), "/a/%2E%2E");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path {
    segments: Vec<Segment>,
}

impl Path {
    /// A path of literal segments separated by `/` (written by the SDK, not encoded).
    pub fn new(literal: &'static str) -> Self {
        Self::default().literal(literal)
    }

    /// Appends literal segments (`"a/b"` appends two).
    pub fn literal(mut self, literal: &'static str) -> Self {
        self.segments.extend(
            literal
                .split('/')
                .filter(|s| !s.is_empty())
                .map(Segment::Literal),
        );
        self
    }

    /// Appends one segment from a value (an order id, ...), percent-encoded so that it
    /// stays exactly one segment whatever it contains.
    pub fn param(mut self, value: impl Into<String>) -> Self {
        self.segments.push(Segment::Param(value.into()));
        self
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.segments {
            f.write_char('/')?;
            match segment {
                Segment::Literal(s) => f.write_str(s)?,
                // `.` and `..` are unreserved but mean "this/parent directory" as whole
                // segments. WHATWG URL parsers still read `%2E%2E` as `..`, so the order
                // endpoints refuse those two ids outright; encoding the dots here is the
                // second line of defence for parsers that do not.
                Segment::Param(s) if !s.is_empty() && s.bytes().all(|b| b == b'.') => {
                    for _ in 0..s.len() {
                        f.write_str("%2E")?;
                    }
                }
                Segment::Param(s) => write!(f, "{}", utf8_percent_encode(s, SEGMENT))?,
            }
        }
        Ok(())
    }
}

/// Percent-encodes a query key or value with the same strict set as path parameters.
fn encode_query(s: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(s, SEGMENT)
}

/// The `http::Request` extension naming the operation (for executors' logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationName(pub &'static str);

/// Builds the request for `endpoint`: base URL + path + `?project=N` (+ the endpoint's
/// query), headers `Api-key` (marked sensitive), `Content-Type` and `Accept:
/// application/json`, `User-Agent`, and `Use-Http-Code: 1` if configured. The key is
/// never put into the URL. The request carries an [`OperationName`] extension.
///
/// ```
/// use roistat_core::{ApiKey, Config, prepare};
/// use roistat_core::endpoints::GetOrderInfo;
/// use roistat_core::types::{OrderId, ProjectId};
///
/// let config = Config::new(ProjectId::new(12345), ApiKey::new("secret")?);
/// let request = prepare(&config, &GetOrderInfo::new(OrderId::new("order_12345")?)?)?;
/// assert_eq!(request.method(), "GET");
/// assert_eq!(
///     request.uri(),
///     "https://cloud.roistat.com/api/v1/project/orders/order_12345/info?project=12345"
/// );
/// assert!(request.headers()["api-key"].is_sensitive());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn prepare<E: Endpoint + ?Sized>(
    config: &Config,
    endpoint: &E,
) -> Result<Request<Vec<u8>>, Error> {
    let mut url = String::with_capacity(config.base_url().len() + 64);
    url.push_str(config.base_url());
    let _ = write!(
        url,
        "{}?project={}",
        endpoint.path(),
        config.project().get()
    );
    for (key, value) in endpoint.query() {
        let _ = write!(url, "&{}={}", encode_query(key), encode_query(&value));
    }
    let uri: Uri = url
        .parse()
        .map_err(|e| Error::config(format!("cannot build a URI for {}: {e}", endpoint.name())))?;

    let mut api_key = HeaderValue::from_str(config.api_key().expose_secret())
        .map_err(|_| Error::config("the API key cannot be an HTTP header value"))?;
    api_key.set_sensitive(true);
    let user_agent = HeaderValue::from_str(config.user_agent())
        .map_err(|_| Error::config("the user agent cannot be an HTTP header value"))?;
    let json = HeaderValue::from_static("application/json");

    let body = endpoint.body()?.unwrap_or_default();
    let mut request = Request::new(body);
    *request.method_mut() = endpoint.method();
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(API_KEY_HEADER, api_key);
    headers.insert(CONTENT_TYPE, json.clone());
    headers.insert(ACCEPT, json);
    headers.insert(USER_AGENT, user_agent);
    if config.use_http_code() {
        headers.insert(USE_HTTP_CODE_HEADER, HeaderValue::from_static("1"));
    }
    request
        .extensions_mut()
        .insert(OperationName(endpoint.name()));
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn params_stay_one_segment() {
        let p = |v: &str| Path::new("x").param(v).literal("info").to_string();
        assert_eq!(p("../delete?x"), "/x/..%2Fdelete%3Fx/info");
        assert_eq!(p(".."), "/x/%2E%2E/info");
        assert_eq!(p("."), "/x/%2E/info");
        assert_eq!(p("a#b%20c"), "/x/a%23b%2520c/info");
        assert_eq!(p("заказ 1"), "/x/%D0%B7%D0%B0%D0%BA%D0%B0%D0%B7%201/info");
        assert_eq!(p("order_1-2.3~"), "/x/order_1-2.3~/info");
        assert_eq!(p("..."), "/x/%2E%2E%2E/info");
        assert_eq!(p("a..b"), "/x/a..b/info");
    }

    proptest! {
        #[test]
        fn any_param_is_exactly_one_segment(value in any::<String>()) {
            let rendered = Path::new("a/b").param(value.clone()).literal("c").to_string();
            let parts: Vec<&str> = rendered.split('/').collect();
            prop_assert_eq!(parts.len(), 5);
            prop_assert_eq!(parts[4], "c");
            let seg = parts[3];
            prop_assert!(seg != "." && seg != "..");
            prop_assert!(seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
            let decoded = percent_encoding::percent_decode_str(seg).decode_utf8().unwrap();
            prop_assert_eq!(decoded.as_ref(), value.as_str());
            // It is a valid URI path.
            let uri = format!("https://h{rendered}?project=1");
            prop_assert!(uri.parse::<Uri>().is_ok());
        }
    }
}
