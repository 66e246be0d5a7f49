//! Output: where data goes (stdout only, so pipes stay clean) and how it looks.
//!
//! - [`text`]: aligned tables and number formatting for humans;
//! - [`orders`]: the streaming order writers of `orders list` in each format.
//!
//! Everything other than data (progress, notes, errors) goes to stderr.

pub mod orders;
pub mod text;

use std::borrow::Cow;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::cli::Format;

/// The format to use: the one asked for, else table on a terminal and json otherwise.
pub fn resolve_format(asked: Option<Format>) -> Format {
    asked.unwrap_or_else(|| {
        if io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        }
    })
}

/// Buffered stdout. Streaming writers flush after each page.
pub fn stdout() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// Writes one value as pretty JSON (json) or one line (ndjson).
pub fn write_json<T: Serialize + ?Sized>(
    w: &mut impl Write,
    format: Format,
    value: &T,
) -> io::Result<()> {
    if format == Format::Ndjson {
        serde_json::to_writer(&mut *w, value)?;
    } else {
        serde_json::to_writer_pretty(&mut *w, value)?;
    }
    w.write_all(b"\n")
}

/// Writes a list: a pretty array (json), one value per line (ndjson).
pub fn write_json_list<T: Serialize>(
    w: &mut impl Write,
    format: Format,
    items: &[T],
) -> io::Result<()> {
    if format == Format::Ndjson {
        for item in items {
            serde_json::to_writer(&mut *w, item)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    } else {
        write_json(w, format, items)
    }
}

/// Writes CSV rows under a header (cells through [`csv_cell`]).
pub fn write_csv(
    w: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<(), crate::error::CliError> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(header.iter().map(|h| csv_cell(h)))?;
    for row in rows {
        csv.write_record(row.iter().map(|c| csv_cell(c)))?;
    }
    csv.flush()?;
    Ok(())
}

/// `--csv-safe`, set once from the command line before any output.
static CSV_SAFE: AtomicBool = AtomicBool::new(false);

/// Turns `--csv-safe` on or off for every CSV written from now on.
pub fn set_csv_safe(on: bool) {
    CSV_SAFE.store(on, Ordering::Relaxed);
}

/// A CSV cell as written: with `--csv-safe`, see [`formula_safe`]; else as it is.
pub fn csv_cell(cell: &str) -> CsvCell<'_> {
    if CSV_SAFE.load(Ordering::Relaxed) {
        CsvCell(formula_safe(cell))
    } else {
        CsvCell(Cow::Borrowed(cell))
    }
}

/// A cell for `csv::Writer::write_record` (borrowed unless it had to change).
#[derive(Debug)]
pub struct CsvCell<'a>(Cow<'a, str>);

impl AsRef<[u8]> for CsvCell<'_> {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// A cell a spreadsheet will not run: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'` (spreadsheets then read it as text), unless it
/// is a plain number such as `-1500` or `+7.5e3`, which no spreadsheet reads as a
/// formula.
pub fn formula_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `[+-]digits[.digits][e[+-]digits]`, nothing else (not `inf`, not `-1+1`).
fn is_plain_number(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_quoted_and_numbers_are_not() {
        for risky in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-",
            "-inf",
            "=1",
        ] {
            assert_eq!(formula_safe(risky), format!("'{risky}"), "{risky:?}");
        }
        for fine in ["-1500", "+7.5e3", "-0.25", "1e-3", "abc", "", "a=b", "12"] {
            assert_eq!(formula_safe(fine), fine, "{fine:?}");
        }
    }
}
