//! Over a thousand generated bad requests: random bytes, wrong types, huge values, deep
//! nesting, bad queries and garbage HTTP. Every answer must be an error envelope, the
//! server must stay up, and the store must not change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use roistat_mock::MockServer;
use serde_json::{Value, json};
use support::{Conn, Response};

const POST_PATHS: &[&str] = &[
    "/project/integration/order/list",
    "/project/add-orders",
    "/project/set-statuses",
    "/project/integration/order/123/status/update",
];

fn random_bytes(rng: &mut fastrand::Rng) -> Vec<u8> {
    let len = rng.usize(1..600);
    let mut v: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
    // Make sure it is not accidentally valid JSON of the right kind.
    v.insert(0, b'#');
    v
}

/// A JSON value that is not an integer, not null and not a non-empty string of digits.
fn wrong_scalar(rng: &mut fastrand::Rng) -> Value {
    match rng.u8(..7) {
        0 => json!(true),
        1 => json!(-rng.i64(1..1_000_000)),
        2 => json!(rng.f64() + 0.5),
        3 => json!({"x": [1, 2]}),
        4 => json!([rng.u8(..)]),
        5 => json!("not a number"),
        _ => json!(1e300),
    }
}

fn wrong_text(rng: &mut fastrand::Rng) -> Value {
    match rng.u8(..4) {
        0 => json!(true),
        1 => json!({"a": 1}),
        2 => json!([1, "x"]),
        _ => json!(null),
    }
}

fn deep(kind: u8, depth: usize) -> String {
    match kind {
        0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        1 => {
            let mut s = r#"["id","=","1"]"#.to_string();
            // Filters deeper than the parser's limit (32), still valid JSON.
            for _ in 0..(33 + depth % 100) {
                s = format!(r#"{{"and":[{s},["id","=","1"]]}}"#);
            }
            format!(r#"{{"filters":{s}}}"#)
        }
        _ => format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth)),
    }
}

