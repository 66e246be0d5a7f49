//! `roistat statuses list|set|upsert` and `roistat fields list`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{arg, run_on, server, temp_file};
use serde_json::Value;

#[test]
fn statuses_and_fields_in_every_format() {
    let s = server(0);
    for format in ["table", "json", "ndjson", "csv"] {
        let st = run_on(&s, &["statuses", "list", "--format", format]);
        assert_eq!(st.code, 0, "{}", st.stderr);
        insta::assert_snapshot!(format!("statuses_{format}"), st.transcript());
        let f = run_on(&s, &["fields", "list", "--format", format]);
        insta::assert_snapshot!(format!("fields_{format}"), f.transcript());
    }
}

#[test]
fn set_replaces_the_whole_dictionary_only_with_yes() {
    let s = server(0);
    let file = temp_file(
        "statuses.csv",
        "id,name,type\ndeal_WON,Won,paid\nnew_1,Fresh,progress\nlost,Lost,canceled\n",
    );
    let refused = run_on(&s, &["statuses", "set", arg(&file)]);
    insta::assert_snapshot!("statuses_set_refused", refused.transcript());
    assert!(s.requests().matching("set-statuses").is_empty());

    let done = run_on(
        &s,
        &["statuses", "set", arg(&file), "--yes", "--format", "table"],
    );
    insta::assert_snapshot!("statuses_set_done", done.transcript());
    let now = run_on(&s, &["statuses", "list", "--format", "json"]);
    let list: Vec<Value> = serde_json::from_str(&now.stdout).unwrap();
    let ids: Vec<&str> = list.iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["deal_WON", "new_1", "lost"]);

    let bad = temp_file(
        "bad.json",
        r#"[{"id":"a","name":"A","type":"weird"},{"id":"a","name":"B","type":"paid"}]"#,
    );
    let r = run_on(&s, &["statuses", "set", arg(&bad), "--yes"]);
    assert_eq!(r.code, 2);
    insta::assert_snapshot!(
        "statuses_set_invalid",
        r.transcript().replace(arg(&bad), "bad.json")
    );
}

#[test]
fn upsert_keeps_the_other_statuses() {
    let s = server(0);
    let r = run_on(
        &s,
        &[
            "statuses",
            "upsert",
            "deal_NEW",
            "Brand new",
            "progress",
            "--format",
            "table",
        ],
    );
    insta::assert_snapshot!("statuses_upsert", r.transcript());
    let r = run_on(
        &s,
        &[
            "statuses", "upsert", "x_1", "Extra", "paid", "--format", "json",
        ],
    );
    insta::assert_snapshot!("statuses_upsert_json", r.transcript());
    let now = run_on(&s, &["statuses", "list", "--format", "json"]);
    let list: Vec<Value> = serde_json::from_str(&now.stdout).unwrap();
    assert_eq!(list.len(), 15);
    assert!(
        list.iter()
            .any(|x| x["id"] == "deal_NEW" && x["name"] == "Brand new")
    );
    let bad = run_on(&s, &["statuses", "upsert", "y", "Y", "weird"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("invalid status type"), "{}", bad.stderr);
}
