//! The order-list filter DSL.
//!
//! A [`Filter`] is a tree of conditions joined by `and`/`or`. The typed builders only
//! offer the fields the order list can filter on (`id`, `url`, `creation_date`,
//! `update_date`, `revenue`, `cost`, `client_id`, `visit_id`, and `status` by funnel):
//! visit properties, custom fields and `source_type` are refused by the API, so they
//! cannot be written here. [`Filter::raw`] is the escape hatch for fields Roistat adds
//! later.
//!
//! A filter serializes exactly as the API expects (a lone condition in the flat form
//! `[[field, op, value]]`, since an `and` of one condition has been seen to fail), prints
//! as readable text, and parses that text back:
//!
//! ```
//! use roistat_types::{Filter, StatusFunnel};
//! use time::macros::datetime;
//!
//! let f = Filter::creation_date()
//!     .gt(datetime!(2016-05-21 21:00 UTC))
//!     .and(Filter::status(StatusFunnel::Canceled));
//! assert_eq!(f.to_string(), "creation_date > 2016-05-21T21:00:00+0000 and status = canceled");
//! assert_eq!(f.to_string().parse::<Filter>()?, f);
//!
//! let lone = Filter::id().in_(["1", "2"]);
//! assert_eq!(serde_json::to_string(&lone).unwrap(), r#"[["id","in",["1","2"]]]"#);
//! assert!("source_type = standard".parse::<Filter>().is_err());
//! # Ok::<(), roistat_types::FilterParseError>(())
//! ```

mod builders;
mod text;
mod wire;

pub use builders::{DateField, NumberField, TextField};
pub use text::FilterParseError;

use time::OffsetDateTime;

/// A filter over orders: a condition, or conditions joined by `and` / `or`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Filter {
    /// One condition.
    Condition(Condition),
    /// Every child must match.
    And(Vec<Filter>),
    /// At least one child must match.
    Or(Vec<Filter>),
}

/// One `[field, operator, value]` condition.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Condition {
    /// The field.
    pub field: FilterField,
    /// The operator.
    pub op: Operator,
    /// The value.
    pub value: FilterValue,
}

impl Condition {
    /// A condition. Prefer the typed builders ([`Filter::revenue`], ...), which only
    /// build conditions the API accepts.
    pub fn new(field: FilterField, op: Operator, value: FilterValue) -> Self {
        Self { field, op, value }
    }
}

/// A field the order list can filter on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FilterField {
    /// `id`: the deal id.
    Id,
    /// `url`: the deal's CRM page.
    Url,
    /// `creation_date`.
    CreationDate,
    /// `update_date`.
    UpdateDate,
    /// `revenue`.
    Revenue,
    /// `cost`.
    Cost,
    /// `client_id`.
    ClientId,
    /// `visit_id`.
    VisitId,
    /// `status`: by funnel, `"0"` in work, `"1"` paid, `"2"` canceled.
    Status,
    /// Any other name, sent as is ([`Filter::raw`]).
    Raw(String),
}

/// What kind of value a field compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldKind {
    /// Text (ids, URLs).
    Text,
    /// A date.
    Date,
    /// A number.
    Number,
    /// A status funnel.
    Funnel,
    /// Unknown (raw fields).
    Any,
}

impl FilterField {
    /// The typed fields, in documentation order.
    pub const ALL: [FilterField; 9] = [
        Self::Id,
        Self::Url,
        Self::CreationDate,
        Self::UpdateDate,
        Self::Revenue,
        Self::Cost,
        Self::ClientId,
        Self::VisitId,
        Self::Status,
    ];

    /// The wire name.
    pub fn name(&self) -> &str {
        match self {
            Self::Id => "id",
            Self::Url => "url",
            Self::CreationDate => "creation_date",
            Self::UpdateDate => "update_date",
            Self::Revenue => "revenue",
            Self::Cost => "cost",
            Self::ClientId => "client_id",
            Self::VisitId => "visit_id",
            Self::Status => "status",
            Self::Raw(s) => s,
        }
    }

