//! Output: where data goes (stdout only, so pipes stay clean) and how it looks.
//!
//! - [`text`]: aligned tables and number formatting for humans;
//! - [`orders`]: the streaming order writers of `orders list` in each format.
//!
//! Everything other than data (progress, notes, errors) goes to stderr.

pub mod orders;
pub mod text;

use std::io::{self, BufWriter, IsTerminal, Write};

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

/// Writes CSV rows under a header.
pub fn write_csv(
    w: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<(), crate::error::CliError> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(header)?;
    for row in rows {
        csv.write_record(row)?;
    }
    csv.flush()?;
    Ok(())
}
