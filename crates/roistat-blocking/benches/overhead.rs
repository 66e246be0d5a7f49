//! What the blocking client costs on top of the HTTP library: one order-list page (100
//! orders with visits) from the fake server on 127.0.0.1, fetched
//!
//! - `sdk`: `Client::list_orders` (prepare, rate-limit slot, send, decode, retry logic);
//! - `raw_ureq`: the same request with a bare `ureq::Agent` and
//!   `serde_json::from_slice::<OrderList>`.
//!
//! Both keep their connection alive. `cargo bench -p roistat-blocking --bench overhead`
//! runs it under criterion; with `ROISTAT_BENCH_FIGURES=1` (what `cargo xtask bench`
//! sets) the two run in interleaved rounds and the figure `blocking_overhead` (SDK
//! requests per second divided by raw ureq's, median over the rounds) is printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use roistat_blocking::Client;
use roistat_blocking::ScheduleConfig;
use roistat_blocking::types::{ListOrdersRequest, OrderList};
use roistat_mock::MockServer;

const BODY: &str = r#"{"extend":["visit"],"limit":100,"offset":0}"#;

struct Setup {
    _server: MockServer,
    client: Client,
    request: ListOrdersRequest,
    agent: ureq::Agent,
    /// ureq with a per-request `timeout_global`, as the SDK's transport sets it (for the
    /// diagnosis printed beside the figure).
    agent_global_timeout: ureq::Agent,
    url: String,
    key: String,
}

impl Setup {
    fn new() -> Self {
        let server = MockServer::builder().orders(1000).seed(1).start().unwrap();
        let client = Client::builder()
            .project(server.project())
            .api_key(server.api_key())
            .base_url(server.base_url())
            .rate_limits(ScheduleConfig::disabled())
            .build()
            .unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let agent_global_timeout: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let url = format!(
            "{}/project/integration/order/list?project={}",
            server.base_url(),
            server.project()
        );
        let key = server.api_key().to_owned();
        let setup = Self {
            _server: server,
            client,
            request: ListOrdersRequest::new().with_visits().limit(100).offset(0),
            agent,
            agent_global_timeout,
            url,
            key,
        };
        assert_eq!(setup.sdk(), 100);
        assert_eq!(setup.raw(), 100);
        setup
    }

    fn sdk(&self) -> usize {
        self.client
            .list_orders(self.request.clone())
            .unwrap()
            .data
            .len()
    }

    fn raw(&self) -> usize {
        self.raw_with(&self.agent)
    }

    fn raw_with(&self, agent: &ureq::Agent) -> usize {
        let mut response = agent
            .post(&self.url)
            .header("Api-key", &self.key)
            .content_type("application/json")
            .send(BODY)
            .unwrap();
        let bytes = response.body_mut().read_to_vec().unwrap();
        serde_json::from_slice::<OrderList>(&bytes)
            .unwrap()
            .data
            .len()
    }
}

fn criterion(c: &mut Criterion, s: &Setup) {
    let mut group = c.benchmark_group("blocking_order_page");
    group.bench_function("sdk", |b| b.iter(|| black_box(s.sdk())));
    group.bench_function("raw_ureq", |b| b.iter(|| black_box(s.raw())));
    group.finish();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn figures(s: &Setup) {
    // Warm up both paths, then calibrate the requests per slice.
    let slice = Duration::from_millis(100);
    let calls = |f: &dyn Fn() -> usize| {
        let t = Instant::now();
        let mut n = 0u32;
        while t.elapsed() < slice {
            black_box(f());
            n += 1;
        }
        n.max(1)
    };
    let n = calls(&|| s.sdk()).min(calls(&|| s.raw()));
    let mut ratios = Vec::new();
    let (mut t_sdk, mut t_raw) = (0.0, 0.0);
    for round in 0..41 {
        let time = |f: &dyn Fn() -> usize| {
            let t = Instant::now();
            for _ in 0..n {
                black_box(f());
            }
            t.elapsed().as_secs_f64() / f64::from(n)
        };
        let (sdk, raw) = if round % 2 == 0 {
            let a = time(&|| s.sdk());
            (a, time(&|| s.raw()))
        } else {
            let b = time(&|| s.raw());
            (time(&|| s.sdk()), b)
        };
        // Requests per second of the SDK divided by raw ureq's.
        ratios.push(raw / sdk);
        t_sdk += sdk;
        t_raw += raw;
    }
    let rounds = ratios.len() as f64;
    // Diagnosis: raw ureq again, with and without a global timeout, interleaved.
    let (mut t_plain, mut t_global) = (0.0, 0.0);
    for _ in 0..10 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(s.raw());
        }
        t_plain += t.elapsed().as_secs_f64();
        let t = Instant::now();
        for _ in 0..n {
            black_box(s.raw_with(&s.agent_global_timeout));
        }
        t_global += t.elapsed().as_secs_f64();
    }
    println!(
        "NOTE blocking_overhead: raw ureq with a timeout_global (as the SDK's transport sets) runs at {:.2} of raw ureq without (ureq resolves the host on a new thread per request when a timeout covers resolution)",
        t_plain / t_global
    );
    println!(
        "FIGURE blocking_overhead {:.3} sdk {:.0} req/s, raw ureq {:.0} req/s (100-order pages with visits, median of {} interleaved rounds of {n} requests)",
        median(ratios),
        rounds / t_sdk,
        rounds / t_raw,
        rounds
    );
}

fn main() {
    let setup = Setup::new();
    if std::env::var_os("ROISTAT_BENCH_FIGURES").is_some() {
        figures(&setup);
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    criterion(&mut c, &setup);
    c.final_summary();
}
