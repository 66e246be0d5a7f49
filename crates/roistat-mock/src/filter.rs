//! Order-list filter evaluation. `roistat-types` parses and prints filters; what a
//! filter *means* against an order is decided here, as Roistat's SQL would:
//! comparisons with a null field are false, dates compare as instants, revenue and cost
//! as numbers, `like` is a case-insensitive substring, `status` compares the funnel.

use std::cmp::Ordering;

use roistat_types::{
    Condition, Filter, FilterField, FilterValue, Operator, Order, StatusFunnel, StatusType,
};
use time::OffsetDateTime;

use crate::error::ApiError;

/// Check what the API refuses before touching any order: fields it cannot filter on,
/// operators that make no sense for a field, and the reported `and`-of-one quirk.
pub(crate) fn validate(
    f: &Filter,
    custom_fields: &[String],
    single_and_quirk: bool,
) -> Result<(), ApiError> {
    match f {
        Filter::Condition(c) => validate_condition(c, custom_fields),
        Filter::And(children) if single_and_quirk && children.len() == 1 => Err(ApiError::new(
            roistat_types::ErrorCode::InternalError,
            "Internal error",
        )),
        Filter::And(children) | Filter::Or(children) => children
            .iter()
            .try_for_each(|c| validate(c, custom_fields, single_and_quirk)),
        _ => Err(ApiError::validation("Unsupported filter")),
    }
}

fn validate_condition(c: &Condition, custom_fields: &[String]) -> Result<(), ApiError> {
    let name = c.field.name();
    if let FilterField::Raw(raw) = &c.field {
        let why = if FilterField::refused_by_api(raw) {
            "filtering by this field is not supported"
        } else if custom_fields.iter().any(|f| f == raw) {
            "filtering by additional order fields is not supported"
        } else {
            "unknown field"
        };
        return Err(ApiError::validation(format!(
            "Invalid filter field `{raw}`: {why}"
        )));
    }
    let bad = |what: &str| {
        Err(ApiError::validation(format!(
            "Invalid filter for `{name}`: {what}"
        )))
    };
    match (c.op, &c.value) {
        (Operator::Null, FilterValue::Null(_)) => Ok(()),
        (Operator::Null, _) => bad("`null` takes 1 or 0"),
        (_, FilterValue::Null(_)) => bad("1/0 only go with the `null` operator"),
        (Operator::In, FilterValue::List(items)) => items
            .iter()
            .try_for_each(|v| check_value(&c.field, v).or_else(|e| bad(&e))),
        (Operator::In, _) => bad("`in` takes an array"),
        (_, FilterValue::List(_)) => bad("an array only goes with `in`"),
        (op, v) => {
            if c.field == FilterField::Status && !matches!(op, Operator::Eq | Operator::Ne) {
                return bad("status takes =, != or in");
            }
            check_value(&c.field, v).or_else(|e| bad(&e))
        }
    }
}

fn check_value(field: &FilterField, v: &FilterValue) -> Result<(), String> {
    match (field, v) {
        (FilterField::CreationDate | FilterField::UpdateDate, FilterValue::Date(_)) => Ok(()),
        (FilterField::CreationDate | FilterField::UpdateDate, FilterValue::Text(s)) => {
            roistat_types::date::parse(s)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        (FilterField::CreationDate | FilterField::UpdateDate, _) => Err("expected a date".into()),
        (FilterField::Revenue | FilterField::Cost, FilterValue::Number(_)) => Ok(()),
        (FilterField::Revenue | FilterField::Cost, FilterValue::Text(s)) => s
            .trim()
            .parse::<f64>()
            .map(|_| ())
            .map_err(|_| format!("expected a number, got {s:?}")),
        (FilterField::Revenue | FilterField::Cost, _) => Err("expected a number".into()),
        (FilterField::Status, FilterValue::Text(_) | FilterValue::Number(_)) => Ok(()),
        (FilterField::Status, _) => Err("expected \"0\", \"1\" or \"2\"".into()),
        (_, FilterValue::Text(_) | FilterValue::Number(_)) => Ok(()),
        _ => Err("expected text".into()),
    }
}

/// Whether an order matches a (validated) filter.
pub(crate) fn matches(f: &Filter, o: &Order) -> bool {
    match f {
        Filter::Condition(c) => matches_condition(c, o),
        Filter::And(children) => children.iter().all(|c| matches(c, o)),
        Filter::Or(children) => children.iter().any(|c| matches(c, o)),
        _ => false,
    }
}

/// A field's value on an order.
enum Field<'a> {
    Text(&'a str),
    Number(f64),
    Date(OffsetDateTime),
    Status(Option<&'a roistat_types::Status>),
    Null,
}

fn field_of<'a>(field: &FilterField, o: &'a Order) -> Field<'a> {
    fn text(s: Option<&str>) -> Field<'_> {
        s.map_or(Field::Null, Field::Text)
    }
    match field {
        FilterField::Id => Field::Text(o.id.as_str()),
        FilterField::Url => text(o.url.as_deref()),
        FilterField::ClientId => text(o.client_id.as_ref().map(|c| c.as_str())),
        FilterField::VisitId => text(o.visit_id.as_ref().map(|c| c.as_str())),
        FilterField::CreationDate => o.creation_date.map_or(Field::Null, Field::Date),
        FilterField::UpdateDate => o.update_date.map_or(Field::Null, Field::Date),
        FilterField::Revenue => o.revenue.map_or(Field::Null, Field::Number),
        FilterField::Cost => o.cost.map_or(Field::Null, Field::Number),
        FilterField::Status => Field::Status(o.status.as_ref()),
        _ => Field::Null,
    }
}

