//! Host resolution for ureq without a thread and a DNS query per request.
//!
//! ureq resolves the host before it looks in its connection pool, so every request,
//! even on a pooled keep-alive connection, resolves again; and when a timeout covers
//! resolution, its default resolver spawns a thread to enforce it. On a page-by-page
//! export that is one thread and one DNS query per page (measured: 10% of the
//! throughput against a local server). This resolver answers IP literals directly and
//! keeps a hostname's addresses for [`TTL`].

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::Uri;
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a hostname's addresses are reused: short enough to follow a DNS change
/// within a minute, long enough that an export resolves once per minute, not per page.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// The resolver the client uses: the system's, behind the cache.
pub(crate) type CachingResolver = Caching<DefaultResolver>;

/// Caches what `R` (ureq's system resolver in the client; a counting one in tests)
/// answers for a hostname.
#[derive(Debug, Default)]
pub(crate) struct Caching<R> {
    inner: R,
    cache: Mutex<HashMap<String, (ResolvedSocketAddrs, Instant)>>,
}

impl<R: Resolver> Resolver for Caching<R> {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.resolve_at(uri, config, timeout, Instant::now())
    }
}

impl<R: Resolver> Caching<R> {
    /// A cache in front of `inner`.
    #[cfg(test)]
    fn new(inner: R) -> Self {
        Self {
            inner,
            cache: Mutex::default(),
        }
    }

    /// [`Resolver::resolve`] with the clock passed in, so tests can step past [`TTL`].
    fn resolve_at(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
        now: Instant,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let port = uri.port_u16().or_else(|| match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let host = uri
            .host()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'));
        // An IP literal needs no lookup (and no thread to time one out).
        if let (Some(ip), Some(port)) = (host.and_then(|h| h.parse::<IpAddr>().ok()), port) {
            let mut out = self.empty();
            out.push(SocketAddr::new(ip, port));
            return Ok(out);
        }
        let key = format!("{}:{}", host.unwrap_or_default(), port.unwrap_or_default());
        if let Some((addrs, at)) = self.cache().get(&key)
            && now.saturating_duration_since(*at) < TTL
        {
            return Ok(addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        self.cache().insert(key, (addrs.clone(), now));
        Ok(addrs)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, (ResolvedSocketAddrs, Instant)>> {
        // The map is always consistent between statements: a poisoned lock is usable.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Answers every lookup with one address whose port says how many lookups came
    /// before, and counts them: a cached answer keeps the port of the lookup it came from.
    #[derive(Debug, Default)]
    struct Counting {
        calls: AtomicUsize,
    }

    impl Resolver for Counting {
        fn resolve(
            &self,
            uri: &Uri,
            _config: &Config,
            _timeout: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            assert!(
                uri.host().is_some_and(|h| h.parse::<IpAddr>().is_err()),
                "only hostnames reach the inner resolver: {uri}"
            );
            let mut out = self.empty();
            out.push(SocketAddr::from(([10, 0, 0, 1], 1000 + n as u16)));
            Ok(out)
        }
    }

    impl Caching<Counting> {
        fn calls(&self) -> usize {
            self.inner.calls.load(Ordering::SeqCst)
        }
    }

    fn timeout() -> NextTimeout {
        NextTimeout {
            after: Duration::from_secs(1).into(),
            reason: ureq::Timeout::Resolve,
            ..NextTimeout::default()
        }
    }

    fn resolve_at<R: Resolver>(r: &Caching<R>, uri: &str, now: Instant) -> Vec<SocketAddr> {
        let uri: Uri = uri.parse().unwrap();
        let config = ureq::Agent::config_builder().build();
        r.resolve_at(&uri, &config, timeout(), now)
            .unwrap()
            .to_vec()
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        let r = Caching::new(Counting::default());
        let t0 = Instant::now();
        assert_eq!(
            resolve_at(&r, "http://127.0.0.1:8080/api", t0),
            ["127.0.0.1:8080".parse().unwrap()]
        );
        assert_eq!(
            resolve_at(&r, "https://[::1]/api", t0),
            ["[::1]:443".parse().unwrap()]
        );
        assert_eq!(r.calls(), 0, "no lookup for a literal");
        assert!(r.cache().is_empty(), "literals are not cached");
    }

    #[test]
    fn hostnames_are_cached() {
        let r = Caching::new(Counting::default());
        let t0 = Instant::now();
        let first = resolve_at(&r, "http://api.example:9/x", t0);
        assert_eq!(first, ["10.0.0.1:1000".parse().unwrap()]);
        assert_eq!(r.calls(), 1);
        // Same host and port, another path, just before the TTL: from the cache.
        let almost = t0 + TTL - Duration::from_millis(1);
        assert_eq!(resolve_at(&r, "http://api.example:9/y", almost), first);
        assert_eq!(r.calls(), 1, "the second lookup was served from the cache");
        // Another port is another entry.
        resolve_at(&r, "http://api.example:10/x", t0);
        assert_eq!(r.calls(), 2);
        assert_eq!(r.cache().len(), 2);
    }

    #[test]
    fn cached_addresses_expire_after_the_ttl() {
        let r = Caching::new(Counting::default());
        let t0 = Instant::now();
        resolve_at(&r, "https://api.example/x", t0);
        let again = resolve_at(&r, "https://api.example/x", t0 + TTL);
        assert_eq!(r.calls(), 2, "looked up again once the TTL passed");
        assert_eq!(
            again,
            ["10.0.0.1:1001".parse().unwrap()],
            "the fresh answer"
        );
        // And the fresh answer is what is cached now.
        assert_eq!(
            resolve_at(
                &r,
                "https://api.example/z",
                t0 + TTL + Duration::from_secs(1)
            ),
            again
        );
        assert_eq!(r.calls(), 2);
    }

    #[test]
    fn the_system_resolver_behind_the_cache_works() {
        let r = CachingResolver::default();
        let addrs = resolve_at(&r, "http://localhost:9/x", Instant::now());
        assert!(!addrs.is_empty());
        assert!(
            addrs.iter().all(|a| a.port() == 9 && a.ip().is_loopback()),
            "{addrs:?}"
        );
    }
}
