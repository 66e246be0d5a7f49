//! What the async client costs on top of reqwest: one order-list page (100 orders with
//! visits) from the fake server on 127.0.0.1, fetched
//!
//! - `sdk`: `Client::list_orders(..).await`;
//! - `raw_reqwest`: the same request with a bare `reqwest::Client` and
//!   `serde_json::from_slice::<OrderList>`.
//!
//! Both run on one current-thread tokio runtime and keep their connection alive.
//! `cargo bench -p roistat-async --bench overhead` runs it under criterion; with
//! `ROISTAT_BENCH_FIGURES=1` (what `cargo xtask bench` sets) the two run in interleaved
//! rounds and the figure `async_overhead` (SDK requests per second divided by raw
//! reqwest's, median over the rounds) is printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use roistat_async::Client;
use roistat_async::ScheduleConfig;
use roistat_async::types::{ListOrdersRequest, OrderList};
use roistat_mock::MockServer;
use tokio::runtime::Runtime;

const BODY: &str = r#"{"extend":["visit"],"limit":100,"offset":0}"#;

struct Setup {
    _server: MockServer,
    rt: Runtime,
    client: Client,
    request: ListOrdersRequest,
    raw: reqwest::Client,
    url: String,
    key: String,
}

impl Setup {
    fn new() -> Self {
        let server = MockServer::builder().orders(1000).seed(1).start().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (client, raw) = rt.block_on(async {
            let client = Client::builder()
                .project(server.project())
                .api_key(server.api_key())
                .base_url(server.base_url())
                .rate_limits(ScheduleConfig::disabled())
                .build()
                .unwrap();
            (client, reqwest::Client::new())
        });
        let url = format!(
            "{}/project/integration/order/list?project={}",
            server.base_url(),
            server.project()
        );
        let key = server.api_key().to_owned();
        let setup = Self {
            _server: server,
            rt,
            client,
            request: ListOrdersRequest::new().with_visits().limit(100).offset(0),
            raw,
            url,
            key,
        };
        assert_eq!(setup.sdk(1), 100);
        assert_eq!(setup.raw(1), 100);
        setup
    }

    /// `n` requests through the SDK.
    fn sdk(&self, n: u32) -> usize {
        self.rt.block_on(async {
            let mut total = 0;
            for _ in 0..n {
                total += self
                    .client
                    .list_orders(self.request.clone())
                    .await
                    .unwrap()
                    .data
                    .len();
            }
            total
        })
    }

    /// `n` requests with bare reqwest.
    fn raw(&self, n: u32) -> usize {
        self.rt.block_on(async {
            let mut total = 0;
            for _ in 0..n {
                let bytes = self
                    .raw
                    .post(&self.url)
                    .header("Api-key", &self.key)
                    .header("Content-Type", "application/json")
                    .body(BODY)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                total += serde_json::from_slice::<OrderList>(&bytes)
                    .unwrap()
                    .data
                    .len();
            }
            total
        })
    }
}

fn criterion(c: &mut Criterion, s: &Setup) {
    let mut group = c.benchmark_group("async_order_page");
    group.bench_function("sdk", |b| b.iter(|| black_box(s.sdk(1))));
    group.bench_function("raw_reqwest", |b| b.iter(|| black_box(s.raw(1))));
    group.finish();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn figures(s: &Setup) {
    let slice = Duration::from_millis(100);
    let calls = |f: &dyn Fn(u32) -> usize| {
        let t = Instant::now();
        let mut n = 0u32;
        while t.elapsed() < slice {
            black_box(f(1));
            n += 1;
        }
        n.max(1)
    };
    let n = calls(&|k| s.sdk(k)).min(calls(&|k| s.raw(k)));
    let time = |f: &dyn Fn(u32) -> usize| {
        let t = Instant::now();
        black_box(f(n));
        t.elapsed().as_secs_f64() / f64::from(n)
    };
    let mut ratios = Vec::new();
    let (mut t_sdk, mut t_raw) = (0.0, 0.0);
    for round in 0..41 {
        let (sdk, raw) = if round % 2 == 0 {
            let a = time(&|k| s.sdk(k));
            (a, time(&|k| s.raw(k)))
        } else {
            let b = time(&|k| s.raw(k));
            (time(&|k| s.sdk(k)), b)
        };
        ratios.push(raw / sdk);
        t_sdk += sdk;
        t_raw += raw;
    }
    let rounds = ratios.len() as f64;
    println!(
        "FIGURE async_overhead {:.3} sdk {:.0} req/s, raw reqwest {:.0} req/s (100-order pages with visits, median of {} interleaved rounds of {n} requests)",
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
