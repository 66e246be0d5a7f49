//! Reading orders to upload: a JSON array in the add-orders format, or CSV with a
//! header. Every row is checked before anything is sent, and every problem is kept
//! with its line and field, so one run reports them all.

use std::collections::HashSet;

use roistat_types::{DateCreate, NewOrder, OrderId, StatusId, ValidationError};
use serde_json::value::RawValue;

use crate::cli::InputFormat;
use crate::error::CliError;
use crate::output::text::escape_line;

/// What a file held: the valid orders (with their lines) and the problems.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Valid orders, in file order.
    pub orders: Vec<NewOrder>,
    /// The line each valid order starts on (parallel to `orders`).
    pub lines: Vec<u64>,
    /// Every problem found.
    pub problems: Vec<Problem>,
    /// How many rows had at least one problem.
    pub invalid_rows: usize,
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line the row starts on (1-based).
    pub line: u64,
    /// The field (`price`, `fields.Manager`, or `row` for the row as a whole).
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl Problem {
    /// Field and reason quote the file (column names, cells): escaped for the terminal.
    fn new(line: u64, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            line,
            field: escape_line(&field.into()).into_owned(),
            reason: escape_line(&reason.into()).into_owned(),
        }
    }
}

/// The columns of the CSV form that are not custom fields.
pub const CSV_KNOWN: [&str; 7] = [
    "id",
    "name",
    "date_create",
    "status",
    "roistat",
    "price",
    "cost",
];

/// Parses `input` (named `source` in messages). A file that cannot be read as a whole
/// (broken JSON, no `id` column) is a usage error; bad rows are [`Problem`]s.
pub fn parse(input: &str, format: Option<InputFormat>, source: &str) -> Result<Parsed, CliError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let format = format.unwrap_or_else(|| {
        if input.trim_start().starts_with(['[', '{']) {
            InputFormat::Json
        } else {
            InputFormat::Csv
        }
    });
    let parsed = match format {
        InputFormat::Json => parse_json(input, source)?,
        InputFormat::Csv => parse_csv(input, source)?,
    };
    if parsed.orders.is_empty() && parsed.invalid_rows == 0 {
        return Err(CliError::usage(format!("{source} holds no orders")));
    }
    Ok(parsed)
}

