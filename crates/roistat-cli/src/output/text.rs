//! Human-readable text: aligned tables, numbers with thousands separators, dates, and
//! text from the server made safe for a terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use time::OffsetDateTime;

/// How a column is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A column: its header, alignment and widest allowed cell (longer cells are cut with `…`).
#[derive(Debug, Clone)]
pub struct Column {
    /// The header text.
    pub header: String,
    /// The alignment.
    pub align: Align,
    /// The widest cell, in characters.
    pub max_width: usize,
}

impl Column {
    /// A left-aligned text column.
    pub fn text(header: impl Into<String>, max_width: usize) -> Self {
        Self {
            header: header.into(),
            align: Align::Left,
            max_width,
        }
    }

    /// A right-aligned number column.
    pub fn number(header: impl Into<String>) -> Self {
        Self {
            header: header.into(),
            align: Align::Right,
            max_width: 24,
        }
    }
}

/// A table whose widths are fixed by the first rows it sees, so later rows (the next
/// pages of an export) line up with them without keeping every row in memory.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<Column>,
    widths: Option<Vec<usize>>,
}

impl Table {
    /// A table with these columns.
    pub fn new(columns: Vec<Column>) -> Self {
        Self {
            columns,
            widths: None,
        }
    }

    /// Fixes the widths from these rows (only the first call counts).
    pub fn fit(&mut self, rows: &[Vec<String>]) {
        if self.widths.is_some() {
            return;
        }
        let widths = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let widest = rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|cell| width(cell))
                    .max()
                    .unwrap_or(0);
                widest.min(c.max_width).max(width(&c.header))
            })
            .collect();
        self.widths = Some(widths);
    }

    /// The header line.
    pub fn header(&mut self) -> String {
        self.fit(&[]);
        let cells: Vec<String> = self.columns.iter().map(|c| c.header.clone()).collect();
        self.line(&cells)
    }

    /// One row as a line (no newline).
    pub fn line(&mut self, cells: &[String]) -> String {
        self.fit(std::slice::from_ref(&cells.to_vec()));
        let widths = self.widths.as_deref().unwrap_or(&[]);
        let mut out = String::new();
        for (i, col) in self.columns.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            let raw = cells.get(i).map(String::as_str).unwrap_or("");
            // Numbers are never cut: a wider one shifts the row rather than lie.
            let cell = match col.align {
                Align::Left => cut(raw, w),
                Align::Right => escape_line(raw).into_owned(),
            };
            let pad = w.saturating_sub(width(&cell));
            if i > 0 {
                out.push_str("  ");
            }
            match col.align {
                Align::Left => {
                    out.push_str(&cell);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(&cell);
                }
            }
        }
        out.truncate(out.trim_end().len());
        out
    }

    /// The whole table (header and rows) as text with a trailing newline.
    pub fn render(mut self, rows: &[Vec<String>]) -> String {
        self.fit(rows);
        let mut out = self.header();
        out.push('\n');
        for row in rows {
            out.push_str(&self.line(row));
            out.push('\n');
        }
        out
    }
}

/// Display width, counted in characters (good for Latin and Cyrillic text).
pub fn width(s: &str) -> usize {
    s.chars().count()
}

/// Whether `c` could change what a terminal shows beyond the character itself: C0 and
/// C1 controls and DEL (escape sequences that recolour, move the cursor, set the window
/// title, or write to the clipboard) and the bidirectional overrides that reorder the
/// text around them.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape_with(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            _ if !is_unsafe(c) || keep(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// One value from the server (a name, a URL, an error description) for one line of a
/// terminal: every control character, line breaks included, is written as an escape
/// (`\u{1b}`, `\n`), so the value can neither drive the terminal nor forge a line.
pub fn escape_line(s: &str) -> Cow<'_, str> {
    escape_with(s, |_| false)
}

/// Text of several lines that embeds values from elsewhere: like [`escape_line`] but
/// keeps line breaks.
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\n')
}

