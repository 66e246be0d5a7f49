//! Orders that could only be read in part: counted during an export and named on
//! stderr at its end, so one odd row never stops an analyst's nightly run unnoticed.

use roistat_types::{DecodeIssue, Order};

use crate::cli::Format;
use crate::output::text;

/// How many odd orders are named one by one; the rest are only counted.
const NAMED: usize = 5;

/// One odd order, as the note names it.
#[derive(Debug, Clone)]
struct Named {
    /// Its position in the export (1-based, counting from the first row read).
    position: u64,
    /// Its id; empty when the id itself could not be read.
    id: String,
    issues: Vec<DecodeIssue>,
}

/// The odd orders of one export.
#[derive(Debug, Clone, Default)]
pub struct OddRows {
    count: u64,
    named: Vec<Named>,
}

impl OddRows {
    /// Nothing seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes `order`, the `position`-th row of the export (1-based), if it is odd.
    pub fn see(&mut self, position: u64, order: &Order) {
        if !order.is_partial() {
            return;
        }
        self.count += 1;
        if self.named.len() < NAMED {
            self.named.push(Named {
                position,
                id: order.id.to_string(),
                issues: order.decode_issues.clone(),
            });
        }
    }

    /// The note for stderr (empty when every order was read in full): how many, the
    /// first few by id (or position) with each issue, and where the rest of their data
    /// is in this output `format` (`None`: a summary, which only counts them).
    pub fn note(&self, read: u64, format: Option<Format>) -> String {
        if self.count == 0 {
            return String::new();
        }
        let mut out = format!(
            "note: {} of {} orders could only be read in part; {}:\n",
            text::count(self.count),
            text::count(read),
            match format {
                None => "they are counted with what could be read",
                Some(Format::Json | Format::Ndjson) => {
                    "they are in the output with what could be read, and the values that \
                     could not be read are kept as sent under \"decode_issues\""
                }
                Some(Format::Table | Format::Csv) => {
                    "they are in the output with what could be read (the values that could \
                     not be read are left empty; --format json keeps them as sent)"
                }
            }
        );
        for n in &self.named {
            let who = if n.id.is_empty() {
                format!("row {} (no readable id)", text::count(n.position))
            } else {
                format!("order {}", text::escape_line(&n.id))
            };
            let issues: Vec<String> = n
                .issues
                .iter()
                .map(|i| text::escape_line(&i.to_string()).into_owned())
                .collect();
            out.push_str(&format!("  {who}: {}\n", issues.join("; ")));
        }
        let rest = self.count - self.named.len() as u64;
        if rest > 0 {
            out.push_str(&format!("  and {} more\n", text::count(rest)));
        }
        out.push_str("(--strict stops at the first such order instead)\n");
        out
    }

    /// Prints [`note`](Self::note) on stderr, if there is anything to say.
    pub fn report(&self, read: u64, format: Option<Format>) {
        let note = self.note(read, format);
        if !note.is_empty() {
            eprint!("{note}");
        }
    }
}

#[cfg(test)]
mod tests {
    use roistat_types::OrderList;

    use super::*;

    fn page(body: &str) -> OrderList {
        serde_json::from_str(body).unwrap()
    }

    #[test]
    fn names_the_first_odd_rows_by_id_or_position() {
        let list = page(
            r#"{"data": [
                {"id": "1"},
                {"id": "2", "creation_date": "0000-00-00 00:00:00"},
                {"creation_date": "2016-06-19T00:32:12+0000"}
            ], "total": 3}"#,
        );
        let mut odd = OddRows::new();
        for (i, o) in list.data.iter().enumerate() {
            odd.see(i as u64 + 1, o);
        }
        assert_eq!(odd.count, 2);
        let note = odd.note(3, Some(Format::Csv));
        assert!(
            note.starts_with("note: 2 of 3 orders could only be read in part"),
            "{note}"
        );
        assert!(note.contains("  order 2: creation_date: "), "{note}");
        assert!(note.contains("  row 3 (no readable id): id: "), "{note}");
        assert!(!note.contains("more"), "{note}");
        assert!(odd.note(3, Some(Format::Ndjson)).contains("decode_issues"));
        assert!(OddRows::new().note(3, Some(Format::Json)).is_empty());
    }

    #[test]
    fn counts_the_rest_beyond_the_named_few() {
        let list = page(r#"{"data": [{"id": "x", "revenue": [1]}], "total": 1}"#);
        let mut odd = OddRows::new();
        for i in 0..8 {
            odd.see(i + 1, &list.data[0]);
        }
        let note = odd.note(8, None);
        assert_eq!(
            note.matches("  order x: revenue: ").count(),
            NAMED,
            "{note}"
        );
        assert!(note.contains("  and 3 more\n"), "{note}");
    }
}
