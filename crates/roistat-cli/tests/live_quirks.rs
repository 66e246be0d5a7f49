//! Live data through the CLI: an export from a server in quirks mode delivers every
//! row and names the odd ones (issue 10), `--strict` stops at the first, and an import
//! whose orders Roistat did not save says so in words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{KEY, MockServer, arg, run_on, temp_file};
use serde_json::Value;

/// A MySQL zero date: a value no date model reads (PHP backends send it for "unset").
const ZERO_DATE: &str = "0000-00-00 00:00:00";

/// 5,000 generated rows with the live quirks, about 3 in 1,000 with a status outside
/// the dictionary, and three rows whose `creation_date` cannot be read. Returns the
/// server and the ids of those three.
fn quirks_server() -> (MockServer, Vec<String>) {
    let s = MockServer::builder()
        .api_key(KEY)
        .project(4242)
        .orders(5000)
        .seed(10)
        .quirks(true)
        .odd_status_rate(0.003)
        .start()
        .unwrap();
    let ids = s.store().order_ids();
    let broken: Vec<String> = [17, 2500, 4990].iter().map(|&i| ids[i].clone()).collect();
    for id in &broken {
        let mut stored = s.store().stored_order(id).unwrap();
        stored
            .wire_overrides
            .insert("creation_date".into(), Value::from(ZERO_DATE));
        s.store().insert_order(stored); // replaced in place: same list position
    }
    assert_eq!(s.store().order_ids(), ids, "the list order is unchanged");
    (s, broken)
}

