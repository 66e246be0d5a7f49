//! What could not be read in one row of a page, kept with the row.
//!
//! Live projects send rows that do not fit the documented shape (see
//! [`Order::decode_issues`](crate::Order::decode_issues)). Rather than fail the page, the
//! row is delivered with what could be read, and each part that could not is described
//! here with its raw JSON, so nothing is lost silently.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One part of a row that could not be read.
///
/// ```
/// use roistat_types::OrderList;
///
/// let page: OrderList = serde_json::from_str(r#"{"data": [
///     {"id": "1", "creation_date": "2016-06-19T00:32:12+0000"},
///     {"id": "2", "creation_date": "yesterday", "revenue": "1500"}
/// ], "total": 2}"#)?;
/// assert!(!page.data[0].is_partial());
/// let odd = &page.data[1];
/// assert!(odd.is_partial());
/// assert_eq!(odd.revenue, Some(1500.0)); // the rest of the row is read
/// let issue = &odd.decode_issues[0];
/// assert_eq!(issue.path, "creation_date");
/// assert_eq!(issue.raw, "yesterday");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecodeIssue {
    /// Where, relative to the row: `creation_date`, `status.type`, `visit.geo`; empty
    /// when the row itself is not an object.
    pub path: String,
    /// What was wrong.
    pub message: String,
    /// The JSON that could not be read, as Roistat sent it (`null` when a required key
    /// was absent).
    pub raw: Value,
}

impl DecodeIssue {
    /// An issue at `path` (relative to the row).
    pub fn new(path: impl Into<String>, message: impl Into<String>, raw: Value) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
            raw,
        }
    }

    /// The path below a prefix such as `data[9]`: `data[9].status.type`, or the prefix
    /// itself for an issue with the whole row.
    pub fn path_under(&self, prefix: &str) -> String {
        match (prefix.is_empty(), self.path.is_empty()) {
            (_, true) => prefix.to_owned(),
            (true, false) => self.path.clone(),
            (false, false) => format!("{prefix}.{}", self.path),
        }
    }
}

impl fmt::Display for DecodeIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "the row: {}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_under_a_prefix() {
        let i = DecodeIssue::new("status.type", "bad", Value::Null);
        assert_eq!(i.path_under("data[9]"), "data[9].status.type");
        assert_eq!(i.path_under(""), "status.type");
        let whole = DecodeIssue::new("", "not an object", Value::from(5));
        assert_eq!(whole.path_under("data[3]"), "data[3]");
        assert_eq!(whole.to_string(), "the row: not an object");
        assert_eq!(i.to_string(), "status.type: bad");
    }
}
