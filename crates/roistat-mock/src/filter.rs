//! Order-list filters: read from the request's JSON by the reference's rules (the mock's
//! own reading, independent of `roistat-types`, so that a wire-format mistake there is
//! caught by tests against the mock instead of being mirrored), and evaluated against
//! an order as Roistat's SQL would: comparisons with a null field are false, dates
//! compare as instants, revenue and cost as numbers, `like` is a case-insensitive
//! substring, `status` compares the funnel.
//!
//! The forms the API takes: a condition `[field, operator, value]`; a flat list of
//! conditions (an implicit `and`); `{"and": [...]}` / `{"or": [...]}` with conditions,
//! flat lists or groups inside, nested. Operators `=`, `!=`, `>`, `>=`, `<`, `<=`,
//! `like`, `in` (an array value), `null` (1: is null, 0: is not null).

use std::cmp::Ordering;

use roistat_types::{ErrorCode, Order, Status, StatusType};
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::parse::{format_date, json_kind, parse_date, truncate};

/// How deep groups may nest before the filter is refused.
const MAX_DEPTH: usize = 32;

/// A parsed, validated filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    Cond(Cond),
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

/// One condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cond {
    field: Field,
    op: Op,
    value: Val,
}

/// The order fields the list can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    Url,
    ClientId,
    VisitId,
    CreationDate,
    UpdateDate,
    Revenue,
    Cost,
    Status,
}

impl Field {
    fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "id" => Field::Id,
            "url" => Field::Url,
            "client_id" => Field::ClientId,
            "visit_id" => Field::VisitId,
            "creation_date" => Field::CreationDate,
            "update_date" => Field::UpdateDate,
            "revenue" => Field::Revenue,
            "cost" => Field::Cost,
            "status" => Field::Status,
            _ => return None,
        })
    }

    fn is_date(self) -> bool {
        matches!(self, Field::CreationDate | Field::UpdateDate)
    }

    fn is_number(self) -> bool {
        matches!(self, Field::Revenue | Field::Cost)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    In,
    Null,
}

impl Op {
    fn from_wire(s: &str) -> Option<Op> {
        Some(match s.to_ascii_lowercase().as_str() {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            "like" => Op::Like,
            "in" => Op::In,
            "null" => Op::Null,
            _ => return None,
        })
    }
}

/// A condition's value, already read as the field's kind.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Text(String),
    Number(f64),
    Date(OffsetDateTime),
    List(Vec<Val>),
    IsNull(bool),
}

/// Read the `filters` value of an order-list request. `Ok(None)`: no filter (`null`,
/// `[]`, `{}`).
pub(crate) fn parse(
    v: &Value,
    custom_fields: &[String],
    single_and_quirk: bool,
) -> Result<Option<Filter>, ApiError> {
    let empty = match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    if empty {
        return Ok(None);
    }
    let reader = Reader {
        custom_fields,
        single_and_quirk,
    };
    reader.filter(v, 0).map(Some)
}

struct Reader<'a> {
    custom_fields: &'a [String],
    single_and_quirk: bool,
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::validation(format!("Invalid filters: {}", msg.into()))
}

