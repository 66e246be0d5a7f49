//! Every fixture, mutated, through every decoder: no panic, and every failure is a typed
//! [`Error`] a caller can act on (an API error, a decode error with its path, or an
//! unexpected response), never anything else.
//!
//! The order list isolates odd rows: a mutation inside a row no longer fails the page,
//! so for that decoder the check is "never silent": every row that does not decode as
//! typed is flagged with issues whose raw JSON is found in the input at their path, every
//! row without issues decodes as typed, and strict mode fails exactly when a row is
//! flagged, at that row's path.
//!
//! Mutations work on the JSON tree where the fixture is JSON (flip a value's type, put
//! `null` or `[]` in its place, write a number as a string, put in a huge or out-of-range
//! number literal, drop a key) and on the bytes (truncate, overwrite or insert random
//! bytes). A deterministic sweep applies each mutation kind to each fixture; proptest then
//! stacks random mutations (256 cases per test).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::OnceLock;

use http::{HeaderMap, HeaderValue, StatusCode};
use proptest::prelude::*;
use roistat_core::decode::SNIPPET_LEN;
use roistat_core::endpoints::ListOrders;
use roistat_core::types::{
    AddOrdersReport, ApiErrorBody, CustomFieldNames, ExternalUrl, Order, OrderInfo, OrderList,
    StatusList, Success,
};
use roistat_core::{DecodeOptions, Error, RequestState, decode_body, decode_with};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `(name, bytes)` of every file under `fixtures/reference` and `fixtures/variants`.
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static ALL: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut out = Vec::new();
        for dir in ["reference", "variants"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let name = format!("{dir}/{}", path.file_name().unwrap().to_str().unwrap());
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
        out.sort();
        assert!(out.len() >= 40, "only {} fixtures found", out.len());
        out
    })
}

/// A typed failure: what the decoder may return for a body it cannot use.
fn check_error(e: &Error, body: &[u8], what: &str) {
    match e {
        Error::Api(api) => {
            assert!(!api.code.as_str().is_empty(), "{what}: empty error code");
        }
        Error::Decode { path, snippet, .. } => {
            assert!(!path.is_empty(), "{what}: decode error without a path");
            assert_snippet(snippet, body, what);
        }
        Error::UnexpectedResponse { snippet, .. } => assert_snippet(snippet, body, what),
        other => panic!("{what}: a decoder returned a non-decoding error: {other:?}"),
    }
    assert_eq!(e.request_state(), RequestState::Answered, "{what}");
    assert!(!e.to_string().is_empty(), "{what}");
}

fn assert_snippet(snippet: &str, body: &[u8], what: &str) {
    // At most SNIPPET_LEN bytes of the body, plus the ellipsis; lossy UTF-8 may widen a
    // byte into U+FFFD (3 bytes).
    assert!(
        snippet.len() <= SNIPPET_LEN * 3 + 3,
        "{what}: snippet of {} bytes",
        snippet.len()
    );
    if body.len() <= SNIPPET_LEN {
        assert_eq!(snippet, String::from_utf8_lossy(body), "{what}");
    }
}

/// Decodes as `T`; answers whether it failed (with a typed error).
fn one<T: DeserializeOwned>(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
) -> bool {
    match decode_body::<T>(status, headers, body) {
        Ok(_) => false,
        Err(e) => {
            check_error(&e, body, what);
            true
        }
    }
}

