//! What the lenient models cost: one order-list page (100 orders with visits, from the
//! fake server's generator) decoded three ways:
//!
//! - `roistat_types`: `serde_json::from_slice::<roistat_types::OrderList>` (lenient);
//! - `strict_struct`: plain `#[derive(Deserialize)]` structs of the same shape, with no
//!   leniency at all (the floor any typed decoder can reach);
//! - `value`: `serde_json::Value` (what an untyped client would do).
//!
//! `cargo bench -p roistat-types --bench decode` runs it under criterion. With
//! `ROISTAT_BENCH_FIGURES=1` (what `cargo xtask bench` sets) it instead times the three in
//! interleaved rounds, so a noisy neighbour slows all three alike, and prints the figures
//! `decode_vs_struct` and `decode_vs_value` (throughput ratios, median over the rounds).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};

/// Strict structs of the same shape as `roistat_types::OrderList` with visits (fields are
/// only read by the decoder).
#[allow(dead_code)]
mod strict {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer};
    use time::OffsetDateTime;
    use time::format_description::BorrowedFormatItem;
    use time::macros::format_description;

    const FORMAT: &[BorrowedFormatItem<'_>] = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );

    fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
        let s: Option<&str> = Option::deserialize(d)?;
        s.map(|s| OffsetDateTime::parse(s, FORMAT).map_err(serde::de::Error::custom))
            .transpose()
    }

    #[derive(Deserialize)]
    pub struct OrderList {
        pub data: Vec<Order>,
        pub total: u64,
    }

    #[derive(Deserialize)]
    pub struct Order {
        pub id: String,
        pub url: Option<String>,
        pub source_type: Option<String>,
        #[serde(deserialize_with = "date")]
        pub creation_date: Option<OffsetDateTime>,
        #[serde(deserialize_with = "date")]
        pub update_date: Option<OffsetDateTime>,
        pub revenue: Option<f64>,
        pub cost: Option<f64>,
        pub client_id: Option<String>,
        pub visit_id: Option<String>,
        pub custom_fields: BTreeMap<String, serde_json::Value>,
        pub status: Option<Status>,
        pub visit: Option<Visit>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "lowercase")]
    pub enum StatusType {
        Unused,
        Progress,
        Paid,
        Canceled,
    }

    #[derive(Deserialize)]
    pub struct Status {
        pub id: String,
        pub name: String,
        #[serde(rename = "type")]
        pub r#type: StatusType,
    }

    #[derive(Deserialize)]
    pub struct Visit {
        pub id: Option<String>,
        pub first_id: Option<String>,
        #[serde(deserialize_with = "date")]
        pub date: Option<OffsetDateTime>,
        pub referrer: Option<String>,
        pub landing_page: Option<String>,
        pub host: Option<String>,
        pub agent: Option<String>,
        pub ip: Option<String>,
        pub google_client_id: Option<String>,
        pub metrika_client_id: Option<String>,
        pub source: Option<Source>,
        pub geo: Option<Geo>,
        pub device: Option<Device>,
    }

    #[derive(Deserialize)]
    pub struct Source {
        pub referrer: Option<String>,
        pub system_name: Option<String>,
        pub display_name: Option<String>,
        pub icon_url: Option<String>,
        pub utm_source: Option<String>,
        pub utm_medium: Option<String>,
        pub utm_campaign: Option<String>,
        pub utm_term: Option<String>,
        pub utm_content: Option<String>,
        pub openstat: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Geo {
        pub country: Option<String>,
        pub region: Option<String>,
        pub city: Option<String>,
        pub icon_url: Option<String>,
        pub country_iso: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct Device {
        pub os: Option<String>,
        pub os_icon: Option<String>,
        pub agent: Option<String>,
        pub agent_icon: Option<String>,
    }
}

fn page() -> Vec<u8> {
    let orders = roistat_mock::generate::orders(7, 100);
    roistat_mock::generate::order_list_json(&orders, 100_000, true)
}

fn lenient(body: &[u8]) -> usize {
    serde_json::from_slice::<roistat_types::OrderList>(body)
        .unwrap()
        .data
        .len()
}

fn strict(body: &[u8]) -> usize {
    serde_json::from_slice::<strict::OrderList>(body)
        .unwrap()
        .data
        .len()
}

fn value(body: &[u8]) -> usize {
    serde_json::from_slice::<serde_json::Value>(body).unwrap()["data"]
        .as_array()
        .unwrap()
        .len()
}

type Decoder = fn(&[u8]) -> usize;

const VARIANTS: [(&str, Decoder); 3] = [
    ("roistat_types", lenient),
    ("strict_struct", strict),
    ("value", value),
];

fn criterion(c: &mut Criterion, body: &[u8]) {
    let mut group = c.benchmark_group("decode_order_page");
    group.throughput(Throughput::Bytes(body.len() as u64));
    for (name, f) in VARIANTS {
        group.bench_function(name, |b| b.iter(|| f(black_box(body))));
    }
    group.finish();
}

/// Seconds per call of each variant, in rounds: each round times every variant for about
/// `slice`, in an order that rotates from round to round.
fn interleaved(body: &[u8], rounds: usize, slice: Duration) -> Vec<[f64; 3]> {
    // Calibrate: calls per slice for each variant.
    let iters: Vec<u32> = VARIANTS
        .iter()
        .map(|(_, f)| {
            let t = Instant::now();
            let mut n = 0u32;
            while t.elapsed() < slice {
                black_box(f(black_box(body)));
                n += 1;
            }
            n.max(1)
        })
        .collect();
    (0..rounds)
        .map(|r| {
            let mut per_call = [0.0; 3];
            for k in 0..3 {
                let i = (r + k) % 3;
                let f = VARIANTS[i].1;
                let t = Instant::now();
                for _ in 0..iters[i] {
                    black_box(f(black_box(body)));
                }
                per_call[i] = t.elapsed().as_secs_f64() / f64::from(iters[i]);
            }
            per_call
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn figures(body: &[u8]) {
    assert_eq!(lenient(body), 100);
    assert_eq!(strict(body), 100);
    assert_eq!(value(body), 100);
    let rounds = interleaved(body, 41, Duration::from_millis(60));
    // Throughput ratio = the other's time per page / ours, round by round.
    let vs_struct = median(rounds.iter().map(|r| r[1] / r[0]).collect());
    let vs_value = median(rounds.iter().map(|r| r[2] / r[0]).collect());
    let mib_s = |i: usize| {
        body.len() as f64 / median(rounds.iter().map(|r| r[i]).collect()) / (1 << 20) as f64
    };
    println!(
        "FIGURE decode_vs_struct {vs_struct:.3} roistat-types {:.0} MiB/s, strict structs {:.0} MiB/s ({} bytes/page, median of {} interleaved rounds)",
        mib_s(0),
        mib_s(1),
        body.len(),
        rounds.len()
    );
    println!(
        "FIGURE decode_vs_value {vs_value:.3} roistat-types {:.0} MiB/s, serde_json::Value {:.0} MiB/s",
        mib_s(0),
        mib_s(2)
    );
}

fn main() {
    let body = page();
    if std::env::var_os("ROISTAT_BENCH_FIGURES").is_some() {
        figures(&body);
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    criterion(&mut c, &body);
    c.final_summary();
}