impl Reader<'_> {
    fn filter(&self, v: &Value, depth: usize) -> Result<Filter, ApiError> {
        if depth > MAX_DEPTH {
            return Err(invalid(format!(
                "filters nested deeper than {MAX_DEPTH} levels"
            )));
        }
        match v {
            // A condition starts with its field name; anything else is a flat list.
            Value::Array(items) if items.first().is_some_and(Value::is_string) => {
                self.condition(items).map(Filter::Cond)
            }
            Value::Array(items) => {
                let mut children = items
                    .iter()
                    .map(|i| self.filter(i, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if children.len() == 1 {
                    children.remove(0)
                } else {
                    Filter::And(children)
                })
            }
            Value::Object(map) => {
                let mut entries = map.iter();
                let (Some((key, inner)), None) = (entries.next(), entries.next()) else {
                    return Err(invalid(
                        "a group must be an object with exactly one key, `and` or `or`",
                    ));
                };
                let and = match key.to_ascii_lowercase().as_str() {
                    "and" => true,
                    "or" => false,
                    _ => {
                        return Err(invalid(format!(
                            "unknown group `{}`: expected `and` or `or`",
                            truncate(key, 64)
                        )));
                    }
                };
                let Value::Array(items) = inner else {
                    return Err(invalid(format!(
                        "`{key}` must hold an array, got {}",
                        json_kind(inner)
                    )));
                };
                if and && self.single_and_quirk && items.len() == 1 {
                    // Reported by other clients: an `and` of exactly one condition
                    // fails inside Roistat.
                    return Err(ApiError::new(ErrorCode::InternalError, "Internal error"));
                }
                let children = items
                    .iter()
                    .map(|i| self.filter(i, depth + 1))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if and {
                    Filter::And(children)
                } else {
                    Filter::Or(children)
                })
            }
            other => Err(invalid(format!(
                "expected a list of conditions or an and/or object, got {}",
                json_kind(other)
            ))),
        }
    }

    fn condition(&self, parts: &[Value]) -> Result<Cond, ApiError> {
        let [field, op, value] = parts else {
            return Err(invalid(format!(
                "a condition is [field, operator, value], got {} elements",
                parts.len()
            )));
        };
        let Value::String(name) = field else {
            return Err(invalid("a condition's field must be a string"));
        };
        let name = name.as_str();
        let field = Field::from_name(name).ok_or_else(|| {
            let why = if refused_by_api(name) {
                "filtering by this field is not supported"
            } else if self.custom_fields.iter().any(|f| f == name) {
                "filtering by additional order fields is not supported"
            } else {
                "unknown field"
            };
            invalid(format!("field `{}`: {why}", truncate(name, 64)))
        })?;
        let Value::String(op_text) = op else {
            return Err(invalid(format!(
                "the operator of `{name}` must be a string, got {}",
                json_kind(op)
            )));
        };
        let op = Op::from_wire(op_text).ok_or_else(|| {
            invalid(format!(
                "unknown operator `{}` for `{name}`: expected =, !=, >, >=, <, <=, like, in or null",
                truncate(op_text, 32)
            ))
        })?;
        let bad = |what: String| invalid(format!("`{name}`: {what}"));
        let value = match op {
            Op::Null => Val::IsNull(match value {
                Value::Bool(b) => *b,
                Value::Number(n) if n.as_f64() == Some(1.0) => true,
                Value::Number(n) if n.as_f64() == Some(0.0) => false,
                Value::String(s) if s == "1" => true,
                Value::String(s) if s == "0" => false,
                other => {
                    return Err(bad(format!(
                        "`null` takes 1 (is null) or 0 (is not null), got {}",
                        truncate(&other.to_string(), 64)
                    )));
                }
            }),
            Op::In => match value {
                Value::Array(items) => Val::List(
                    items
                        .iter()
                        .map(|i| scalar(field, i).map_err(&bad))
                        .collect::<Result<_, _>>()?,
                ),
                other => {
                    return Err(bad(format!(
                        "`in` takes an array, got {}",
                        json_kind(other)
                    )));
                }
            },
            op => {
                if field == Field::Status && !matches!(op, Op::Eq | Op::Ne) {
                    return Err(bad("status takes =, != or in".into()));
                }
                scalar(field, value).map_err(&bad)?
            }
        };
        Ok(Cond { field, op, value })
    }
}

/// Names the API refuses to filter on: `source_type`, visit properties, custom fields.
fn refused_by_api(name: &str) -> bool {
    name == "source_type"
        || name == "visit"
        || name.starts_with("visit.")
        || (name.starts_with("visit_") && name != "visit_id")
        || name == "custom_fields"
        || name.starts_with("custom_fields.")
}

/// One comparison value, read as the field's kind.
fn scalar(field: Field, v: &Value) -> Result<Val, String> {
    match v {
        Value::String(s) if field.is_date() => parse_date(s)
            .map(Val::Date)
            .ok_or_else(|| format!("not a date: {:?}", truncate(s, 64))),
        Value::String(s) if field.is_number() => match s.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Val::Number(x)),
            _ => Err(format!("expected a number, got {:?}", truncate(s, 64))),
        },
        Value::Number(n) if field.is_number() => n
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Val::Number)
            .ok_or_else(|| "number out of range".to_string()),
        Value::String(s) if !field.is_date() => Ok(Val::Text(s.clone())),
        Value::Number(n) if !field.is_date() => Ok(Val::Text(n.to_string())),
        other => Err(format!("cannot be compared with {}", json_kind(other))),
    }
}

