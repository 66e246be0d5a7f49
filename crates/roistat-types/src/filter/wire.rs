//! The JSON form of a filter, exactly as the order list expects it.
//!
//! Top level: a lone condition (or a one-element group) goes in the flat form
//! `[[field, op, value]]`, because `{"and": [one]}` has been answered with
//! `internal_error`; larger groups are `{"and": [...]}` / `{"or": [...]}`.
//! Reading accepts every form the API accepts. Filters are small and not on a hot path,
//! so reading goes through `serde_json::Value` for clear messages.

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Condition, FieldKind, Filter, FilterField, FilterValue, Operator};
use crate::lenient::serialize_number;

/// Drops one-element groups: `and(x)` means `x`.
fn collapse(f: &Filter) -> &Filter {
    match f {
        Filter::And(v) | Filter::Or(v) if v.len() == 1 => collapse(&v[0]),
        other => other,
    }
}

impl Serialize for Filter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match collapse(self) {
            Filter::Condition(c) => {
                let mut seq = s.serialize_seq(Some(1))?;
                seq.serialize_element(c)?;
                seq.end()
            }
            group => Nested(group).serialize(s),
        }
    }
}

/// A filter inside a group: conditions as bare arrays.
struct Nested<'a>(&'a Filter);

impl Serialize for Nested<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (key, children) = match collapse(self.0) {
            Filter::Condition(c) => return c.serialize(s),
            Filter::And(v) => ("and", v),
            Filter::Or(v) => ("or", v),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(key, &Children(children))?;
        map.end()
    }
}

struct Children<'a>(&'a [Filter]);

impl Serialize for Children<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for f in self.0 {
            seq.serialize_element(&Nested(f))?;
        }
        seq.end()
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(3))?;
        seq.serialize_element(self.field.name())?;
        seq.serialize_element(self.op.as_str())?;
        seq.serialize_element(&self.value)?;
        seq.end()
    }
}

impl Serialize for FilterValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FilterValue::Text(t) => s.serialize_str(t),
            FilterValue::Number(n) => serialize_number(*n, s),
            FilterValue::Date(d) => s.serialize_str(&crate::date::format(d)),
            FilterValue::List(v) => v.serialize(s),
            FilterValue::Null(is_null) => s.serialize_u8(u8::from(*is_null)),
        }
    }
}

impl<'de> Deserialize<'de> for Filter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        filter_from_value(&v, 0).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        condition_from_value(&v).map_err(de::Error::custom)
    }
}

/// Deeper trees are refused rather than recursed into without bound.
const MAX_DEPTH: usize = 32;

