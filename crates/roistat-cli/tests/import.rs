//! `roistat orders import`: CSV and JSON, bad rows, batches, resuming.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{arg, roistat, run, run_on, server, temp_file};
use serde_json::Value;

const BAD_CSV: &str = "\
id,name,date_create,status,roistat,price,cost,Manager,Comment
A-1,First deal,2024-01-31 12:30,deal_NEW,12345,1500,700,John Doe,\"says \"\"hi\"\", twice\"
,No id here,2024-02-01 10:00,deal_NEW,,100,,Jane,
A-3,Bad numbers,yesterday,deal_WON,,12abc,,Jane,
A-4,\"Multi
line name\",1393673200,deal_WON,,200.5,,,
A-5,Too few columns
A-6,Last,2024-03-01,deal_LOSE,,0,,Иван Петров,ok
";

#[test]
fn csv_with_bad_rows_reports_every_row_and_sends_nothing() {
    let s = server(0);
    let file = temp_file("bad.csv", BAD_CSV);
    let r = run_on(&s, &["orders", "import", arg(&file)]);
    let text = r.transcript().replace(arg(&file), "bad.csv");
    insta::assert_snapshot!("import_bad_rows", text);
    assert_eq!(r.code, 2);
    assert!(
        s.requests().matching("add-orders").is_empty(),
        "nothing sent"
    );
}

#[test]
fn skip_invalid_sends_the_valid_rows_in_batches() {
    let s = server(0);
    let file = temp_file("skip.csv", BAD_CSV);
    let r = run_on(
        &s,
        &[
            "orders",
            "import",
            arg(&file),
            "--skip-invalid",
            "--batch-size",
            "2",
            "--format",
            "table",
        ],
    );
    let text = r.transcript().replace(arg(&file), "skip.csv");
    insta::assert_snapshot!("import_skip_invalid", text);
    assert_eq!(r.code, 0);
    let sent = s.requests().matching("add-orders");
    assert_eq!(sent.len(), 2);
    let first = sent[0].body_json().unwrap();
    insta::assert_json_snapshot!("import_first_batch_body", first);
    // The orders are there now, with their custom fields.
    let list = run_on(
        &s,
        &[
            "orders",
            "list",
            "--where",
            "id in A-1,A-4,A-6",
            "--format",
            "json",
        ],
    );
    let orders: Vec<Value> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(orders.len(), 3);
}

#[test]
fn json_import_from_stdin_in_every_format() {
    let body = r#"[
  {"id": "J-1", "name": "From JSON", "date_create": "1393673200", "status": "deal_NEW",
   "price": "222", "cost": "111", "fields": {"Manager": "John Doe"}},
  {"id": "J-2", "price": 333, "fields": {"Manager": "Jane"}},
  {"id": "J-3"}
]"#;
    for format in ["table", "json", "ndjson", "csv"] {
        let s = server(0);
        let mut cmd = roistat(
            &s,
            &[
                "orders",
                "import",
                "-",
                "--batch-size",
                "2",
                "--format",
                format,
            ],
        );
        cmd.write_stdin(body);
        let r = run(cmd);
        assert_eq!(r.code, 0, "{}", r.stderr);
        insta::assert_snapshot!(format!("import_json_{format}"), r.transcript());
        assert_eq!(s.requests().matching("add-orders").len(), 2);
    }
}

