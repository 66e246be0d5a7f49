//! Deterministic realistic orders: the same seed always gives the same orders.
//!
//! Orders spread over 2024, in several statuses of each type, with custom fields of
//! mixed types (text, integers, null), most with a visit carrying source markers and
//! UTM tags. Used by the server (`MockServerBuilder::orders`), and by benchmarks to
//! build order-list pages without a server ([`order_list_json`]).
//!
//! ```
//! let orders = roistat_mock::generate::orders(7, 100);
//! assert_eq!(orders.len(), 100);
//! assert_eq!(orders, roistat_mock::generate::orders(7, 100));
//! let page = roistat_mock::generate::order_list_json(&orders, 1000, true);
//! let v: serde_json::Value = serde_json::from_slice(&page)?;
//! assert_eq!(v["data"].as_array().map(Vec::len), Some(100));
//! assert_eq!(v["total"], 1000);
//! # Ok::<(), serde_json::Error>(())
//! ```

use roistat_types::{
    ClientId, CustomFields, Device, Geo, Order, OrderId, Status, StatusId, StatusType, Visit,
    VisitId, VisitSource,
};
use serde_json::{Map, Value, json};
use time::{OffsetDateTime, UtcOffset};

use crate::store::{StoredOrder, groupless_status};

/// The first generated order id; ids count up from here.
pub const FIRST_ID: u64 = 200_001;

/// Two `unused`-type statuses the generator uses besides the documented 14 (which
/// have none of that type). A server with generated orders adds them to its dictionary.
pub fn extra_statuses() -> Vec<Status> {
    vec![
        Status::new(
            StatusId::new_unchecked("unsorted"),
            "Unsorted (Leads)",
            StatusType::Unused,
        ),
        Status::new(
            StatusId::new_unchecked("spam"),
            "Spam call",
            StatusType::Unused,
        ),
    ]
}

/// Every status generated orders may have: the documented 14 plus [`extra_statuses`].
pub fn statuses() -> Vec<Status> {
    let mut all = crate::seed::statuses();
    all.extend(extra_statuses());
    all
}

const MANAGERS: &[&str] = &[
    "John Doe",
    "Jack Smith",
    "Anna Müller",
    "Иван Петров",
    "Maria Rossi",
];
const CITIES: &[&str] = &["Berlin", "Moscow", "Paris", "Madrid", "Kazan", "Warsaw"];
const SOURCE_TYPES: &[&str] = &["standard", "phone", "proxyform", "lead_hunter"];

/// (system_name, display_name, utm_source, utm_medium, referrer, icon)
const CHANNELS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "google_adwords",
        "Google Ads",
        "google",
        "cpc",
        "https://www.google.com/",
        "https://cloud.roistat.com/img/adwords.png",
    ),
    (
        "seo_google",
        "SEO: Google",
        "",
        "organic",
        "https://www.google.com/",
        "https://cloud.roistat.com/img/MagnifyingGlass.png",
    ),
    (
        "yandex_direct",
        "Yandex.Direct",
        "yandex",
        "cpc",
        "https://yandex.ru/",
        "https://cloud.roistat.com/img/direct.png",
    ),
    (
        "vk4",
        "VK",
        "vk",
        "cpc",
        "https://vk.com/",
        "https://favicon.yandex.net/favicon/vk.com",
    ),
    (
        "facebook",
        "Facebook",
        "facebook",
        "social",
        "http://fb.com",
        "https://cloud.roistat.com/img/facebook.png",
    ),
    (
        "direct",
        "Direct visits",
        "",
        "",
        "",
        "https://cloud.roistat.com/img/direct_visit.png",
    ),
];
const CAMPAIGNS: &[&str] = &[
    "lights_summer",
    "kitchen_sale",
    "decor_set",
    "brand",
    "retargeting",
];
const HOSTS: &[&str] = &["cozy.home.ru", "cozy.kitchen.ru", "shop.example.com"];
const PAGES: &[&str] = &[
    "catalog/lights",
    "catalog/techniques",
    "catalog/decor",
    "",
    "sale",
];
const OSES: &[(&str, &str)] = &[
    ("Windows 10", "win10"),
    ("Windows 8.1", "win81"),
    ("macOS", "mac"),
    ("Android", "android"),
    ("iOS", "ios"),
];
const BROWSERS: &[(&str, &str)] = &[
    ("Chrome", "chrome"),
    ("Firefox", "firefox"),
    ("Safari", "safari"),
    ("Yandex Browser", "yandex"),
];
/// (country, ISO code, flag icon, cities)
type Country = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);
const COUNTRIES: &[Country] = &[
    ("Germany", "DE", "de", &["Berlin", "Hamburg", "Munich"]),
    (
        "Russia",
        "RU",
        "ru",
        &["Moscow", "Kazan", "Saint Petersburg"],
    ),
    ("France", "FR", "fr", &["Paris", "Lyon"]),
    ("Spain", "ES", "es", &["Madrid", "Barcelona"]),
];

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        items.get(rng.usize(..items.len()))
    }
}