/// Cuts `s` to `w` characters, ending with `…` when cut; line breaks and tabs become
/// spaces, other control characters escapes (see [`escape_line`]).
pub fn cut(s: &str, w: usize) -> String {
    let spaced: String = s
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let s = escape_line(&spaced).into_owned();
    if width(&s) <= w {
        return s;
    }
    if w == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(w - 1).collect();
    out.push('…');
    out
}

/// An integer with thousands separators: `25,003`.
pub fn count(n: u64) -> String {
    group_digits(&n.to_string())
}

/// An amount: thousands separators, two decimals only when there are cents.
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let rounded = (x * 100.0).round() / 100.0;
    let negative = rounded < 0.0;
    let abs = rounded.abs();
    let text = if abs.fract() == 0.0 {
        format!("{abs:.0}")
    } else {
        format!("{abs:.2}")
    };
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text, None),
    };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group_digits(&int));
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    out
}

/// An optional amount; `-` when absent.
pub fn money_opt(x: Option<f64>) -> String {
    x.map(money).unwrap_or_else(|| "-".to_owned())
}

fn group_digits(digits: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A date for people: `2024-03-05 14:07` (UTC); `-` when absent.
pub fn date(d: Option<OffsetDateTime>) -> String {
    match d {
        Some(d) => {
            let d = d.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute()
            )
        }
        None => "-".to_owned(),
    }
}

/// A proportional bar of `width` cells for `part / whole`, in eighths of a cell.
pub fn bar(part: f64, whole: f64, width: usize) -> String {
    const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    if whole.is_nan() || part.is_nan() || whole <= 0.0 || part <= 0.0 {
        return String::new();
    }
    let eighths = ((part / whole).min(1.0) * (width * 8) as f64).round() as usize;
    let mut out: String = std::iter::repeat_n('█', eighths / 8).collect();
    if !eighths.is_multiple_of(8) {
        out.push(EIGHTHS[eighths % 8]);
    }
    if out.is_empty() {
        // Never hide a non-empty group entirely.
        out.push('▏');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(money(9989.728), "9,989.73");
        assert_eq!(money(-1500.0), "-1,500");
        assert_eq!(money(100.0), "100");
    }

    #[test]
    fn bars_and_cuts() {
        assert_eq!(bar(1.0, 1.0, 4), "████");
        assert_eq!(bar(1.0, 2.0, 4), "██");
        assert_eq!(bar(0.0, 2.0, 4), "");
        assert_eq!(bar(1.0, 1000.0, 4), "▏");
        assert_eq!(cut("Иван Петров", 6), "Иван …");
        assert_eq!(cut("a\nb", 5), "a b");
        assert_eq!(cut("\u{1b}[31mred", 20), "\\u{1b}[31mred");
    }

    #[test]
    fn terminal_escapes() {
        assert_eq!(escape_line("plain Иван"), "plain Иван");
        assert!(matches!(escape_line("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape_line("a\u{1b}]52;c;x\u{7}b\nc\u{9b}d\u{202e}e\u{7f}"),
            "a\\u{1b}]52;c;x\\u{7}b\\nc\\u{9b}d\\u{202e}e\\u{7f}"
        );
        assert_eq!(escape_text("one\ntwo\u{1b}[2J"), "one\ntwo\\u{1b}[2J");
        let mut t = Table::new(vec![Column::text("A", 10), Column::number("N")]);
        let line = t.line(&["\u{1b}[2J".into(), "1\u{1b}".into()]);
        assert!(!line.contains('\u{1b}'), "{line:?}");
    }

    #[test]
    fn tables_align() {
        let t = Table::new(vec![Column::text("NAME", 10), Column::number("N")]);
        let text = t.render(&[
            vec!["a".into(), "1".into()],
            vec!["longer name here".into(), "1,000".into()],
        ]);
        assert_eq!(
            text,
            "NAME            N\na               1\nlonger na…  1,000\n"
        );
    }
}
