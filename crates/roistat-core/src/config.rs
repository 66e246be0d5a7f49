//! Connection settings every request is prepared with: base URL, project, API key.

use std::fmt;
use std::net::IpAddr;

use http::{HeaderValue, Uri};
use roistat_types::ProjectId;

use crate::error::Error;

/// Roistat's production API root.
pub const DEFAULT_BASE_URL: &str = "https://cloud.roistat.com/api/v1";

/// The default `User-Agent`: `roistat-rs/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("roistat-rs/", env!("CARGO_PKG_VERSION"));

/// A Roistat API key. It is a secret: `Debug` and `Display` print `ApiKey(***)`, and the
/// SDK only ever puts it into the `Api-key` header, marked sensitive.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. Refuses an empty key and one that cannot be an HTTP header value
    /// (control characters, non-ASCII); the error never repeats the key.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key = key.into();
        let trimmed = key.trim();
        if trimmed.is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        if HeaderValue::from_str(trimmed).is_err() || !trimmed.is_ascii() {
            return Err(Error::config(
                "the API key contains characters an HTTP header cannot carry",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The key itself, for the one place that needs it (the `Api-key` header).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl std::str::FromStr for ApiKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

/// Validated settings for [`prepare`](crate::prepare). Build one with [`Config::builder`]
/// or [`Config::new`].
///
/// ```
/// use roistat_core::{ApiKey, Config};
/// use roistat_core::types::ProjectId;
///
/// let config = Config::builder(ProjectId::new(12345), ApiKey::new("secret")?)
///     .base_url("http://127.0.0.1:8080/api/v1") // plain HTTP is fine on loopback
///     .use_http_code(true)
///     .build()?;
/// assert_eq!(config.base_url(), "http://127.0.0.1:8080/api/v1");
/// assert!(!format!("{config:?}").contains("secret"));
/// # Ok::<(), roistat_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    base_url: String,
    project: ProjectId,
    api_key: ApiKey,
    user_agent: String,
    use_http_code: bool,
}

impl Config {
    /// The defaults (production URL, default user agent, no `Use-Http-Code`).
    pub fn new(project: ProjectId, api_key: ApiKey) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            project,
            api_key,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            use_http_code: false,
        }
    }

    /// A builder starting from the defaults.
    pub fn builder(project: ProjectId, api_key: ApiKey) -> ConfigBuilder {
        ConfigBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            project,
            api_key,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            use_http_code: false,
            allow_insecure_http: false,
        }
    }

    /// The API root without a trailing slash, e.g. `https://cloud.roistat.com/api/v1`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The project every request is for (`?project=N`).
    pub fn project(&self) -> ProjectId {
        self.project
    }

    /// The API key.
    pub fn api_key(&self) -> &ApiKey {
        &self.api_key
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Whether requests ask Roistat to reflect errors in the HTTP status (`Use-Http-Code: 1`).
    pub fn use_http_code(&self) -> bool {
        self.use_http_code
    }
}

/// Builds a [`Config`]; [`build`](Self::build) validates it.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    base_url: String,
    project: ProjectId,
    api_key: ApiKey,
    user_agent: String,
    use_http_code: bool,
    allow_insecure_http: bool,
}

impl ConfigBuilder {
    /// The API root (default [`DEFAULT_BASE_URL`]). `http://` is only accepted for a
    /// loopback host unless [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The `User-Agent` header (default [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Sends `Use-Http-Code: 1` so error envelopes come with a matching HTTP status.
    pub fn use_http_code(mut self, on: bool) -> Self {
        self.use_http_code = on;
        self
    }

    /// Accepts an `http://` base URL on a non-loopback host. The API key then travels in
    /// clear text: only for trusted networks.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<Config, Error> {
        let base_url = validate_base_url(&self.base_url, self.allow_insecure_http)?;
        if HeaderValue::from_str(&self.user_agent).is_err() {
            return Err(Error::config(
                "the user agent contains characters an HTTP header cannot carry",
            ));
        }
        Ok(Config {
            base_url,
            project: self.project,
            api_key: self.api_key,
            user_agent: self.user_agent,
            use_http_code: self.use_http_code,
        })
    }
}