/// Whether an order matches a filter.
pub(crate) fn matches(f: &Filter, o: &Order) -> bool {
    match f {
        Filter::Cond(c) => matches_condition(c, o),
        Filter::And(children) => children.iter().all(|c| matches(c, o)),
        Filter::Or(children) => children.iter().any(|c| matches(c, o)),
    }
}

/// A field's value on an order.
enum Actual<'a> {
    Text(&'a str),
    Number(f64),
    Date(OffsetDateTime),
    Status(Option<&'a Status>),
    Null,
}

fn field_of(field: Field, o: &Order) -> Actual<'_> {
    fn text(s: Option<&str>) -> Actual<'_> {
        s.map_or(Actual::Null, Actual::Text)
    }
    match field {
        Field::Id => Actual::Text(o.id.as_str()),
        Field::Url => text(o.url.as_deref()),
        Field::ClientId => text(o.client_id.as_ref().map(|c| c.as_str())),
        Field::VisitId => text(o.visit_id.as_ref().map(|c| c.as_str())),
        Field::CreationDate => o.creation_date.map_or(Actual::Null, Actual::Date),
        Field::UpdateDate => o.update_date.map_or(Actual::Null, Actual::Date),
        Field::Revenue => o.revenue.map_or(Actual::Null, Actual::Number),
        Field::Cost => o.cost.map_or(Actual::Null, Actual::Number),
        Field::Status => Actual::Status(o.status.as_ref()),
    }
}

fn matches_condition(c: &Cond, o: &Order) -> bool {
    let field = field_of(c.field, o);
    let is_null = match &field {
        Actual::Null => true,
        Actual::Status(s) => s.is_none(),
        _ => false,
    };
    match (c.op, &c.value) {
        (Op::Null, Val::IsNull(want_null)) => is_null == *want_null,
        (Op::In, Val::List(items)) => items
            .iter()
            .any(|v| compare(&field, v) == Some(Ordering::Equal)),
        (Op::Like, v) => like(&field, v),
        (op, v) => match compare(&field, v) {
            None => false,
            Some(ord) => match op {
                Op::Eq => ord == Ordering::Equal,
                Op::Ne => ord != Ordering::Equal,
                Op::Gt => ord == Ordering::Greater,
                Op::Ge => ord != Ordering::Less,
                Op::Lt => ord == Ordering::Less,
                Op::Le => ord != Ordering::Greater,
                Op::Like | Op::In | Op::Null => false,
            },
        },
    }
}

