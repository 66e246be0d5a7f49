#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! An environment proxy never sees a plain-http call (issue 12, item 1): the `Api-key`
//! header would cross it in clear text.
//!
//! Proxy variables are process-global, and setting them needs `unsafe` (forbidden in this
//! workspace), so the one test runs itself again as a child process with `HTTP_PROXY`,
//! `http_proxy`, `ALL_PROXY` and `all_proxy` pointing at a fake proxy (a `TcpListener`
//! that counts connections). The child builds both clients and calls the mock over
//! `http://127.0.0.1`; the parent checks that the mock got both calls and the proxy none.

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use roistat_mock::MockServer;

/// Set only in the child: the mock's base URL, project and key, tab-separated.
const CHILD: &str = "ROISTAT_ENV_PROXY_CHILD";

#[test]
fn environment_proxies_are_not_used_for_http_base_urls() {
    if let Ok(target) = std::env::var(CHILD) {
        return child(&target);
    }
    let server = MockServer::builder().start().unwrap();
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    proxy.set_nonblocking(true).unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicUsize::new(0));
    let counter = {
        let (seen, stop) = (Arc::clone(&seen), Arc::clone(&stop));
        // Counts (and drops) every connection until the child is done.
        std::thread::spawn(move || {
            while stop.load(Ordering::SeqCst) == 0 {
                match proxy.accept() {
                    Ok(_) => {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        })
    };

    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "environment_proxies_are_not_used_for_http_base_urls",
            "--nocapture",
        ])
        .env(
            CHILD,
            format!(
                "{}\t{}\t{}",
                server.base_url(),
                server.project(),
                server.api_key()
            ),
        )
        .env("HTTP_PROXY", &proxy_url)
        .env("http_proxy", &proxy_url)
        .env("ALL_PROXY", &proxy_url)
        .env("all_proxy", &proxy_url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    stop.store(1, Ordering::SeqCst);
    counter.join().unwrap();
    assert!(
        output.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        0,
        "a client connected to the environment proxy"
    );
    let calls = server
        .requests()
        .all()
        .iter()
        .filter(|r| r.path.ends_with("/status/list"))
        .count();
    assert_eq!(calls, 2, "one call per client reached the server directly");
}

/// In the child: both clients call the server once each; a proxy answer is a failure.
fn child(target: &str) {
    let mut parts = target.split('\t');
    let (url, project, key) = (
        parts.next().unwrap(),
        parts.next().unwrap().parse::<u64>().unwrap(),
        parts.next().unwrap(),
    );
    let blocking = roistat_blocking::Client::builder()
        .project(project)
        .api_key(key)
        .base_url(url)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .max_attempts(1)
        .build()
        .unwrap();
    blocking.list_statuses().unwrap();
    let asynchronous = roistat_async::Client::builder()
        .project(project)
        .api_key(key)
        .base_url(url)
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .max_attempts(1)
        .build()
        .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(asynchronous.list_statuses())
        .unwrap();
}
