//! Client-side validation errors: what the reference implies before a request is sent.

use std::fmt;

/// Input that Roistat would refuse or silently mangle, caught before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// An id was empty or only whitespace.
    EmptyId {
        /// Which id: `"order id"`, `"status id"`, ...
        kind: &'static str,
    },
    /// An id is longer than [`MAX_ID_LEN`](crate::MAX_ID_LEN) bytes: it could not be
    /// put into a request's URL.
    IdTooLong {
        /// Which id: `"order id"`, `"status id"`, ...
        kind: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A custom field value is longer than Roistat stores.
    FieldTooLong {
        /// The field's name.
        field: String,
        /// Its length in characters.
        len: usize,
        /// The limit ([`MAX_FIELD_LEN`](crate::MAX_FIELD_LEN)).
        max: usize,
    },
    /// A date that is in none of the accepted forms.
    InvalidDate {
        /// The text as given.
        input: String,
    },
    /// A status type outside `unused`, `progress`, `paid`, `canceled`.
    InvalidStatusType {
        /// The text as given.
        input: String,
    },
    /// A status funnel outside in-work (0), paid (1), canceled (2).
    InvalidStatusFunnel {
        /// The text as given.
        input: String,
    },
    /// A project number that is not a positive integer.
    InvalidProjectId {
        /// The text as given.
        input: String,
    },
    /// A number that is not finite or not a number at all.
    InvalidNumber {
        /// Which value.
        field: String,
        /// The text as given.
        input: String,
    },
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyId { kind } => write!(f, "{kind} must not be empty"),
            Self::IdTooLong { kind, len, max } => write!(
                f,
                "{kind} is {len} bytes long; at most {max} are accepted (ids travel in URLs)"
            ),
            Self::FieldTooLong { field, len, max } => write!(
                f,
                "custom field `{field}` is {len} characters long; Roistat stores at most {max}"
            ),
            Self::InvalidDate { input } => write!(
                f,
                "invalid date `{input}`: expected 2016-06-19T00:32:12+0000, RFC 3339, \
                 `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DD` (UTC)"
            ),
            Self::InvalidStatusType { input } => write!(
                f,
                "invalid status type `{input}`: expected unused, progress, paid or canceled"
            ),
            Self::InvalidStatusFunnel { input } => write!(
                f,
                "invalid status funnel `{input}`: expected in-work (0), paid (1) or canceled (2)"
            ),
            Self::InvalidProjectId { input } => {
                write!(f, "invalid project `{input}`: expected a positive integer")
            }
            Self::InvalidNumber { field, input } => {
                write!(f, "invalid number `{input}` for {field}")
            }
        }
    }
}

impl std::error::Error for ValidationError {}