fn value_text(v: &Val) -> Option<String> {
    match v {
        Val::Text(s) => Some(s.clone()),
        Val::Number(n) => Some(number_text(*n)),
        Val::Date(d) => Some(format_date(d)),
        Val::List(_) | Val::IsNull(_) => None,
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// The status filter's funnel values: "0" in work (unused and progress), "1" paid,
/// "2" cancelled. A status without a group is in no funnel.
fn funnel(t: &StatusType) -> Option<u8> {
    match t {
        StatusType::Unused | StatusType::Progress => Some(0),
        StatusType::Paid => Some(1),
        StatusType::Canceled => Some(2),
        _ => None,
    }
}

/// How the order's field compares with the filter value (`None`: not comparable, e.g.
/// a null field, which SQL treats as unknown, hence false).
fn compare(field: &Actual<'_>, v: &Val) -> Option<Ordering> {
    match field {
        Actual::Null => None,
        Actual::Text(s) => {
            let t = value_text(v)?;
            // Numeric ids compare as numbers ("95101" > "9000").
            match (s.parse::<i64>(), t.parse::<i64>()) {
                (Ok(a), Ok(b)) => Some(a.cmp(&b)),
                _ => Some((*s).cmp(t.as_str())),
            }
        }
        Actual::Number(n) => match v {
            Val::Number(x) => n.partial_cmp(x),
            _ => None,
        },
        Actual::Date(d) => match v {
            Val::Date(x) => Some(d.cmp(x)),
            _ => None,
        },
        Actual::Status(status) => {
            let status = (*status)?;
            let t = value_text(v)?;
            match t.as_str() {
                "0" | "1" | "2" => {
                    let want = t.parse::<u8>().ok()?;
                    let of_order = funnel(&status.r#type)?;
                    Some(if of_order == want {
                        Ordering::Equal
                    } else {
                        Ordering::Less
                    })
                }
                // Anything else: the status id.
                _ => Some(status.id.as_str().cmp(t.as_str())),
            }
        }
    }
}

/// Case-insensitive substring; `%` at either end of the pattern is a wildcard (SQL
/// `LIKE '%x%'`, which is what Roistat builds).
fn like(field: &Actual<'_>, v: &Val) -> bool {
    let hay = match field {
        Actual::Null => return false,
        Actual::Text(s) => (*s).to_string(),
        Actual::Number(n) => number_text(*n),
        Actual::Date(d) => format_date(d),
        Actual::Status(s) => match s {
            Some(s) => s.id.as_str().to_string(),
            None => return false,
        },
    };
    let Some(pattern) = value_text(v) else {
        return false;
    };
    let needle = pattern.trim_matches('%').to_lowercase();
    hay.to_lowercase().contains(&needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<Option<Filter>, ApiError> {
        parse(&v, &["Manager".to_string()], true)
    }

    #[test]
    fn every_form_reads_to_the_same_tree() {
        let cond = |v| {
            Filter::Cond(Cond {
                field: Field::Id,
                op: Op::Eq,
                value: Val::Text(v),
            })
        };
        // A lone condition, a flat list of one, and numbers as ids.
        assert_eq!(
            read(json!(["id", "=", "1"])).unwrap(),
            Some(cond("1".into()))
        );
        assert_eq!(
            read(json!([["id", "=", 1]])).unwrap(),
            Some(cond("1".into()))
        );
        assert_eq!(
            read(json!([["id", "=", "1"], ["id", "=", "2"]])).unwrap(),
            Some(Filter::And(vec![cond("1".into()), cond("2".into())]))
        );
        assert_eq!(
            read(json!({"OR": [["id", "=", "1"], {"and": [["id", "=", "2"], ["id", "=", "3"]]}]}))
                .unwrap(),
            Some(Filter::Or(vec![
                cond("1".into()),
                Filter::And(vec![cond("2".into()), cond("3".into())])
            ]))
        );
        for empty in [json!(null), json!([]), json!({})] {
            assert_eq!(read(empty).unwrap(), None);
        }
    }

    #[test]
    fn values_take_the_fields_kind() {
        let Some(Filter::Cond(c)) = read(json!([["revenue", ">=", " 12.5 "]])).unwrap() else {
            panic!()
        };
        assert_eq!(c.value, Val::Number(12.5));
        let Some(Filter::Cond(c)) =
            read(json!([["creation_date", "<", "2016-05-22T13:00:00+03:00"]])).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            c.value,
            Val::Date(parse_date("2016-05-22T10:00:00Z").unwrap())
        );
        let Some(Filter::Cond(c)) = read(json!([["url", "NULL", "0"]])).unwrap() else {
            panic!()
        };
        assert_eq!((c.op, c.value), (Op::Null, Val::IsNull(false)));
        let Some(Filter::Cond(c)) = read(json!([["status", "in", ["1", 2]]])).unwrap() else {
            panic!()
        };
        assert_eq!(
            c.value,
            Val::List(vec![Val::Text("1".into()), Val::Text("2".into())])
        );
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        for (v, mention) in [
            (json!([["Manager", "=", "x"]]), "additional order fields"),
            (json!([["visit.host", "like", "x"]]), "not supported"),
            (json!([["nope", "=", "x"]]), "unknown field"),
            (json!([["id", "~=", "1"]]), "~="),
            (json!([["creation_date", ">", "2016-13-01"]]), "not a date"),
            (json!([["id", "in", "1"]]), "array"),
            (json!([["status", ">", "1"]]), "status"),
            (json!({"nand": []}), "nand"),
            (json!("id = 1"), "a string"),
        ] {
            let e = read(v.clone()).unwrap_err();
            assert_eq!(e.code, ErrorCode::RequestDataValidationError, "{v}");
            assert!(e.description.contains(mention), "{v}: {}", e.description);
        }
        let e = read(json!({"and": [["id", "=", "1"]]})).unwrap_err();
        assert_eq!(e.code, ErrorCode::InternalError);
        let mut deep = json!(["id", "=", "1"]);
        for _ in 0..40 {
            deep = json!({"and": [deep, ["id", "=", "2"]]});
        }
        assert!(read(deep).unwrap_err().description.contains("deeper"));
    }
}