/// The order list, lenient and strict; answers the page, or `None` when it failed. A
/// page that decodes must account for every row it flags (see the module docs).
fn order_list(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
) -> Option<OrderList> {
    let list = ListOrders::all();
    let strict = decode_with(&list, status, headers, body, &DecodeOptions::strict());
    let page = match decode_with(&list, status, headers, body, &DecodeOptions::default()) {
        Ok(page) => page,
        Err(e) => {
            check_error(&e, body, what);
            assert!(
                strict.is_err(),
                "{what}: strict decoded what lenient refused"
            );
            return None;
        }
    };
    check_rows(&page, body, what);
    let first = page.partial_rows().next();
    match (&strict, first) {
        (Ok(_), None) => {}
        (Err(Error::Decode { path, .. }), Some((i, _))) => {
            assert!(path.starts_with(&format!("data[{i}]")), "{what}: {path}");
            check_error(strict.as_ref().unwrap_err(), body, what);
        }
        (strict, first) => panic!("{what}: strict {strict:?} with partial row {first:?}"),
    }
    Some(page)
}

/// Every row flagged iff its typed decode fails; every issue's raw value is in the input.
fn check_rows(page: &OrderList, body: &[u8], what: &str) {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        data: Option<Vec<Box<serde_json::value::RawValue>>>,
    }
    let json = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let rows = serde_json::from_slice::<Raw>(json)
        .ok()
        .and_then(|r| r.data)
        .unwrap_or_default();
    assert_eq!(rows.len(), page.data.len(), "{what}: rows lost");
    for (i, (raw, order)) in rows.iter().zip(&page.data).enumerate() {
        let text = raw.get();
        let typed = text.starts_with('{') && serde_json::from_str::<Order>(text).is_ok();
        assert_eq!(typed, !order.is_partial(), "{what}: row {i} {order:?}");
        let Ok(row) = serde_json::from_str::<Value>(text) else {
            if typed {
                // The number no f64 holds is under a key the model ignores: no issue.
                continue;
            }
            // A number literal no f64 holds: the whole row's text is the issue.
            assert_eq!(order.decode_issues.len(), 1, "{what}");
            assert_eq!(order.decode_issues[0].path, "", "{what}");
            assert_eq!(order.decode_issues[0].raw, Value::from(text), "{what}");
            continue;
        };
        for issue in &order.decode_issues {
            assert!(!issue.message.is_empty(), "{what}");
            let found = issue
                .path
                .split('.')
                .filter(|k| !k.is_empty())
                .try_fold(&row, |v, k| v.get(k));
            // A required id that is absent is reported as null.
            let expected = found.unwrap_or(&Value::Null);
            assert_eq!(&issue.raw, expected, "{what}: row {i} issue {issue:?}");
        }
    }
}

/// Every response decoder of the SDK, plus the bare error envelope; answers how many of
/// the 14 decodes failed.
fn every_decoder(body: &[u8], what: &str) -> usize {
    let mut headers = HeaderMap::new();
    let mut failed = 0;
    for status in [StatusCode::OK, StatusCode::INTERNAL_SERVER_ERROR] {
        failed += [
            order_list(status, &headers, body, what).is_none(),
            one::<AddOrdersReport>(status, &headers, body, what),
            one::<OrderInfo>(status, &headers, body, what),
            one::<ExternalUrl>(status, &headers, body, what),
            one::<StatusList>(status, &headers, body, what),
            one::<CustomFieldNames>(status, &headers, body, what),
            one::<Success>(status, &headers, body, what),
        ]
        .iter()
        .filter(|f| **f)
        .count();
        // A rate-limit answer with a (garbled) Retry-After header.
        headers.insert("retry-after", HeaderValue::from_bytes(b"x\xff9").unwrap());
    }
    let _ = serde_json::from_slice::<ApiErrorBody>(body);
    failed
}

/// The mutation kinds.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Truncate,
    FlipType,
    Null,
    EmptyArray,
    NumberAsString,
    HugeNumber,
    DropKey,
    RandomBytes,
    InsertBytes,
}

const KINDS: [Kind; 9] = [
    Kind::Truncate,
    Kind::FlipType,
    Kind::Null,
    Kind::EmptyArray,
    Kind::NumberAsString,
    Kind::HugeNumber,
    Kind::DropKey,
    Kind::RandomBytes,
    Kind::InsertBytes,
];