/// One bad (path, body) pair, deterministic from the generator.
fn bad_request(rng: &mut fastrand::Rng, i: usize) -> (&'static str, String) {
    let list = POST_PATHS[0];
    let add = POST_PATHS[1];
    let set = POST_PATHS[2];
    let upd = POST_PATHS[3];
    let path = POST_PATHS[i % POST_PATHS.len()];
    match i % 12 {
        0 | 1 => (
            path,
            String::from_utf8_lossy(&random_bytes(rng)).into_owned(),
        ),
        2 => (list, json!({"limit": wrong_scalar(rng)}).to_string()),
        3 => (
            list,
            json!({"offset": wrong_scalar(rng), "limit": 5}).to_string(),
        ),
        4 => {
            let filters = match rng.u8(..6) {
                0 => json!(rng.i64(..)),
                1 => json!("creation_date > 2016"),
                2 => json!([["id", "~=", "1"]]),
                3 => json!([["creation_date", ">", format!("2016-13-{}", rng.u8(..))]]),
                4 => json!([["visit.host", "like", "x"]]),
                _ => json!({"nand": [["id", "=", "1"], ["id", "=", "2"]]}),
            };
            (list, json!({"filters": filters}).to_string())
        }
        5 => {
            let extend = match rng.u8(..3) {
                0 => json!("visit"),
                1 => json!([["visit"]]),
                _ => json!({"visit": true}),
            };
            (list, json!({"extend": extend}).to_string())
        }
        6 => {
            let mut o = json!({"id": "x1", "price": "10"});
            match rng.u8(..4) {
                0 => o["id"] = wrong_text(rng),
                1 => o["price"] = json!({"amount": 1}),
                2 => o["fields"] = json!(rng.i64(..)),
                _ => o["date_create"] = json!(format!("tomorrow {}", rng.u32(..))),
            }
            // A valid order first: the batch is refused as a whole.
            (add, json!([{"id": "fine", "price": 1}, o]).to_string())
        }
        7 => {
            let mut s = json!({"id": "s1", "name": "N", "type": "paid"});
            match rng.u8(..3) {
                0 => s["id"] = wrong_text(rng),
                1 => s["type"] = json!(format!("type-{}", rng.u32(..))),
                _ => s["name"] = json!([1]),
            }
            (
                set,
                json!([{"id": "ok", "name": "ok", "type": "progress"}, s]).to_string(),
            )
        }
        8 => (upd, json!({"status_id": wrong_text(rng)}).to_string()),
        9 => match rng.u8(..3) {
            // Huge values.
            0 => (
                list,
                format!(r#"{{"limit": 1{}}}"#, "0".repeat(rng.usize(20..400))),
            ),
            1 => (
                upd,
                json!({"status_id": "x".repeat(rng.usize(10_000..200_000))}).to_string(),
            ),
            _ => (
                add,
                json!([{"id": "big", "price": format!("1{}", "9".repeat(400))}]).to_string(),
            ),
        },
        10 => (list, deep(rng.u8(..3), rng.usize(40..3000))),
        _ => (add, deep(rng.u8(..3), rng.usize(200..20_000))),
    }
}

/// The error code of an error envelope (panics on anything else).
fn assert_error(r: &Response, what: &str) -> String {
    let v: Value = serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", r.text()));
    let short: String = v.to_string().chars().take(300).collect();
    assert_eq!(v["status"], "error", "{what}: {short}");
    assert!(
        v["error"].is_string() && v["description"].is_string(),
        "{what}: {v}"
    );
    v["error"].as_str().unwrap().to_string()
}

const BAD_BODIES: usize = 1100;
const BAD_TARGETS: usize = 200;
const GARBAGE: usize = 60;

#[test]
fn a_thousand_bad_requests_get_error_envelopes_and_change_nothing() {
    let server = MockServer::builder().orders(20).start().unwrap();
    let before = server.store().snapshot();
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut conn = Conn::open(server.addr());
    let mut sent = 0;
    // Error envelopes received, by code.
    let mut codes = std::collections::BTreeMap::<String, usize>::new();
    let mut count = |code: String| *codes.entry(code).or_insert(0) += 1;

    // Bad bodies on a keep-alive connection.
    for i in 0..BAD_BODIES {
        let (path, body) = bad_request(&mut rng, i);
        let target = format!("/api/v1{path}?project=12345");
        let r = conn
            .request(
                "POST",
                &target,
                &[
                    ("Api-key", "demo-key"),
                    ("Content-Type", "application/json"),
                ],
                body.as_bytes(),
            )
            .unwrap_or_else(|e| panic!("request {i} to {path}: {e}"));
        count(assert_error(
            &r,
            &format!("#{i} {path} {}", body.chars().take(120).collect::<String>()),
        ));
        sent += 1;
    }

    // Bad queries and paths.
    for i in 0..BAD_TARGETS {
        let junk: String = (0..rng.usize(1..40))
            .map(|_| format!("%{:02X}", rng.u8(..)))
            .collect();
        let target = match i % 5 {
            0 => format!("/api/v1/project/integration/order/list?project={junk}"),
            1 => format!("/api/v1/project/integration/order/list?project=12345&key={junk}"),
            2 => format!("/api/v1/project/orders/{junk}/info?project=12345"),
            3 => format!("/api/v1/{junk}?project=12345"),
            _ => format!(
                "/api/v1/project/integration/order/list?project=-{}",
                rng.u64(..)
            ),
        };
        let key = if i % 5 == 1 { "" } else { "demo-key" };
        let method = if i % 5 == 2 { "GET" } else { "POST" };
        let r = conn
            .request(method, &target, &[("Api-key", key)], b"{}")
            .unwrap();
        count(assert_error(&r, &target));
        sent += 1;
    }

    // Garbage that is not HTTP at all, each on its own connection.
    for i in 0..GARBAGE {
        let mut c = Conn::open(server.addr());
        let mut bytes = match i % 4 {
            0 => random_bytes(&mut rng),
            1 => format!(
                "POST /api/v1/x HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
                rng.u64(..)
            )
            .into_bytes(),
            2 => b"POST /api/v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
            _ => format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000)).into_bytes(),
        };
        bytes.extend_from_slice(b"\r\n\r\n");
        c.send_raw(&bytes).unwrap();
        let r = c.read().unwrap_or_else(|e| panic!("garbage #{i}: {e}"));
        count(assert_error(&r, &format!("garbage #{i}")));
        sent += 1;
    }

    assert_eq!(sent, BAD_BODIES + BAD_TARGETS + GARBAGE);
    assert_eq!(
        codes.values().sum::<usize>(),
        sent,
        "one envelope each: {codes:?}"
    );
    // Only the codes a bad request deserves.
    for code in codes.keys() {
        assert!(
            [
                "incorrect_request",
                "request_data_validation_error",
                "authentication_failed",
                "access_denied",
                "resource_not_found",
                "internal_error",
            ]
            .contains(&code.as_str()),
            "{codes:?}"
        );
    }
    // Every well-formed HTTP request reached the API and was logged as refused (how
    // much of the garbage the HTTP layer lets through is its own business).
    let log = server.requests().all();
    assert!(
        (BAD_BODIES + BAD_TARGETS..=sent).contains(&log.len()),
        "{} logged",
        log.len()
    );
    assert!(
        log.iter().all(|r| r.status == 200 && r.error.is_some()),
        "a bad request was answered as a success"
    );
    assert_eq!(server.applied(), roistat_mock::Applied::default());
    // Still up and answering, and nothing changed.
    let r = conn
        .request(
            "POST",
            "/api/v1/project/integration/order/list?project=12345",
            &[("Api-key", "demo-key")],
            b"{}",
        )
        .unwrap();
    assert_eq!(r.json()["total"], 23);
    assert_eq!(server.store().snapshot(), before);
}