/// Reads any accepted filter form from JSON.
pub(crate) fn filter_from_value(v: &Value, depth: usize) -> Result<Filter, String> {
    if depth > MAX_DEPTH {
        return Err(format!("filter nested deeper than {MAX_DEPTH} levels"));
    }
    match v {
        // A flat list: [[f, op, v], ...] (an implicit `and`), or a lone [f, op, v].
        Value::Array(items) => {
            if items.first().is_some_and(Value::is_string) {
                return condition_from_value(v).map(Filter::Condition);
            }
            let mut children = items
                .iter()
                .map(|i| filter_from_value(i, depth + 1))
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
                return Err(
                    "a filter group must be an object with exactly one key, `and` or `or`".into(),
                );
            };
            let Value::Array(items) = inner else {
                return Err(format!("`{key}` must hold an array of conditions"));
            };
            let children = items
                .iter()
                .map(|i| filter_from_value(i, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            match key.to_ascii_lowercase().as_str() {
                "and" => Ok(Filter::And(children)),
                "or" => Ok(Filter::Or(children)),
                _ => Err(format!(
                    "unknown filter group `{key}`: expected `and` or `or`"
                )),
            }
        }
        other => Err(format!(
            "a filter must be an array of conditions or an and/or object, got {}",
            kind_of(other)
        )),
    }
}

fn condition_from_value(v: &Value) -> Result<Condition, String> {
    let Value::Array(parts) = v else {
        return Err(format!(
            "a condition must be [field, operator, value], got {}",
            kind_of(v)
        ));
    };
    let [field, op, value] = parts.as_slice() else {
        return Err(format!(
            "a condition must have 3 elements [field, operator, value], got {}",
            parts.len()
        ));
    };
    let Value::String(field) = field else {
        return Err(format!(
            "a condition's field must be a string, got {}",
            kind_of(field)
        ));
    };
    let Value::String(op_text) = op else {
        return Err(format!(
            "the operator of `{field}` must be a string, got {}",
            kind_of(op)
        ));
    };
    let op = Operator::from_wire(op_text).ok_or_else(|| {
        format!("unknown operator `{op_text}` for `{field}`: expected =, !=, >, >=, <, <=, like, in or null")
    })?;
    let field = FilterField::from_name(field);
    let value = value_from_json(&field, op, value)?;
    Ok(Condition::new(field, op, value))
}

fn value_from_json(field: &FilterField, op: Operator, v: &Value) -> Result<FilterValue, String> {
    let name = field.name();
    match op {
        Operator::Null => match v {
            Value::Bool(b) => Ok(FilterValue::Null(*b)),
            Value::Number(n) if n.as_f64() == Some(1.0) => Ok(FilterValue::Null(true)),
            Value::Number(n) if n.as_f64() == Some(0.0) => Ok(FilterValue::Null(false)),
            Value::String(s) if s == "1" => Ok(FilterValue::Null(true)),
            Value::String(s) if s == "0" => Ok(FilterValue::Null(false)),
            other => Err(format!(
                "`{name} null` takes 1 (is null) or 0 (is not null), got {other}"
            )),
        },
        Operator::In => match v {
            Value::Array(items) => items
                .iter()
                .map(|i| scalar(field, i))
                .collect::<Result<Vec<_>, _>>()
                .map(FilterValue::List),
            other => Err(format!(
                "`{name} in` takes an array, got {}",
                kind_of(other)
            )),
        },
        _ => scalar(field, v),
    }
}

fn scalar(field: &FilterField, v: &Value) -> Result<FilterValue, String> {
    let name = field.name();
    match (field.kind(), v) {
        (FieldKind::Date, Value::String(s)) => crate::date::parse(s)
            .map(FilterValue::Date)
            .map_err(|e| format!("`{name}`: {e}")),
        (FieldKind::Number, Value::Number(n)) | (FieldKind::Any, Value::Number(n)) => n
            .as_f64()
            .filter(|x| x.is_finite())
            .map(FilterValue::Number)
            .ok_or_else(|| format!("`{name}`: number out of range")),
        (FieldKind::Number, Value::String(s)) => match crate::lenient::parse_number_str(s) {
            Ok(Some(x)) => Ok(FilterValue::Number(x)),
            _ => Err(format!("`{name}` takes a number, got the string {s:?}")),
        },
        (FieldKind::Text | FieldKind::Funnel | FieldKind::Any, Value::String(s)) => {
            Ok(FilterValue::Text(s.clone()))
        }
        (FieldKind::Text | FieldKind::Funnel, Value::Number(n)) => {
            Ok(FilterValue::Text(n.to_string()))
        }
        (_, other) => Err(format!(
            "`{name}` cannot be compared with {}",
            kind_of(other)
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StatusFunnel;
    use time::macros::datetime;

    fn json(f: &Filter) -> String {
        serde_json::to_string(f).unwrap()
    }

    #[test]
    fn reference_example_round_trips() {
        let wire = r#"{"and":[["creation_date",">","2016-05-21T21:00:00+0000"],["creation_date","<","2016-05-22T21:00:00+0000"],["status","=","2"]]}"#;
        let f: Filter = serde_json::from_str(wire).unwrap();
        let built = Filter::creation_date()
            .gt(datetime!(2016-05-21 21:00 UTC))
            .and(Filter::creation_date().lt(datetime!(2016-05-22 21:00 UTC)))
            .and(Filter::status(StatusFunnel::Canceled));
        assert_eq!(f, built);
        assert_eq!(json(&built), wire);
    }

    #[test]
    fn lone_conditions_use_the_flat_form() {
        let one = Filter::revenue().ge(10);
        assert_eq!(json(&one), r#"[["revenue",">=",10]]"#);
        assert_eq!(
            json(&Filter::all([one.clone()])),
            r#"[["revenue",">=",10]]"#
        );
        let nested = Filter::all([Filter::any([one.clone()]), Filter::cost().lt(2.5)]);
        assert_eq!(
            json(&nested),
            r#"{"and":[["revenue",">=",10],["cost","<",2.5]]}"#
        );
    }

    #[test]
    fn nested_groups_and_every_operator_serialize() {
        let f = Filter::id()
            .in_(["1", "2"])
            .and(Filter::url().like("amo").or(Filter::client_id().is_null()))
            .and(Filter::visit_id().is_not_null())
            .and(Filter::update_date().ne(datetime!(2020-01-01 0:00 UTC)));
        assert_eq!(
            json(&f),
            r#"{"and":[["id","in",["1","2"]],{"or":[["url","like","amo"],["client_id","null",1]]},["visit_id","null",0],["update_date","!=","2020-01-01T00:00:00+0000"]]}"#
        );
        let back: Filter = serde_json::from_str(&json(&f)).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn flat_list_reads_as_and() {
        let f: Filter = serde_json::from_str(r#"[["revenue",">","5"],["status","=",1]]"#).unwrap();
        assert_eq!(
            f,
            Filter::revenue()
                .gt(5)
                .and(Filter::status(StatusFunnel::Paid))
        );
    }

    #[test]
    fn bad_filters_are_refused_with_a_reason() {
        for (wire, needle) in [
            (r#"[["revenue","~",1]]"#, "unknown operator"),
            (r#"[["revenue",">"]]"#, "3 elements"),
            (r#"[["creation_date",">","yesterday"]]"#, "invalid date"),
            (r#"[["revenue",">","lots"]]"#, "takes a number"),
            (r#"[["id","in","1"]]"#, "takes an array"),
            (r#"[["id","null",5]]"#, "takes 1"),
            (r#"{"xor":[]}"#, "unknown filter group"),
            (r#"{"and":[],"or":[]}"#, "exactly one key"),
            (r#""id = 1""#, "must be an array"),
        ] {
            let err = serde_json::from_str::<Filter>(wire)
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{wire}: {err}");
        }
        let deep = format!("{}{}", r#"{"and":["#.repeat(40), "]}".repeat(40));
        assert!(serde_json::from_str::<Filter>(&deep).is_err());
    }
}