fn pick_str(rng: &mut fastrand::Rng, items: &[&str]) -> String {
    pick(rng, items).copied().unwrap_or_default().to_string()
}

fn opt(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

/// `n` orders from `seed`, with ids `200001`, `200002`, ...
pub fn orders(seed: u64, n: usize) -> Vec<Order> {
    orders_from(seed, FIRST_ID, n)
}

/// `n` orders from `seed`, with ids `first_id`, `first_id + 1`, ...
pub fn orders_from(seed: u64, first_id: u64, n: usize) -> Vec<Order> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let all = statuses();
    let by_type = |t: StatusType| {
        all.iter()
            .filter(|s| s.r#type == t)
            .cloned()
            .collect::<Vec<_>>()
    };
    let groups = [
        (45u32, by_type(StatusType::Progress)),
        (30, by_type(StatusType::Paid)),
        (20, by_type(StatusType::Canceled)),
        (5, by_type(StatusType::Unused)),
    ];
    // 2024-01-01T00:00:00Z, spread over a year.
    let start: i64 = 1_704_067_200;
    let span: i64 = 365 * 24 * 3600;
    (0..n)
        .map(|i| {
            let id = first_id + i as u64;
            let mut order = Order::new(OrderId::new_unchecked(id.to_string()));
            let created = start + rng.i64(0..span);
            order.creation_date = OffsetDateTime::from_unix_timestamp(created).ok();
            order.update_date = if rng.u8(..10) == 0 {
                None
            } else {
                OffsetDateTime::from_unix_timestamp(created + rng.i64(0..30 * 24 * 3600)).ok()
            };
            order.url = Some(format!("https://crm.example.com/deals/{id}"));
            order.source_type = Some(pick_str(&mut rng, SOURCE_TYPES));

            let roll = rng.u32(..100);
            let mut acc = 0;
            let status = groups
                .iter()
                .find(|(w, _)| {
                    acc += w;
                    roll < acc
                })
                .and_then(|(_, list)| pick(&mut rng, list).cloned());
            let paid = status
                .as_ref()
                .is_some_and(|s| s.r#type == StatusType::Paid);

            order.revenue = match rng.u8(..20) {
                0 => None,
                _ if paid => Some(if rng.bool() {
                    (rng.u32(5..500) * 100) as f64
                } else {
                    rng.u32(50_000..5_000_000) as f64 / 100.0
                }),
                1..=8 => Some(0.0),
                _ => Some((rng.u32(5..300) * 100) as f64),
            };
            order.cost = match order.revenue {
                None => None,
                Some(_) if rng.u8(..4) == 0 => Some(0.0),
                Some(r) => Some((r * 0.6 * 100.0).round() / 100.0),
            };
            order.client_id = if rng.u8(..20) == 0 {
                None
            } else {
                Some(ClientId::new_unchecked(rng.u32(10_000..99_999).to_string()))
            };

            let visit_id = rng.u32(4_000_000..9_000_000);
            let visit = if rng.u8(..10) == 0 {
                None
            } else {
                Some(visit(&mut rng, visit_id, created))
            };
            order.visit_id = visit
                .as_ref()
                .map(|_| VisitId::new_unchecked(visit_id.to_string()));

            let mut fields = CustomFields::new();
            fields.insert(
                "Manager",
                if rng.u8(..8) == 0 {
                    Value::Null
                } else {
                    Value::from(pick_str(&mut rng, MANAGERS))
                },
            );
            fields.insert(
                "City",
                if rng.u8(..4) == 0 {
                    Value::Null
                } else {
                    Value::from(pick_str(&mut rng, CITIES))
                },
            );
            fields.insert(
                "Cashier",
                if rng.bool() {
                    Value::Null
                } else {
                    Value::from(rng.u32(1..40))
                },
            );
            if order.visit_id.is_some() {
                fields.insert("roistat", Value::from(visit_id));
            }
            if let Some(s) = &status {
                fields.insert("status_name", Value::from(s.name.clone()));
            }
            order.custom_fields = fields;
            order.status = status;
            order.visit = visit;
            order
        })
        .collect()
}

fn visit(rng: &mut fastrand::Rng, id: u32, order_created: i64) -> Visit {
    let channel =
        pick(rng, CHANNELS)
            .copied()
            .unwrap_or(("direct", "Direct visits", "", "", "", ""));
    let (system_name, display_name, utm_source, utm_medium, referrer, icon) = channel;
    let campaign = if utm_source.is_empty() {
        String::new()
    } else {
        pick_str(rng, CAMPAIGNS)
    };
    let host = pick_str(rng, HOSTS);
    let page = pick_str(rng, PAGES);
    let landing = if campaign.is_empty() {
        format!("http://{host}/{page}")
    } else {
        format!(
            "http://{host}/{page}?utm_source={utm_source}&utm_medium={utm_medium}&utm_campaign={campaign}"
        )
    };
    let (os, os_key) = pick(rng, OSES).copied().unwrap_or(("Windows 10", "win10"));
    let (browser, browser_key) = pick(rng, BROWSERS).copied().unwrap_or(("Chrome", "chrome"));
    let (country, iso, flag, cities) =
        pick(rng, COUNTRIES)
            .copied()
            .unwrap_or(("Germany", "DE", "de", &["Berlin"]));
    let first = if rng.u8(..3) == 0 {
        id.saturating_sub(rng.u32(1..50_000))
    } else {
        id
    };

    let mut source = VisitSource::default();
    source.referrer = opt(referrer.to_string());
    source.system_name = Some(system_name.to_string());
    source.display_name = Some(display_name.to_string());
    source.icon_url = Some(icon.to_string());
    source.utm_source = opt(utm_source.to_string());
    source.utm_medium = opt(utm_medium.to_string());
    source.utm_campaign = opt(campaign);
    source.utm_term = if rng.bool() {
        None
    } else {
        Some(format!("term {}", rng.u8(1..50)))
    };
    source.utm_content = None;
    source.openstat = None;

    let mut geo = Geo::default();
    geo.country = Some(country.to_string());
    geo.region = Some(pick_str(rng, cities));
    geo.city = geo.region.clone();
    geo.icon_url = Some(format!("https://cloud.roistat.com/img/country/{flag}.png"));
    geo.country_iso = Some(iso.to_string());

    let mut device = Device::default();
    device.os = Some(os.to_string());
    device.os_icon = Some(format!("https://cloud.roistat.com/img/os/{os_key}.png"));
    device.agent = Some(browser.to_string());
    device.agent_icon = Some(format!(
        "https://cloud.roistat.com/img/browsers/{browser_key}.png"
    ));

    let mut v = Visit::default();
    v.id = Some(id.to_string());
    v.first_id = Some(first.to_string());
    v.date = OffsetDateTime::from_unix_timestamp(order_created - rng.i64(60..7 * 24 * 3600)).ok();
    v.referrer = opt(referrer.to_string());
    v.landing_page = Some(landing);
    v.host = Some(host);
    v.agent = Some(format!(
        "Mozilla/5.0 ({os}) {browser}/{}.0",
        rng.u8(60..130)
    ));
    v.ip = Some(format!("203.0.113.{}", rng.u8(1..255)));
    v.google_client_id = if rng.bool() {
        Some(format!("{}.{}", rng.u32(..), order_created))
    } else {
        None
    };
    v.metrika_client_id = if rng.bool() {
        Some(format!("{order_created}{}", rng.u32(100_000..999_999)))
    } else {
        None
    };
    v.source = Some(source);
    v.geo = Some(geo);
    v.device = Some(device);
    v
}

/// An order-list response body (`{"data":[...],"total":N,"status":"success"}`) for
/// these orders, byte for byte as the server writes it. Without `with_visits` every
/// `visit` is `null`, as without `extend: ["visit"]`.
pub fn order_list_json(orders: &[Order], total: u64, with_visits: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(orders.len() * 1024 + 64);
    out.extend_from_slice(b"{\"data\":[");
    for (i, o) in orders.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if with_visits || o.visit.is_none() {
            let _ = serde_json::to_writer(&mut out, o);
        } else {
            let mut plain = o.clone();
            plain.visit = None;
            let _ = serde_json::to_writer(&mut out, &plain);
        }
    }
    write_list_tail(&mut out, total);
    out
}

pub(crate) fn write_list_tail(out: &mut Vec<u8>, total: u64) {
    write_list_tail_as(out, total, false);
}

/// The end of an order-list body; `total_as_string` writes `"total":"N"` (live quirk).
pub(crate) fn write_list_tail_as(out: &mut Vec<u8>, total: u64, total_as_string: bool) {
    out.extend_from_slice(b"],\"total\":");
    if total_as_string {
        out.push(b'"');
    }
    out.extend_from_slice(total.to_string().as_bytes());
    if total_as_string {
        out.push(b'"');
    }
    out.extend_from_slice(b",\"status\":\"success\"}");
}

/// Status ids of live projects that are not in any dictionary the mock serves: leads
/// and deals share one stream.
pub const ODD_STATUS_IDS: &[&str] = &[
    "deal_C49:UC_8JTBV2",
    "deal_C49:WON",
    "lead_4",
    "deal_C12:LOSE",
    "142",
];

/// `n` orders from `seed` as live projects send them, with ids from [`FIRST_ID`] (see
/// [`live_orders_from`]).
pub fn live_orders(seed: u64, n: usize, odd_status_rate: f64) -> Vec<StoredOrder> {
    live_orders_from(seed, FIRST_ID, n, odd_status_rate)
}

/// The orders of [`orders_from`] with the live API's quirks, seeded:
///
/// - about one in ten is a lead: id `lead_<n>` instead of `<n>`;
/// - about a third carry integer `id`, `client_id`, `visit_id` (and `status.id` when
///   numeric); about a third carry `revenue` and `cost` as strings; custom-field
///   numbers are strings;
/// - every row has the extra keys `page`, `profit`, `roistat`, `is_multichannel`,
///   `products`, `order_id_alias`;
/// - about half carry a custom-field date with a colon offset (`Delivery date`:
///   `2026-08-31T03:00:00+03:00`, Moscow time);
/// - a share `odd_status_rate` (0..=1) has a status whose id is in
///   [`ODD_STATUS_IDS`] (never in the dictionary) and whose `type` is missing, `null`
///   or outside the four groups (`archived`), in turn.
///
/// The typed [`StoredOrder::order`] holds the values; [`StoredOrder::wire_overrides`]
/// holds what the typed model cannot say. An odd status is typed with the group
/// `StatusType::Other("")` (missing or null) or `StatusType::Other("archived")`.
pub fn live_orders_from(
    seed: u64,
    first_id: u64,
    n: usize,
    odd_status_rate: f64,
) -> Vec<StoredOrder> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x9e37_79b9_7f4a_7c15);
    let moscow = UtcOffset::from_hms(3, 0, 0).unwrap_or(UtcOffset::UTC);
    let mut odd_count: u64 = 0;
    orders_from(seed, first_id, n)
        .into_iter()
        .enumerate()
        .map(|(i, mut o)| {
            let mut wire = Map::new();
            if rng.u8(..10) == 0 {
                o.id = OrderId::new_unchecked(format!("lead_{}", o.id));
            }
            if rng.f64() < odd_status_rate {
                let id = pick(&mut rng, ODD_STATUS_IDS).copied().unwrap_or("lead_4");
                let name = format!("CRM status {id}");
                let status = match odd_count % 3 {
                    0 => {
                        let mut s = groupless_status(id);
                        s.name = name.clone();
                        s
                    }
                    1 => {
                        let mut s = groupless_status(id);
                        s.name = name.clone();
                        wire.insert(
                            "status".into(),
                            json!({"id": id, "type": null, "name": name}),
                        );
                        s
                    }
                    _ => Status::new(
                        StatusId::new_unchecked(id),
                        name.clone(),
                        StatusType::Other("archived".into()),
                    ),
                };
                odd_count += 1;
                o.custom_fields
                    .insert("status_name", Value::from(name.clone()));
                o.status = Some(status);
            }
            if rng.u8(..3) == 0 {
                let int = |s: &str| s.parse::<u64>().ok().map(Value::from);
                if let Some(v) = int(o.id.as_str()) {
                    wire.insert("id".into(), v);
                }
                if let Some(v) = o.client_id.as_ref().and_then(|c| int(c.as_str())) {
                    wire.insert("client_id".into(), v);
                }
                if let Some(v) = o.visit_id.as_ref().and_then(|c| int(c.as_str())) {
                    wire.insert("visit_id".into(), v);
                }
                if let Some(s) = &o.status
                    && let Some(v) = int(s.id.as_str())
                    && !wire.contains_key("status")
                {
                    let mut st = serde_json::to_value(s).unwrap_or(Value::Null);
                    st["id"] = v;
                    if crate::store::is_groupless(s)
                        && let Some(m) = st.as_object_mut()
                    {
                        m.remove("type");
                    }
                    wire.insert("status".into(), st);
                }
            }
            if rng.u8(..3) == 0 {
                for key in ["revenue", "cost"] {
                    let v = if key == "revenue" { o.revenue } else { o.cost };
                    if let Some(x) = v {
                        wire.insert(key.into(), Value::from(number_text(x)));
                    }
                }
            }
            let numbers: Vec<(String, String)> = o
                .custom_fields
                .iter()
                .filter_map(|(k, v)| v.as_number().map(|n| (k.to_string(), n.to_string())))
                .collect();
            for (k, v) in numbers {
                o.custom_fields.insert(k, Value::from(v));
            }
            if rng.bool()
                && let Some(created) = o.creation_date
            {
                let due = (created + time::Duration::days(rng.i64(1..60))).to_offset(moscow);
                o.custom_fields
                    .insert("Delivery date", Value::from(colon_offset(&due)));
            }
            let profit = match (o.revenue, o.cost) {
                (Some(r), Some(c)) => json!(r - c),
                _ => Value::Null,
            };
            wire.insert("page".into(), Value::from(i / 100 + 1));
            wire.insert("profit".into(), profit);
            wire.insert(
                "roistat".into(),
                o.visit_id
                    .as_ref()
                    .map_or(Value::Null, |v| Value::from(v.as_str())),
            );
            wire.insert("is_multichannel".into(), Value::from(rng.u8(..2)));
            wire.insert(
                "products".into(),
                if rng.u8(..4) == 0 {
                    json!([{"name": "Lamp", "price": "1500", "quantity": 1}])
                } else {
                    json!([])
                },
            );
            wire.insert(
                "order_id_alias".into(),
                if rng.u8(..5) == 0 {
                    Value::from(format!("A-{}", o.id))
                } else {
                    Value::Null
                },
            );
            StoredOrder::new(o).with_wire_overrides(wire)
        })
        .collect()
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// `2026-08-31T03:00:00+03:00`: RFC 3339 with a colon in the offset.
fn colon_offset(d: &OffsetDateTime) -> String {
    let off = d.offset();
    let (h, m, _) = off.as_hms();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        if off.is_negative() { '-' } else { '+' },
        h.unsigned_abs(),
        m.unsigned_abs()
    )
}