#[test]
fn json_with_bad_items_names_line_and_field() {
    let s = server(0);
    let body = "[\n  {\"id\": \"1\"},\n  {\"id\": \"2\", \"price\": [1]},\n  {\"name\": \"no id\"},\n  {\"id\": \"4\", \"date_create\": \"soon\"}\n]\n";
    let file = temp_file("bad.json", body);
    let r = run_on(&s, &["orders", "import", arg(&file)]);
    let text = r.transcript().replace(arg(&file), "bad.json");
    insta::assert_snapshot!("import_json_bad", text);
    assert!(s.requests().is_empty());
    let broken = temp_file("broken.json", "[{\"id\": 1},");
    let r = run_on(&s, &["orders", "import", arg(&broken)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a JSON array of orders"),
        "{}",
        r.stderr
    );
}

#[test]
fn from_batch_resumes_and_a_failed_batch_says_how_to_continue() {
    let s = server(0);
    let rows: String = (1..=10).map(|i| format!("R-{i},{i}00\n")).collect();
    let file = temp_file("ten.csv", &format!("id,price\n{rows}"));
    let ok = run_on(
        &s,
        &[
            "orders",
            "import",
            arg(&file),
            "--batch-size",
            "3",
            "--from-batch",
            "3",
            "--format",
            "table",
        ],
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let sent = s.requests().matching("add-orders");
    assert_eq!(sent.len(), 2, "batches 3 and 4 only");
    let ids: Vec<String> = sent
        .iter()
        .flat_map(|r| r.body_json().unwrap().as_array().unwrap().clone())
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["R-7", "R-8", "R-9", "R-10"]);

    // Batch 2 (the first one sent) is refused: the message says where to resume.
    s.faults().next_on(
        "add-orders",
        10,
        roistat_mock::Fault::error("project_frozen", "The project is frozen"),
    );
    let failed = run_on(
        &s,
        &[
            "orders",
            "import",
            arg(&file),
            "--batch-size",
            "4",
            "--from-batch",
            "2",
            "--format",
            "table",
        ],
    );
    let text = failed.transcript().replace(arg(&file), "ten.csv");
    insta::assert_snapshot!("import_failed_batch", text);
    assert_eq!(failed.code, 1);

    let too_far = run_on(
        &s,
        &[
            "orders",
            "import",
            arg(&file),
            "--batch-size",
            "4",
            "--from-batch",
            "4",
        ],
    );
    assert_eq!(too_far.code, 2);
    assert!(
        too_far.stderr.contains("has only 3 batches"),
        "{}",
        too_far.stderr
    );
}

#[test]
fn unbalanced_quotes_are_refused_with_their_line_and_nothing_is_sent() {
    let s = server(0);
    for (name, body, line) in [
        // The quote opened on line 2 is never closed: it would swallow line 3.
        ("open.csv", "id,name\n1,\"unterminated\n2,b\n", 2),
        // Closed, but text follows the closing quote: the framing is lost from there.
        (
            "stray.csv",
            "id,name\n1,ok\n2,\"half\" quoted\n3,\"x\n4,y\n",
            3,
        ),
    ] {
        let file = temp_file(name, body);
        let r = run_on(&s, &["orders", "import", arg(&file)]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("line {line}")) && r.stderr.contains("quote"),
            "{name}: {}",
            r.stderr
        );
        assert!(
            s.requests().matching("add-orders").is_empty(),
            "{name}: nothing sent"
        );
    }
    // A quoted field may span lines when its quote is closed.
    let ok = temp_file("multiline.csv", "id,name\n1,\"two\nlines\"\n2,b\n");
    let r = run_on(&s, &["orders", "import", arg(&ok), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sent = s.requests().matching("add-orders");
    assert_eq!(sent.len(), 1);
    let body = sent[0].body_json().unwrap();
    assert_eq!(body[0]["name"], "two\nlines");
    assert_eq!(body[1]["id"], "2");
}

#[test]
fn an_order_only_the_model_refuses_stops_the_import_before_the_first_batch() {
    // Rows 1-4 and 6 are fine; row 5 (in batch 3 of 2-order batches) has a custom field
    // longer than Roistat stores, which only `NewOrder::validate` catches. It is reported
    // with its line and nothing at all is sent (not batches 1 and 2 before the SDK
    // refuses batch 3).
    let s = server(0);
    let long = "x".repeat(1001);
    let body =
        format!("id,price,Note\nV-1,1,a\nV-2,2,b\nV-3,3,c\nV-4,4,d\nV-5,5,{long}\nV-6,6,f\n");
    let file = temp_file("late-invalid.csv", &body);
    let r = run_on(&s, &["orders", "import", arg(&file), "--batch-size", "2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        s.requests().matching("add-orders").is_empty(),
        "no batch may be sent: {:?}",
        s.requests().matching("add-orders").len()
    );
    assert!(r.stderr.contains("line 6: fields.Note:"), "{}", r.stderr);
    assert!(r.stderr.contains("1 invalid row in"), "{}", r.stderr);

    // The JSON form goes through the same check.
    let json = format!(
        "[{{\"id\": \"J-1\"}}, {{\"id\": \"J-2\"}},\n {{\"id\": \"J-3\", \"fields\": {{\"Note\": \"{long}\"}}}}]"
    );
    let file = temp_file("late-invalid.json", &json);
    let r = run_on(&s, &["orders", "import", arg(&file), "--batch-size", "1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("line 2: fields.Note:"), "{}", r.stderr);
    assert!(s.requests().matching("add-orders").is_empty());
}