fn matches_condition(c: &Condition, o: &Order) -> bool {
    let field = field_of(&c.field, o);
    let is_null = match &field {
        Field::Null => true,
        Field::Status(s) => s.is_none(),
        _ => false,
    };
    match (c.op, &c.value) {
        (Operator::Null, FilterValue::Null(want_null)) => is_null == *want_null,
        (Operator::In, FilterValue::List(items)) => items
            .iter()
            .any(|v| compare(&field, v) == Some(Ordering::Equal)),
        (Operator::Like, v) => like(&field, v),
        (op, v) => match compare(&field, v) {
            None => false,
            Some(ord) => match op {
                Operator::Eq => ord == Ordering::Equal,
                Operator::Ne => ord != Ordering::Equal,
                Operator::Gt => ord == Ordering::Greater,
                Operator::Ge => ord != Ordering::Less,
                Operator::Lt => ord == Ordering::Less,
                Operator::Le => ord != Ordering::Greater,
                _ => false,
            },
        },
    }
}

fn value_text(v: &FilterValue) -> Option<String> {
    match v {
        FilterValue::Text(s) => Some(s.clone()),
        FilterValue::Number(n) => Some(number_text(*n)),
        FilterValue::Date(d) => Some(roistat_types::date::format(d)),
        _ => None,
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// How the order's field compares with the filter value (`None`: not comparable, e.g.
/// a null field, which SQL treats as unknown, hence false).
fn compare(field: &Field<'_>, v: &FilterValue) -> Option<Ordering> {
    match field {
        Field::Null => None,
        Field::Text(s) => {
            let t = value_text(v)?;
            // Numeric ids compare as numbers ("95101" > "9000").
            match (s.parse::<i64>(), t.parse::<i64>()) {
                (Ok(a), Ok(b)) => Some(a.cmp(&b)),
                _ => Some((*s).cmp(t.as_str())),
            }
        }
        Field::Number(n) => {
            let x = match v {
                FilterValue::Number(x) => *x,
                FilterValue::Text(s) => s.trim().parse().ok()?,
                _ => return None,
            };
            n.partial_cmp(&x)
        }
        Field::Date(d) => {
            let x = match v {
                FilterValue::Date(x) => *x,
                FilterValue::Text(s) => roistat_types::date::parse(s).ok()?,
                _ => return None,
            };
            Some(d.cmp(&x))
        }
        Field::Status(status) => {
            let status = (*status)?;
            let t = value_text(v)?;
            match StatusFunnel::from_wire(&t) {
                // "0" / "1" / "2": the funnel of the status type.
                Some(funnel) if matches!(t.as_str(), "0" | "1" | "2") => {
                    let of_order = funnel_of(&status.r#type)?;
                    Some(if of_order == funnel {
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

fn funnel_of(t: &StatusType) -> Option<StatusFunnel> {
    t.funnel()
}

/// Case-insensitive substring; `%` at either end of the pattern is a wildcard (SQL
/// `LIKE '%x%'`, which is what Roistat builds).
fn like(field: &Field<'_>, v: &FilterValue) -> bool {
    let hay = match field {
        Field::Null => return false,
        Field::Text(s) => (*s).to_string(),
        Field::Number(n) => number_text(*n),
        Field::Date(d) => roistat_types::date::format(d),
        Field::Status(s) => match s {
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