    /// The typed field of that name, or [`FilterField::Raw`].
    pub fn from_name(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .unwrap_or_else(|| Self::Raw(name.to_owned()))
    }

    /// What the field compares.
    pub fn kind(&self) -> FieldKind {
        match self {
            Self::Id | Self::Url | Self::ClientId | Self::VisitId => FieldKind::Text,
            Self::CreationDate | Self::UpdateDate => FieldKind::Date,
            Self::Revenue | Self::Cost => FieldKind::Number,
            Self::Status => FieldKind::Funnel,
            Self::Raw(_) => FieldKind::Any,
        }
    }

    /// Whether the API refuses to filter the order list on this name: `source_type` and
    /// visit properties (`visit`, `visit.*`, `visit_*` other than `visit_id`). Custom
    /// fields are refused too but cannot be told apart by name.
    pub fn refused_by_api(name: &str) -> bool {
        name == "source_type"
            || name == "visit"
            || name.starts_with("visit.")
            || (name.starts_with("visit_") && name != "visit_id")
            || name == "custom_fields"
            || name.starts_with("custom_fields.")
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `like`: substring.
    Like,
    /// `in`: one of a list.
    In,
    /// `null`: value 1 means IS NULL, 0 IS NOT NULL.
    Null,
}

impl Operator {
    /// Every operator.
    pub const ALL: [Operator; 9] = [
        Self::Eq,
        Self::Ne,
        Self::Gt,
        Self::Ge,
        Self::Lt,
        Self::Le,
        Self::Like,
        Self::In,
        Self::Null,
    ];

    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Like => "like",
            Self::In => "in",
            Self::Null => "null",
        }
    }

    /// Reads the wire form (`like`, `in`, `null` in any case).
    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s))
    }
}

/// A condition's value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FilterValue {
    /// Text.
    Text(String),
    /// A number (finite).
    Number(f64),
    /// A date, sent in Roistat's form.
    Date(OffsetDateTime),
    /// A list, for `in`.
    List(Vec<FilterValue>),
    /// For `null`: `true` is IS NULL (sent as 1), `false` IS NOT NULL (sent as 0).
    Null(bool),
}

impl Filter {
    /// Both this and `other` (flattens nested `and`s).
    pub fn and(self, other: Filter) -> Filter {
        match self {
            Filter::And(mut v) => {
                v.push(other);
                Filter::And(v)
            }
            f => Filter::And(vec![f, other]),
        }
    }

    /// This or `other` (flattens nested `or`s).
    pub fn or(self, other: Filter) -> Filter {
        match self {
            Filter::Or(mut v) => {
                v.push(other);
                Filter::Or(v)
            }
            f => Filter::Or(vec![f, other]),
        }
    }

    /// All of these.
    pub fn all(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter::And(filters.into_iter().collect())
    }

    /// Any of these.
    pub fn any(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter::Or(filters.into_iter().collect())
    }

    /// Orders whose status belongs to a funnel.
    pub fn status(funnel: crate::StatusFunnel) -> Filter {
        Filter::Condition(Condition::new(
            FilterField::Status,
            Operator::Eq,
            FilterValue::Text(funnel.as_wire().to_owned()),
        ))
    }

    /// The escape hatch: a condition on any field name, sent as is. The API refuses
    /// some fields (see [`FilterField::refused_by_api`]); this does not check.
    pub fn raw(field: impl Into<String>, op: Operator, value: FilterValue) -> Filter {
        Filter::Condition(Condition::new(
            FilterField::from_name(&field.into()),
            op,
            value,
        ))
    }

    /// The conditions of this filter, depth first.
    pub fn conditions(&self) -> Vec<&Condition> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Condition>) {
        match self {
            Filter::Condition(c) => out.push(c),
            Filter::And(v) | Filter::Or(v) => v.iter().for_each(|f| f.collect(out)),
        }
    }
}

impl From<Condition> for Filter {
    fn from(c: Condition) -> Self {
        Filter::Condition(c)
    }
}
