//! Text from the server reaches a terminal escaped, and `--csv-safe` defuses formulas.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{MockServer, roistat, run, run_on, server};

/// Characters that would drive a terminal: ESC (colour, cursor, clear, OSC 52 clipboard
/// writes), BEL, the 8-bit CSI, a right-to-left override.
const RAW: [char; 4] = ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'];

fn assert_no_raw(what: &str, text: &str) {
    for c in RAW {
        assert!(!text.contains(c), "{what}: raw {c:?} in {text:?}");
    }
}

/// Orders whose texts are hostile, uploaded through the CLI itself.
fn hostile_server() -> MockServer {
    let s = server(0);
    let body = r#"[
      {"id": "T-1", "name": "x", "price": "-1500",
       "fields": {"Note": "red\u001b[31m\u001b[2J\u009b1m\u202eevil", "Formula": "=HYPERLINK(\"http://evil\")",
                  "Bad\u001b]0;title\u0007Name": "v"}},
      {"id": "@cmd", "fields": {"Formula": "-2+3"}}
    ]"#;
    let mut cmd = roistat(&s, &["orders", "import", "-", "--format", "json"]);
    cmd.write_stdin(body);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    s
}

#[test]
fn server_text_is_escaped_in_tables_and_lines() {
    let s = hostile_server();
    let list = run_on(
        &s,
        &[
            "orders",
            "list",
            "--where",
            "id = T-1",
            "--format",
            "table",
            "--custom-field",
            "Note",
        ],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_no_raw("orders list", &list.stdout);
    assert!(list.stdout.contains("red\\u{1b}[31m"), "{}", list.stdout);

    let fields = run_on(&s, &["fields", "list", "--format", "table"]);
    assert_eq!(fields.code, 0, "{}", fields.stderr);
    assert_no_raw("fields list", &fields.stdout);
    assert!(
        fields.stdout.contains("Bad\\u{1b}]0;title\\u{7}Name"),
        "{}",
        fields.stdout
    );

    // An error description cannot clear the screen or forge a line of its own.
    s.faults().next_on(
        "status/list",
        1,
        roistat_mock::Fault::error(
            "project_frozen",
            "frozen\u{1b}[2J\nerror: everything is fine\u{9b}",
        ),
    );
    let failed = run_on(&s, &["statuses", "list", "--format", "table"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert_no_raw("an error", &failed.stderr);
    assert_eq!(failed.stderr.lines().count(), 1, "{}", failed.stderr);
    assert!(
        failed
            .stderr
            .contains("frozen\\u{1b}[2J\\nerror: everything is fine"),
        "{}",
        failed.stderr
    );
}

#[test]
fn csv_safe_quotes_formula_cells_and_only_with_the_flag() {
    let s = hostile_server();
    let args = [
        "orders",
        "list",
        "--where",
        "id in T-1,@cmd",
        "--format",
        "csv",
        "--custom-field",
        "Formula",
    ];
    let plain = run_on(&s, &args);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(
        plain.stdout.contains(r#""=HYPERLINK(""http://evil"")""#),
        "{}",
        plain.stdout
    );
    assert!(plain.stdout.contains("\n@cmd,"), "{}", plain.stdout);

    let mut safe_args = args.to_vec();
    safe_args.push("--csv-safe");
    let safe = run_on(&s, &safe_args);
    assert_eq!(safe.code, 0, "{}", safe.stderr);
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(safe.stdout.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let row = |id: &str| {
        rows.iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("no row {id}: {}", safe.stdout))
            .clone()
    };
    let t1 = row("T-1");
    assert_eq!(t1.last().unwrap(), "'=HYPERLINK(\"http://evil\")");
    let cmd = row("'@cmd");
    assert_eq!(cmd.last().unwrap(), "'-2+3");
    // A negative amount is a number, not a formula: left alone.
    assert!(
        rows.iter().flatten().all(|c| !c.starts_with("'-1500")),
        "{}",
        safe.stdout
    );
    // The help says what the flag does.
    let help = run({
        let mut c = common::bin();
        c.arg("--help");
        c
    });
    assert!(help.stdout.contains("--csv-safe"), "{}", help.stdout);
    assert!(help.stdout.contains("formula"), "{}", help.stdout);
}