/// Number literals no `f64`/`u64` field can hold exactly, written in place of a marker.
const HUGE: [&str; 5] = [
    "18446744073709551616",
    "-99999999999999999999999999999999",
    "1e400",
    "1.7976931348623157e308",
    "123456789012345678901234567890.5",
];
const MARKER: &str = "\u{1}huge\u{1}";

/// How many nodes (values) the tree has.
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// Applies `f` to node number `n` (pre-order); answers whether it was found.
fn visit(v: &mut Value, n: &mut usize, f: &mut Option<impl FnOnce(&mut Value)>) -> bool {
    if *n == 0 {
        if let Some(f) = f.take() {
            f(v);
        }
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|c| visit(c, n, f)),
        Value::Object(o) => o.values_mut().any(|c| visit(c, n, f)),
        _ => false,
    }
}

fn with_node(v: &mut Value, index: usize, f: impl FnOnce(&mut Value)) {
    let mut n = index % count(v);
    visit(v, &mut n, &mut Some(f));
}

fn flip(v: &Value) -> Value {
    match v {
        Value::Null => Value::from(0),
        Value::Bool(b) => Value::from(if *b { "true" } else { "false" }),
        Value::Number(n) => Value::from(n.to_string()),
        Value::String(s) => match s.parse::<f64>() {
            Ok(f) if f.is_finite() => {
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
            _ => Value::Bool(s.is_empty()),
        },
        Value::Array(a) => Value::Object(
            a.iter()
                .enumerate()
                .map(|(i, x)| (i.to_string(), x.clone()))
                .collect(),
        ),
        Value::Object(o) => Value::Array(o.values().cloned().collect()),
    }
}

/// Applies one mutation; `r` picks where and what.
fn mutate(bytes: &[u8], kind: Kind, r: u64) -> Vec<u8> {
    let mut rng = fastrand_like(r);
    let at = |len: usize, x: u64| {
        if len == 0 {
            0
        } else {
            (x % len as u64) as usize
        }
    };
    match kind {
        Kind::Truncate => bytes[..at(bytes.len() + 1, rng())].to_vec(),
        Kind::RandomBytes => {
            let mut out = bytes.to_vec();
            for _ in 0..1 + rng() % 4 {
                if !out.is_empty() {
                    let i = at(out.len(), rng());
                    out[i] = rng() as u8;
                }
            }
            out
        }
        Kind::InsertBytes => {
            let mut out = bytes.to_vec();
            let i = at(out.len() + 1, rng());
            let junk: &[&[u8]] = &[
                b"\0",
                b"\xff\xfe",
                b"\"",
                b",",
                b"]}",
                b"{[",
                b"\\u00",
                b"\xEF\xBB\xBF",
            ];
            out.splice(i..i, junk[at(junk.len(), rng())].iter().copied());
            out
        }
        _ => {
            let Ok(mut v) = serde_json::from_slice::<Value>(bytes) else {
                // Not JSON (the HTML and empty fixtures): mutate the bytes instead.
                return mutate(bytes, Kind::RandomBytes, r);
            };
            let index = rng() as usize;
            let mut huge = None;
            with_node(&mut v, index, |node| match kind {
                Kind::FlipType => *node = flip(node),
                Kind::Null => *node = Value::Null,
                Kind::EmptyArray => *node = Value::Array(Vec::new()),
                Kind::NumberAsString => {
                    *node = match &*node {
                        Value::Number(n) => Value::from(n.to_string()),
                        Value::String(s) => Value::from(format!("{}", s.len())),
                        other => Value::from(other.to_string()),
                    }
                }
                Kind::HugeNumber => {
                    huge = Some(HUGE[(rng() % HUGE.len() as u64) as usize]);
                    *node = Value::from(MARKER);
                }
                Kind::DropKey => {
                    if let Value::Object(o) = node
                        && let Some(k) = o.keys().nth(at(o.len(), rng())).cloned()
                    {
                        o.remove(&k);
                    }
                }
                _ => unreachable!(),
            });
            let text = serde_json::to_string(&v).unwrap();
            match huge {
                Some(lit) => text.replace(&serde_json::to_string(MARKER).unwrap(), lit),
                None => text,
            }
            .into_bytes()
        }
    }
}

/// A tiny deterministic generator (splitmix64), so a failing case repeats from its seed.
fn fastrand_like(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Decodes an unmutated fixture as the model its name says (`<operation>.<...>.json`),
/// or as what a non-Roistat body must be; panics with the fixture's name otherwise.
fn decodes_as_named(name: &str, body: &[u8]) {
    fn model<T: DeserializeOwned>(name: &str, body: &[u8]) {
        if let Err(e) = decode_body::<T>(StatusCode::OK, &HeaderMap::new(), body) {
            panic!(
                "{name} does not decode as {}: {e:?}",
                std::any::type_name::<T>()
            );
        }
    }
    let file = name.rsplit('/').next().unwrap_or(name);
    let operation = file.split('.').next().unwrap_or(file);
    match operation {
        _ if file.ends_with(".request.json") => {} // Requests are not answers.
        "order-list" => model::<OrderList>(name, body),
        "add-orders" => model::<AddOrdersReport>(name, body),
        "order-info" => model::<OrderInfo>(name, body),
        "order-external-url" => model::<ExternalUrl>(name, body),
        "status-list" => model::<StatusList>(name, body),
        "order-custom-fields" => model::<CustomFieldNames>(name, body),
        "set-statuses" | "order-status-update" | "order-delete" => model::<Success>(name, body),
        // `error-CODE.json`: Roistat's envelope with exactly that code, whatever the
        // expected model and HTTP status.
        _ if operation.starts_with("error-") => {
            let code = operation.trim_start_matches("error-");
            for status in [StatusCode::OK, StatusCode::INTERNAL_SERVER_ERROR] {
                match decode_body::<OrderList>(status, &HeaderMap::new(), body) {
                    Err(Error::Api(api)) => assert_eq!(api.code.as_str(), code, "{name}"),
                    other => panic!("{name} is not the `{code}` envelope: {other:?}"),
                }
            }
        }
        // The bodies that are not Roistat's (a proxy page, nothing at all).
        "empty" | "proxy-502" => {
            let status = if operation == "empty" {
                StatusCode::OK
            } else {
                StatusCode::BAD_GATEWAY
            };
            let result = decode_body::<Success>(status, &HeaderMap::new(), body);
            assert!(
                matches!(result, Err(Error::UnexpectedResponse { .. })),
                "{name}: {result:?}"
            );
        }
        other => panic!("{name}: no model for `{other}`; name fixtures <operation>.<...>.json"),
    }
}

#[test]
fn the_unmutated_fixtures_pass_the_same_checks() {
    let mut answers = 0;
    for (name, body) in fixtures() {
        every_decoder(body, name);
        decodes_as_named(name, body);
        if !name.ends_with(".request.json") {
            answers += 1;
        }
    }
    assert!(answers >= 40, "only {answers} answers checked");
}

#[test]
fn every_mutation_kind_on_every_fixture() {
    let (mut cases, mut decodes, mut failures) = (0, 0, 0);
    for (name, body) in fixtures() {
        for kind in KINDS {
            for r in 0..8u64 {
                let mutated = mutate(body, kind, r);
                failures += every_decoder(&mutated, &format!("{name} {kind:?} #{r}"));
                decodes += 14;
                cases += 1;
            }
        }
    }
    assert!(cases >= fixtures().len() * KINDS.len() * 8);
    // The sweep exercises both sides: most decodes fail (a body of another operation, or
    // broken), and some mutated bodies still decode (leniency).
    assert!(failures > decodes / 2, "{failures} of {decodes} failed");
    assert!(failures < decodes, "nothing decoded");
}

#[test]
fn huge_numbers_are_decode_errors_or_values_never_panics() {
    // Sanity of the mutation itself: a huge literal really lands in the text.
    let body = br#"{"data":[],"total":1,"status":"success"}"#;
    let mutated = String::from_utf8(mutate(body, Kind::HugeNumber, 3)).unwrap();
    assert!(HUGE.iter().any(|h| mutated.contains(h)), "{mutated}");
    for lit in HUGE {
        let b = format!(r#"{{"data":[],"total":{lit},"status":"success"}}"#);
        match decode_body::<OrderList>(StatusCode::OK, &HeaderMap::new(), b.as_bytes()) {
            Ok(list) => assert!(list.data.is_empty()),
            Err(e) => check_error(&e, b.as_bytes(), lit),
        }
    }
}

#[test]
fn a_mutation_inside_a_row_never_fails_its_page() {
    let mut rows_mutated = 0;
    let mut flagged = 0;
    for (name, body) in fixtures() {
        if !name.contains("order-list.") || !name.ends_with(".response.json") {
            continue;
        }
        let doc: Value = serde_json::from_slice(body).unwrap();
        let Some(rows) = doc["data"].as_array() else {
            continue;
        };
        // The first and the last row: the rows of one fixture differ little otherwise.
        let mut picked = vec![0, rows.len().saturating_sub(1)];
        picked.dedup();
        for (i, row) in rows.iter().enumerate().filter(|(i, _)| picked.contains(i)) {
            for node in 0..count(row) {
                for kind in [
                    Kind::FlipType,
                    Kind::Null,
                    Kind::EmptyArray,
                    Kind::NumberAsString,
                    Kind::DropKey,
                ] {
                    let mut mutated = doc.clone();
                    with_node(&mut mutated["data"][i], node, |v| {
                        let one = serde_json::to_vec(&*v).unwrap();
                        *v = serde_json::from_slice(&mutate(&one, kind, node as u64)).unwrap();
                    });
                    let bytes = serde_json::to_vec(&mutated).unwrap();
                    let what = format!("{name} row {i} node {node} {kind:?}");
                    let page = order_list(StatusCode::OK, &HeaderMap::new(), &bytes, &what)
                        .unwrap_or_else(|| panic!("{what}: the page failed"));
                    assert_eq!(page.data.len(), rows.len(), "{what}");
                    rows_mutated += 1;
                    flagged += usize::from(page.data[i].is_partial());
                }
            }
        }
    }
    // Both sides are exercised: many mutations are flagged, many are absorbed by leniency.
    assert!(rows_mutated > 500, "{rows_mutated}");
    assert!(flagged > rows_mutated / 10, "{flagged} of {rows_mutated}");
    assert!(flagged < rows_mutated, "{flagged} of {rows_mutated}");
}

fn kind() -> impl Strategy<Value = Kind> {
    (0..KINDS.len()).prop_map(|i| KINDS[i])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Up to five stacked mutations of one fixture.
    #[test]
    fn stacked_mutations_never_panic(
        fixture in any::<prop::sample::Index>(),
        steps in prop::collection::vec((kind(), any::<u64>()), 1..6),
    ) {
        let (name, body) = fixture.get(fixtures());
        let mut bytes = body.clone();
        for (kind, r) in &steps {
            bytes = mutate(&bytes, *kind, *r);
        }
        every_decoder(&bytes, &format!("{name} {steps:?}"));
    }

    /// Arbitrary bytes after a valid JSON prefix (the decoder's fast path is entered).
    #[test]
    fn random_tails_never_panic(
        fixture in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        tail in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let (name, body) = fixture.get(fixtures());
        let mut bytes = body[..cut.index(body.len() + 1)].to_vec();
        bytes.extend_from_slice(&tail);
        every_decoder(&bytes, name);
    }
}
