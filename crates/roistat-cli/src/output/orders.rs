//! Writing orders as they arrive, a page at a time, in each format.
//!
//! Nothing here keeps more than the page it is given: json writes the array's opening
//! bracket, then each order, then the closing bracket in [`OrderWriter::finish`], so even
//! an export of millions of orders is one valid JSON array in bounded memory.

use std::io::{self, Write};

use roistat_types::{Order, date};

use super::text::{self, Column, Table};
use crate::cli::Format;
use crate::error::CliError;

/// The fixed CSV columns, before one column per `--custom-field`.
pub const CSV_COLUMNS: [&str; 12] = [
    "id",
    "creation_date",
    "update_date",
    "status_id",
    "status_type",
    "status_name",
    "revenue",
    "cost",
    "client_id",
    "visit_id",
    "url",
    "source_type",
];

/// A streaming writer of orders.
pub struct OrderWriter<W: Write> {
    out: W,
    kind: Kind,
    custom_fields: Vec<String>,
    written: u64,
}

enum Kind {
    Json,
    Ndjson,
    Csv { header_done: bool },
    Table(Table, bool),
}

impl<W: Write> std::fmt::Debug for OrderWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderWriter")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl<W: Write> OrderWriter<W> {
    /// A writer in `format`, adding one column per custom field (csv and table).
    pub fn new(out: W, format: Format, custom_fields: Vec<String>) -> Self {
        let kind = match format {
            Format::Json => Kind::Json,
            Format::Ndjson => Kind::Ndjson,
            Format::Csv => Kind::Csv { header_done: false },
            Format::Table => {
                let mut columns = vec![
                    Column::text("ID", 24),
                    Column::text("CREATED", 16),
                    Column::text("STATUS", 30),
                    Column::text("TYPE", 8),
                    Column::number("REVENUE"),
                    Column::number("COST"),
                    Column::text("CLIENT", 12),
                    Column::text("VISIT", 12),
                ];
                columns.extend(custom_fields.iter().map(|f| Column::text(f.clone(), 24)));
                Kind::Table(Table::new(columns), false)
            }
        };
        Self {
            out,
            kind,
            custom_fields,
            written: 0,
        }
    }

    /// Writes a page of orders and flushes, so a pipe sees them at once.
    pub fn page(&mut self, orders: &[Order]) -> Result<(), CliError> {
        match &mut self.kind {
            Kind::Json => {
                // Comma first (`[`, `{..}`, `,{..}`, ..., `]`): every order ends its line,
                // so a reader going line by line sees each page as soon as it is written.
                for order in orders {
                    let sep: &[u8] = if self.written == 0 { b"[\n" } else { b"," };
                    self.out.write_all(sep)?;
                    serde_json::to_writer(&mut self.out, order).map_err(io::Error::from)?;
                    self.out.write_all(b"\n")?;
                    self.written += 1;
                }
            }
            Kind::Ndjson => {
                for order in orders {
                    serde_json::to_writer(&mut self.out, order).map_err(io::Error::from)?;
                    self.out.write_all(b"\n")?;
                    self.written += 1;
                }
            }
            Kind::Csv { header_done } => {
                let mut csv = csv::WriterBuilder::new().from_writer(&mut self.out);
                if !*header_done {
                    let mut header: Vec<&str> = CSV_COLUMNS.to_vec();
                    header.extend(self.custom_fields.iter().map(String::as_str));
                    csv.write_record(header.iter().map(|h| super::csv_cell(h)))?;
                    *header_done = true;
                }
                for order in orders {
                    let row = csv_row(order, &self.custom_fields);
                    csv.write_record(row.iter().map(|c| super::csv_cell(c)))?;
                    self.written += 1;
                }
                csv.flush()?;
            }
            Kind::Table(table, header_done) => {
                let rows: Vec<Vec<String>> = orders
                    .iter()
                    .map(|o| table_row(o, &self.custom_fields))
                    .collect();
                table.fit(&rows);
                if !*header_done && !rows.is_empty() {
                    writeln!(self.out, "{}", table.header())?;
                    *header_done = true;
                }
                for row in &rows {
                    writeln!(self.out, "{}", table.line(row))?;
                }
                self.written += rows.len() as u64;
            }
        }
        self.out.flush()?;
        Ok(())
    }

    /// Ends the output (closes the JSON array, writes a CSV header if no order came).
    pub fn finish(&mut self) -> Result<(), CliError> {
        match &mut self.kind {
            Kind::Json => {
                let end: &[u8] = if self.written == 0 { b"[]\n" } else { b"]\n" };
                self.out.write_all(end)?;
            }
            Kind::Ndjson => {}
            Kind::Csv { header_done } => {
                if !*header_done {
                    self.page(&[])?;
                }
            }
            Kind::Table(_, header_done) => {
                if !*header_done {
                    writeln!(self.out, "(no orders)")?;
                }
            }
        }
        self.out.flush()?;
        Ok(())
    }
}