/// Checks the base URL and returns it without a trailing slash. Messages show the URL
/// through [`redact_url`]: a key pasted into it (`?key=...`, `user:key@`) is not
/// printed back.
fn validate_base_url(url: &str, allow_insecure_http: bool) -> Result<String, Error> {
    let shown = redact_url(url);
    let uri: Uri = url
        .parse()
        .map_err(|e| Error::config(format!("base URL `{shown}` is not a valid URI: {e}")))?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::config(format!("base URL `{shown}` has no host")))?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(Error::config(format!(
            "base URL `{shown}` must not carry a user name or password (`user:password@`); \
             the API key is sent in a header, never in the URL"
        )));
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if allow_insecure_http || is_loopback(host) => {}
        Some("http") => {
            return Err(Error::config(format!(
                "base URL `{shown}` uses plain http on a non-loopback host; the API key would \
                 travel in clear text (use https, or allow_insecure_http(true) on a trusted network)"
            )));
        }
        _ => {
            return Err(Error::config(format!(
                "base URL `{shown}` must start with https:// (or http:// on loopback)"
            )));
        }
    }
    if uri.query().is_some() {
        return Err(Error::config(format!(
            "base URL `{shown}` must not carry a query string"
        )));
    }
    // `http::Uri` drops a fragment silently; appending paths after one would send them
    // nowhere (`.../v1#x/project/...`).
    if url.contains('#') {
        return Err(Error::config(format!(
            "base URL `{shown}` must not carry a fragment (`#...`)"
        )));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// `url` fit to print: user information, query and fragment replaced by `***`, since a
/// key may have been pasted into any of them. Works on text that is not a valid URI too.
///
/// ```
/// use roistat_core::config::redact_url;
///
/// assert_eq!(
///     redact_url("https://me:KEY@x.test/api?key=KEY#KEY"),
///     "https://***@x.test/api?***#***"
/// );
/// assert_eq!(redact_url("https://x.test/api/v1"), "https://x.test/api/v1");
/// ```
pub fn redact_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((head, _)) => (head, Some("***")),
        None => (url, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((head, _)) => (head, Some("***")),
        None => (before_fragment, None),
    };
    let (scheme, rest) = match before_query.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, before_query),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let mut out = String::with_capacity(url.len());
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    match authority.rsplit_once('@') {
        Some((_, host)) => {
            out.push_str("***@");
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    out.push_str(path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// `localhost`, 127.0.0.0/8 and `::1`.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> ConfigBuilder {
        Config::builder(ProjectId::new(1), ApiKey::new("k3y-s3cret").unwrap())
    }

    #[test]
    fn defaults() {
        let c = builder().build().unwrap();
        assert_eq!(c.base_url(), DEFAULT_BASE_URL);
        assert!(c.user_agent().starts_with("roistat-rs/"));
        assert!(!c.use_http_code());
        assert_eq!(c.project(), ProjectId::new(1));
    }

    #[test]
    fn http_only_on_loopback_or_by_opt_in() {
        for ok in [
            "http://127.0.0.1:8080/api/v1",
            "http://127.1.2.3/api",
            "http://localhost:1/",
            "http://LOCALHOST/x",
            "http://[::1]:9000/api/v1",
            "https://example.com/api/v1/",
        ] {
            assert!(builder().base_url(ok).build().is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/api/v1",
            "http://10.0.0.1/api",
            "http://localhost.evil.com/",
            "ftp://127.0.0.1/",
            "/api/v1",
            "not a url",
            "https://example.com/api?key=1",
        ] {
            let e = builder().base_url(bad).build().unwrap_err();
            assert!(matches!(e, Error::Config { .. }), "{bad}: {e}");
        }
        assert!(
            builder()
                .base_url("http://example.com/api/v1")
                .allow_insecure_http(true)
                .build()
                .is_ok()
        );
    }

    #[test]
    fn base_url_errors_never_repeat_a_secret() {
        for (bad, needle) in [
            ("https://example.com/api?key=SECRET", "query string"),
            (
                "https://example.com/api/v1?x=1&key=SECRET#SECRET",
                "query string",
            ),
            (
                "https://user:SECRET@example.com/api",
                "user name or password",
            ),
            ("https://SECRET@example.com/api", "user name or password"),
            ("https://example.com/api#SECRET", "fragment"),
            (
                "http://user:SECRET@example.com/api",
                "user name or password",
            ),
            ("ftp://example.com/?key=SECRET", "https://"),
            ("http://example.com/a?key=SECRET", "plain http"),
            ("https://exa mple.com/?key=SECRET", "not a valid URI"),
            ("https://:SECRET@/x", "not a valid URI"),
        ] {
            let e = builder().base_url(bad).build().unwrap_err();
            let text = format!("{e} {e:?}");
            assert!(matches!(e, Error::Config { .. }), "{bad}: {e}");
            assert!(!text.contains("SECRET"), "{bad}: {text}");
            assert!(text.contains(needle), "{bad}: {text}");
        }
        assert_eq!(
            redact_url("http://a:b@127.0.0.1:9/x?y#z"),
            "http://***@127.0.0.1:9/x?***#***"
        );
        assert_eq!(redact_url("not a url?key=1"), "not a url?***");
    }

    #[test]
    fn trailing_slash_is_removed() {
        let c = builder()
            .base_url("https://x.test/api/v1/")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "https://x.test/api/v1");
    }

    #[test]
    fn api_key_is_never_printed() {
        let key = ApiKey::new("k3y-s3cret").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(format!("{key}"), "ApiKey(***)");
        let c = builder().build().unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(!format!("{:?}", builder()).contains("s3cret"));
        assert_eq!(key.expose_secret(), "k3y-s3cret");
    }

    #[test]
    fn bad_keys_are_refused_without_echo() {
        for bad in ["", "   ", "line\nbreak", "ключ"] {
            let e = ApiKey::new(bad).unwrap_err();
            assert!(matches!(e, Error::Config { .. }));
            if !bad.trim().is_empty() {
                assert!(!e.to_string().contains(bad.trim()));
            }
        }
    }

    #[test]
    fn bad_user_agent_is_refused() {
        assert!(builder().user_agent("a\nb").build().is_err());
    }
}