#[test]
fn export_from_a_quirks_server_delivers_every_row_and_names_the_odd_ones() {
    let (s, broken) = quirks_server();
    // The odd statuses as the mock stores them: missing or null `type` (no group) or
    // `archived` (outside the four).
    let odd_status: BTreeMap<String, Value> = s
        .store()
        .orders()
        .into_iter()
        .filter_map(|o| {
            let st = o.status?;
            if st.r#type.is_known() {
                return None;
            }
            let wire = match st.r#type.as_str() {
                "" => Value::Null,
                other => Value::from(other),
            };
            Some((o.id.into_inner(), wire))
        })
        .collect();
    assert!(
        odd_status.len() >= 5,
        "the seed gives a few odd statuses: {odd_status:?}"
    );
    assert!(odd_status.values().any(Value::is_null));
    assert!(odd_status.values().any(|v| v == "archived"));

    let r = run_on(&s, &["orders", "list", "--all", "--format", "ndjson"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<String> = rows
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    let mut want = s.store().order_ids();
    assert_eq!(got.len(), want.len(), "every row, none twice");
    let mut sorted = got.clone();
    sorted.sort();
    want.sort();
    assert_eq!(sorted, want, "exactly the store's ids");

    let mut seen_odd_status = 0;
    let mut partial = BTreeSet::new();
    for row in &rows {
        let id = row["id"].as_str().unwrap();
        if let Some(wire) = odd_status.get(id) {
            // Delivered as a normal row: the status keeps its id, without a group.
            assert_eq!(&row["status"]["type"], wire, "{row}");
            assert!(row.get("decode_issues").is_none(), "{row}");
            seen_odd_status += 1;
        }
        if let Some(issues) = row.get("decode_issues") {
            assert_eq!(issues[0]["path"], "creation_date", "{row}");
            assert_eq!(issues[0]["raw"], ZERO_DATE, "the raw value is kept: {row}");
            assert!(row["creation_date"].is_null(), "{row}");
            partial.insert(id.to_owned());
        }
    }
    assert_eq!(seen_odd_status, odd_status.len());
    assert_eq!(partial, broken.iter().cloned().collect());

    let total = thousands(want.len());
    assert!(
        r.stderr.contains(&format!(
            "note: 3 of {total} orders could only be read in part"
        )),
        "{}",
        r.stderr
    );
    for id in &broken {
        assert!(
            r.stderr.contains(&format!("  order {id}: creation_date: ")),
            "{id} named: {}",
            r.stderr
        );
    }

    // Strict: the same export stops at the first odd row, naming its path.
    let r = run_on(
        &s,
        &["--strict", "orders", "list", "--all", "--format", "ndjson"],
    );
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(r.stderr.contains(".creation_date"), "{}", r.stderr);
    assert!(r.stderr.contains("data["), "{}", r.stderr);
}

#[test]
fn one_page_in_csv_shows_what_could_be_read_and_names_the_odd_row() {
    let (s, broken) = quirks_server();
    let r = run_on(&s, &["orders", "list", "--limit", "100", "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 101, "header and 100 rows");
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("{},", broken[0])))
        .expect("the odd row is in the table");
    assert!(!line.contains(ZERO_DATE), "{line}");
    assert!(
        r.stderr
            .starts_with("note: 1 of 100 orders could only be read in part"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("--format json keeps them"),
        "{}",
        r.stderr
    );
}

const UNKNOWN_STATUSES: &str = r#"[
  {"id": "N-1", "name": "First", "status": "deal_C49:NOT_THERE", "price": "100"},
  {"id": "N-2", "name": "Second", "status": "lead_77", "price": "200"}
]"#;

#[test]
fn import_of_orders_with_unknown_statuses_says_they_were_not_saved() {
    let s = MockServer::builder()
        .api_key(KEY)
        .project(4242)
        .orders(0)
        .skip_unknown_statuses(true)
        .start()
        .unwrap();
    let file = temp_file("unknown-statuses.json", UNKNOWN_STATUSES);
    let r = run_on(&s, &["orders", "import", arg(&file), "--format", "json"]);
    assert_eq!(r.code, 0, "every batch was answered: {}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["complete"], true);
    assert_eq!(doc["skipped"], 2);
    assert_eq!(doc["total"]["skipped_by_status"], 2);
    assert_eq!(doc["total"]["saved"], 0);
    assert!(
        r.stderr
            .contains("warning: Roistat did not save 2 orders of the 2 sent:\n"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("  2: status id not in the status dictionary"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("roistat statuses upsert"), "{}", r.stderr);
    assert!(s.store().order("N-1").is_none(), "the mock saved nothing");

    for (format, total) in [("ndjson", None), ("table", Some("not saved 2"))] {
        let r = run_on(&s, &["orders", "import", arg(&file), "--format", format]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let last = r.stdout.lines().last().unwrap();
        match total {
            Some(text) => assert!(last.contains(text), "{last}"),
            None => {
                let v: Value = serde_json::from_str(last).unwrap();
                assert_eq!(
                    (v["skipped"].clone(), v["complete"].clone()),
                    (2.into(), true.into())
                );
            }
        }
        assert!(r.stderr.contains("did not save 2 orders"), "{}", r.stderr);
    }

    // Doing what the note says (add the statuses) makes the same import save both,
    // and the note goes away.
    for (id, name) in [("deal_C49:NOT_THERE", "Not there"), ("lead_77", "Lead")] {
        let r = run_on(&s, &["statuses", "upsert", id, name, "progress"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = run_on(&s, &["orders", "import", arg(&file), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (doc["skipped"].clone(), doc["total"]["saved"].clone()),
        (0.into(), 2.into())
    );
    assert!(!r.stderr.contains("did not save"), "{}", r.stderr);
}

/// `5003` as `5,003`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn summary_counts_the_odd_rows_and_names_them() {
    let (s, broken) = quirks_server();
    let r = run_on(&s, &["orders", "summary", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["total"]["orders"], 5003, "the odd rows are counted too");
    assert!(
        r.stderr.contains(
            "note: 3 of 5,003 orders could only be read in part; they are counted with \
             what could be read"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(&format!("  order {}: creation_date: ", broken[0]))
    );
    let r = run_on(&s, &["--strict", "orders", "summary", "--format", "json"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
}