/// A number as data: the shortest text that reads back the same (`1500`, `9989.728`).
fn num(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

fn csv_row(o: &Order, custom_fields: &[String]) -> Vec<String> {
    let status = o.status.as_ref();
    let mut row = vec![
        o.id.to_string(),
        o.creation_date
            .as_ref()
            .map(date::format)
            .unwrap_or_default(),
        o.update_date.as_ref().map(date::format).unwrap_or_default(),
        status.map(|s| s.id.to_string()).unwrap_or_default(),
        status.map(|s| s.r#type.to_string()).unwrap_or_default(),
        status.map(|s| s.name.clone()).unwrap_or_default(),
        num(o.revenue),
        num(o.cost),
        o.client_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        o.visit_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        o.url.clone().unwrap_or_default(),
        o.source_type.clone().unwrap_or_default(),
    ];
    row.extend(
        custom_fields
            .iter()
            .map(|f| o.custom_fields.get_string(f).unwrap_or_default()),
    );
    row
}

fn table_row(o: &Order, custom_fields: &[String]) -> Vec<String> {
    let status = o.status.as_ref();
    let dash = || "-".to_owned();
    let mut row = vec![
        o.id.to_string(),
        text::date(o.creation_date),
        status.map(|s| s.name.clone()).unwrap_or_else(dash),
        status.map(|s| s.r#type.to_string()).unwrap_or_else(dash),
        text::money_opt(o.revenue),
        text::money_opt(o.cost),
        o.client_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(dash),
        o.visit_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(dash),
    ];
    row.extend(
        custom_fields
            .iter()
            .map(|f| o.custom_fields.get_string(f).unwrap_or_else(dash)),
    );
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use roistat_types::OrderId;

    fn orders(n: usize) -> Vec<Order> {
        (0..n)
            .map(|i| {
                let mut o = Order::new(OrderId::new_unchecked(format!("{i}")));
                o.revenue = Some(1000.5);
                o.custom_fields.insert("Manager", "Doe, \"J\"");
                o
            })
            .collect()
    }

    fn run(format: Format, pages: &[Vec<Order>]) -> String {
        let mut buf = Vec::new();
        let mut w = OrderWriter::new(&mut buf, format, vec!["Manager".into()]);
        for p in pages {
            w.page(p).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn json_is_one_array_across_pages() {
        for pages in [vec![], vec![vec![]], vec![orders(2), vec![], orders(3)]] {
            let text = run(Format::Json, &pages);
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let want: usize = pages.iter().map(Vec::len).sum();
            assert_eq!(v.as_array().unwrap().len(), want, "{text}");
        }
    }

    #[test]
    fn json_lines_are_whole_orders() {
        let text = run(Format::Json, &[orders(2), orders(1)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!((lines[0], lines[4]), ("[", "]"));
        assert!(lines[1].starts_with("{\"id\":\"0\"") && lines[1].ends_with('}'));
        assert!(lines[2].starts_with(",{\"id\":\"1\"") && lines[3].starts_with(",{"));
    }

    #[test]
    fn csv_quotes_and_keeps_header_once() {
        let text = run(Format::Csv, &[orders(1), orders(1)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].ends_with(",source_type,Manager"));
        assert!(
            lines[1].ends_with(r#",1000.5,,,,,,"Doe, ""J""""#),
            "{}",
            lines[1]
        );
        assert_eq!(run(Format::Csv, &[]).lines().count(), 1);
    }
}