fn parse_json(input: &str, source: &str) -> Result<Parsed, CliError> {
    let items: Vec<&RawValue> = serde_json::from_str(input).map_err(|e| {
        CliError::usage(format!(
            "{source}: not a JSON array of orders (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    let mut parsed = Parsed::default();
    for raw in items {
        let line = line_of(input, raw.get());
        let mut de = serde_json::Deserializer::from_str(raw.get());
        match serde_path_to_error::deserialize::<_, NewOrder>(&mut de) {
            Ok(order) => accept(&mut parsed, order, line, Vec::new()),
            Err(e) => {
                let path = e.path().to_string();
                let field = if path == "." { "row".to_owned() } else { path };
                let reason = strip_position(&e.into_inner().to_string());
                parsed.invalid_rows += 1;
                parsed.problems.push(Problem::new(line, field, reason));
            }
        }
    }
    Ok(parsed)
}

/// serde_json's messages end with " at line L column C" relative to the item: drop it,
/// the item's line in the file is reported instead.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The 1-based line where `part` (a slice of `input`) starts.
fn line_of(input: &str, part: &str) -> u64 {
    let offset = (part.as_ptr() as usize)
        .saturating_sub(input.as_ptr() as usize)
        .min(input.len());
    let before = input.get(..offset).unwrap_or("");
    before.bytes().filter(|&b| b == b'\n').count() as u64 + 1
}

fn parse_csv(input: &str, source: &str) -> Result<Parsed, CliError> {
    let broken = quote_problems(input);
    if !broken.is_empty() {
        let lines: Vec<String> = broken
            .iter()
            .map(|p| format!("line {}: {}", p.line, p.reason))
            .collect();
        return Err(CliError::usage(format!(
            "{source}: unbalanced quotes, so rows cannot be told apart ({}); nothing was sent",
            lines.join("; ")
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::usage(format!("{source}: cannot read the CSV header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut seen = HashSet::new();
    for name in &header {
        if name.is_empty() {
            return Err(CliError::usage(format!(
                "{source}: the CSV header has an empty column name"
            )));
        }
        if !seen.insert(canonical(name)) {
            return Err(CliError::usage(format!(
                "{source}: the CSV header names `{name}` twice"
            )));
        }
    }
    if !seen.contains("id") {
        return Err(CliError::usage(format!(
            "{source}: the CSV header has no `id` column (expected id, name, date_create, \
             status, roistat, price, cost, and custom fields)"
        )));
    }
    let mut parsed = Parsed::default();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                parsed.invalid_rows += 1;
                parsed
                    .problems
                    .push(Problem::new(line, "row", e.to_string()));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue; // A blank line.
        }
        if record.len() != header.len() {
            parsed.invalid_rows += 1;
            parsed.problems.push(Problem::new(
                line,
                "row",
                format!(
                    "has {} columns, the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        let cells = header.iter().map(String::as_str).zip(record.iter());
        match csv_order(cells, line) {
            Ok(order) => accept(&mut parsed, order, line, Vec::new()),
            Err(problems) => {
                parsed.invalid_rows += 1;
                parsed.problems.extend(problems);
            }
        }
    }
    Ok(parsed)
}

/// Where the CSV's quoting is broken. The csv crate reads a quote that is never closed
/// as a field running to the end of the file (later rows become part of one cell), and
/// text after a closing quote as more of the field: either way rows would be lost
/// silently. This walks the bytes as the csv crate does (RFC 4180 quoting, `""` inside
/// quotes) and reports both cases with their line.
fn quote_problems(input: &str) -> Vec<Problem> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        StartField,
        InField,
        InQuotes,
        QuoteInQuotes,
    }
    let mut problems = Vec::new();
    let mut state = State::StartField;
    let mut line = 1u64;
    let mut opened_on = 1u64;
    for b in input.bytes() {
        let end_of_field = matches!(b, b',' | b'\n' | b'\r');
        state = match (state, b) {
            (State::StartField, b'"') => {
                opened_on = line;
                State::InQuotes
            }
            (State::StartField | State::InField, _) if end_of_field => State::StartField,
            (State::StartField | State::InField, _) => State::InField,
            (State::InQuotes, b'"') => State::QuoteInQuotes,
            (State::InQuotes, _) => State::InQuotes,
            (State::QuoteInQuotes, b'"') => State::InQuotes,
            (State::QuoteInQuotes, _) if end_of_field => State::StartField,
            (State::QuoteInQuotes, _) => {
                problems.push(Problem::new(
                    line,
                    "row",
                    "text follows the closing quote of a field (write a quote inside a \
                     quoted field as \"\")",
                ));
                State::InField
            }
        };
        if b == b'\n' {
            line += 1;
        }
    }
    if state == State::InQuotes {
        problems.push(Problem::new(
            opened_on,
            "row",
            "a quoted field starts here and its closing quote is missing, so it would take \
             in every line after it",
        ));
    }
    problems
}

/// Known column names match case-insensitively; custom fields keep their spelling.
fn canonical(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if CSV_KNOWN.contains(&lower.as_str()) {
        lower
    } else {
        name.to_owned()
    }
}

/// Builds an order from `(column, cell)` pairs, collecting every problem of the row.
fn csv_order<'a>(
    cells: impl Iterator<Item = (&'a str, &'a str)>,
    line: u64,
) -> Result<NewOrder, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut order = NewOrder::new(OrderId::new_unchecked(""));
    for (column, cell) in cells {
        let column_key = canonical(column);
        match column_key.as_str() {
            "id" => match OrderId::new(cell) {
                Ok(id) => order.id = id,
                Err(e) => problems.push(Problem::new(line, "id", e.to_string())),
            },
            _ if cell.is_empty() => {}
            "name" => order.name = Some(cell.to_owned()),
            "date_create" => match DateCreate::parse(cell) {
                Ok(d) => order.date_create = Some(d),
                Err(e) => problems.push(Problem::new(line, "date_create", e.to_string())),
            },
            "status" => match StatusId::new(cell) {
                Ok(s) => order.status = Some(s),
                Err(e) => problems.push(Problem::new(line, "status", e.to_string())),
            },
            "roistat" => order.roistat = Some(cell.to_owned()),
            "price" | "cost" => match cell.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    if column_key == "price" {
                        order.price = Some(x);
                    } else {
                        order.cost = Some(x);
                    }
                }
                _ => problems.push(Problem::new(
                    line,
                    column_key.as_str(),
                    format!("`{cell}` is not a number"),
                )),
            },
            _ => {
                order.fields.insert(column.to_owned(), cell.to_owned());
            }
        }
    }
    if problems.is_empty() {
        Ok(order)
    } else {
        Err(problems)
    }
}

/// Runs the model's own checks (field length, ...) and files the order or its problems.
fn accept(parsed: &mut Parsed, order: NewOrder, line: u64, mut problems: Vec<Problem>) {
    if let Err(e) = order.validate() {
        problems.push(Problem::new(line, field_of(&e), e.to_string()));
    }
    if problems.is_empty() {
        parsed.orders.push(order);
        parsed.lines.push(line);
    } else {
        parsed.invalid_rows += 1;
        parsed.problems.extend(problems);
    }
}

fn field_of(e: &ValidationError) -> String {
    match e {
        ValidationError::EmptyId { .. } | ValidationError::IdTooLong { .. } => "id".to_owned(),
        ValidationError::FieldTooLong { field, .. } => format!("fields.{field}"),
        ValidationError::InvalidDate { .. } => "date_create".to_owned(),
        ValidationError::InvalidNumber { field, .. } => field.clone(),
        _ => "row".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reports_every_problem_with_lines() {
        let input = "id,name,price,date_create,Manager\n\
                     1,First,100,2024-01-31 12:30,John\n\
                     ,No id,abc,soon,\n\
                     3,\"Quoted, name\",200.5,1393673200,\"Multi\nline\"\n\
                     4,Short\n";
        let p = parse(input, None, "t.csv").unwrap();
        assert_eq!(p.orders.len(), 2);
        assert_eq!(p.lines, [2, 4]);
        assert_eq!(p.orders[1].name.as_deref(), Some("Quoted, name"));
        assert_eq!(p.orders[1].fields["Manager"], "Multi\nline");
        assert_eq!(p.invalid_rows, 2);
        let fields: Vec<(u64, &str)> = p
            .problems
            .iter()
            .map(|x| (x.line, x.field.as_str()))
            .collect();
        assert_eq!(
            fields,
            [(3, "id"), (3, "price"), (3, "date_create"), (6, "row")]
        );
    }

    #[test]
    fn json_lines_and_paths() {
        let input = "[\n  {\"id\": \"1\", \"price\": \"10\"},\n  {\"id\": \"2\", \"price\": [1]},\n  {\"name\": \"x\"}\n]";
        let p = parse(input, None, "t.json").unwrap();
        assert_eq!(p.orders.len(), 1);
        assert_eq!(p.problems.len(), 2);
        assert_eq!(
            (p.problems[0].line, p.problems[0].field.as_str()),
            (3, "price")
        );
        assert_eq!(
            (p.problems[1].line, p.problems[1].field.as_str()),
            (4, "row")
        );
        assert!(
            p.problems[1].reason.contains("missing field `id`"),
            "{:?}",
            p.problems[1]
        );
        assert!(!p.problems[0].reason.contains(" at line "));
    }

    #[test]
    fn whole_file_errors() {
        assert!(parse("name,price\nx,1\n", None, "t").is_err());
        assert!(parse("[1,", None, "t").is_err());
        assert!(parse("id\n", None, "t").is_err());
        assert!(parse("id,ID\n1,2\n", None, "t").is_err());
    }

    #[test]
    fn unbalanced_quotes_are_found_with_their_line() {
        let lines = |s: &str| -> Vec<u64> { quote_problems(s).iter().map(|p| p.line).collect() };
        assert_eq!(lines("id,name\n1,\"unterminated\n2,b\n"), [2]);
        assert_eq!(lines("id,name\n1,\"a\"b\n2,\"c\n"), [2, 3]);
        assert!(lines("id,name\n1,\"two\nlines\"\n2,\"say \"\"hi\"\"\"\r\n3,x\"y\n").is_empty());
        assert!(lines("id\n\"1\"").is_empty());
        let e = parse("id,name\n1,\"open\n2,b\n", None, "t.csv").unwrap_err();
        assert!(e.to_string().contains("t.csv: unbalanced quotes"), "{e}");
        assert!(e.to_string().contains("line 2:"), "{e}");
    }

    #[test]
    fn long_fields_are_caught() {
        let input = format!("id,Note\n1,{}\n", "x".repeat(1001));
        let p = parse(&input, None, "t").unwrap();
        assert_eq!(p.problems[0].field, "fields.Note");
    }
}
