//! Reading what clients send, from JSON, by the reference's rules: the order-list
//! parameters, add-orders batches, status dictionaries and status updates.
//!
//! The mock reads requests itself instead of with `roistat-types`' models: a wire
//! mistake in those models would otherwise be mirrored here and invisible in every
//! client-against-mock test. What the reference leaves open follows what live
//! projects accept (numbers as numeric strings, `null` for an absent parameter,
//! unknown keys ignored).

use serde_json::{Map, Value};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::error::ApiError;
use crate::filter::{self, Filter};

/// The order list's page size when the request names none.
pub const DEFAULT_LIMIT: u64 = 1000;

/// The longest custom field value add-orders stores, in characters.
pub(crate) const MAX_FIELD_LEN: usize = 1000;

/// A parsed order-list request.
#[derive(Debug)]
pub(crate) struct ListParams {
    pub filter: Option<Filter>,
    pub with_visits: bool,
    /// As asked (the tier depends on it); the page cap applies when serving.
    pub limit: u64,
    pub offset: u64,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            filter: None,
            with_visits: false,
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::incorrect(format!("Malformed JSON in request body: {e}"))
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// Read an order-list request from the JSON body, or for GET without a body from the
/// query (`filters` as JSON, `extend` as `visit` or JSON, `limit`, `offset`).
pub(crate) fn list_params(
    body: &[u8],
    query: &[(String, String)],
    custom_fields: &[String],
    single_and_quirk: bool,
) -> Result<ListParams, ApiError> {
    let mut obj = Map::new();
    if body.iter().any(|b| !b.is_ascii_whitespace()) {
        match serde_json::from_slice::<Value>(body).map_err(|e| malformed(&e))? {
            Value::Object(m) => obj = m,
            other => {
                return Err(ApiError::incorrect(format!(
                    "The request body must be a JSON object, got {}",
                    json_kind(&other)
                )));
            }
        }
    } else {
        for (k, v) in query {
            let key = k.trim_end_matches("[]");
            let parsed = match key {
                "filters" => serde_json::from_str(v).map_err(|e| {
                    ApiError::incorrect(format!("Malformed JSON in query parameter `filters`: {e}"))
                })?,
                "extend" => match serde_json::from_str::<Value>(v) {
                    Ok(Value::Array(a)) => Value::Array(a),
                    _ => {
                        let mut list = match obj.remove("extend") {
                            Some(Value::Array(a)) => a,
                            _ => Vec::new(),
                        };
                        list.extend(v.split(',').map(|s| Value::from(s.trim())));
                        Value::Array(list)
                    }
                },
                "limit" | "offset" => Value::from(v.as_str()),
                _ => continue,
            };
            obj.insert(key.to_string(), parsed);
        }
    }

    let mut params = ListParams::default();
    if let Some(f) = obj.get("filters") {
        params.filter = filter::parse(f, custom_fields, single_and_quirk)?;
    }
    match obj.get("extend") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => params.with_visits |= s == "visit",
                    other => {
                        return Err(ApiError::validation(format!(
                            "`extend` must be an array of strings, got an element that is {}",
                            json_kind(other)
                        )));
                    }
                }
            }
        }
        Some(other) => {
            return Err(ApiError::validation(format!(
                "`extend` must be an array of strings, got {}",
                json_kind(other)
            )));
        }
    }
    if let Some(n) = count(&obj, "limit")? {
        params.limit = n;
    }
    if let Some(n) = count(&obj, "offset")? {
        params.offset = n;
    }
    Ok(params)
}

/// A non-negative integer (or numeric string) parameter; `null` is absent.
fn count(obj: &Map<String, Value>, name: &str) -> Result<Option<u64>, ApiError> {
    let bad = |v: &Value| {
        ApiError::validation(format!(
            "`{name}` must be a non-negative integer, got {}",
            truncate(&v.to_string(), 64)
        ))
    };
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| bad(v)),
        Some(v @ Value::String(s)) => s.trim().parse::<u64>().map(Some).map_err(|_| bad(v)),
        Some(v) => Err(bad(v)),
    }
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::incorrect("The request body is empty"));
    }
    serde_json::from_slice(body).map_err(|e| malformed(&e))
}

/// A status group of the dictionary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Unused,
    Progress,
    Paid,
    Canceled,
}

impl Group {
    fn from_wire(s: &str) -> Option<Group> {
        Some(match s {
            "unused" => Group::Unused,
            "progress" => Group::Progress,
            "paid" => Group::Paid,
            "canceled" => Group::Canceled,
            _ => return None,
        })
    }
}

/// One status of a `set-statuses` request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewStatus {
    pub id: String,
    pub name: String,
    pub group: Group,
}

/// A text parameter the reference types as a string; live clients also send numbers.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A `set-statuses` body: an array of `{id, name, type}`; a repeated id updates the
/// entry (the reference: "a new status name will be uploaded").
pub(crate) fn statuses(body: &[u8]) -> Result<Vec<NewStatus>, ApiError> {
    let Value::Array(items) = parse_json(body)? else {
        return Err(ApiError::incorrect(
            "The request body must be a JSON array of statuses",
        ));
    };
    let mut out: Vec<NewStatus> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(m) = item else {
            return Err(ApiError::validation(format!(
                "statuses[{i}] must be an object, got {}",
                json_kind(item)
            )));
        };
        let id = m
            .get("id")
            .and_then(text)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                ApiError::validation(format!("statuses[{i}].id is required (a non-empty string)"))
            })?;
        let name = match m.get("name") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => String::new(),
            Some(v) => {
                return Err(ApiError::validation(format!(
                    "statuses[{i}].name must be a string, got {}",
                    json_kind(v)
                )));
            }
        };
        let group = match m.get("type") {
            Some(Value::String(s)) => Group::from_wire(s).ok_or_else(|| {
                ApiError::validation(format!(
                    "statuses[{i}].type must be one of unused, progress, paid, canceled; got {:?}",
                    truncate(s, 64)
                ))
            })?,
            _ => {
                return Err(ApiError::validation(format!(
                    "statuses[{i}].type is required (unused, progress, paid or canceled)"
                )));
            }
        };
        let status = NewStatus { id, name, group };
        match out.iter_mut().find(|s| s.id == status.id) {
            Some(existing) => *existing = status,
            None => out.push(status),
        }
    }
    Ok(out)
}

/// A status-update body: `{"status_id": "..."}`.
pub(crate) fn status_update(body: &[u8]) -> Result<String, ApiError> {
    let Value::Object(m) = parse_json(body)? else {
        return Err(ApiError::incorrect(
            "The request body must be a JSON object",
        ));
    };
    match m.get("status_id") {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(v) => Err(ApiError::validation(format!(
            "`status_id` must be a non-empty string, got {}",
            json_kind(v)
        ))),
        None => Err(ApiError::validation("`status_id` is required")),
    }
}

/// One order of an add-orders batch.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewOrder {
    pub id: String,
    pub name: Option<String>,
    pub date_create: Option<OffsetDateTime>,
    pub status: Option<String>,
    pub roistat: Option<String>,
    pub price: Option<f64>,
    pub cost: Option<f64>,
    /// Custom fields with a value (`null` values are left out), in the batch's order.
    pub fields: Vec<(String, String)>,
}

/// Read and validate a whole add-orders batch before anything is stored.
pub(crate) fn new_orders(body: &[u8]) -> Result<Vec<NewOrder>, ApiError> {
    let Value::Array(items) = parse_json(body)? else {
        return Err(ApiError::incorrect(
            "The request body must be a JSON array of orders",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| new_order(i, item))
        .collect()
}

fn new_order(i: usize, item: &Value) -> Result<NewOrder, ApiError> {
    let Value::Object(m) = item else {
        return Err(ApiError::validation(format!(
            "orders[{i}] must be an object, got {}",
            json_kind(item)
        )));
    };
    let bad = |key: &str, what: &str, v: &Value| {
        ApiError::validation(format!(
            "orders[{i}].{key} {what}, got {}",
            truncate(&v.to_string(), 64)
        ))
    };
    // A text parameter: string or number; null or absent is none.
    let opt_text = |key: &str| -> Result<Option<String>, ApiError> {
        match m.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => text(v)
                .map(Some)
                .ok_or_else(|| bad(key, "must be a string", v)),
        }
    };
    let id = opt_text("id")?
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::validation(format!("orders[{i}].id is required and must not be empty"))
        })?;
    let number = |key: &str| -> Result<Option<f64>, ApiError> {
        let v = match m.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v,
        };
        let x = match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if s.trim().is_empty() => return Ok(None),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        match x {
            Some(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(bad(key, "is not a number", v)),
        }
    };
    let date_create = match m.get("date_create") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(v) => Some(
            date_create(v)
                .ok_or_else(|| bad("date_create", "must be UNIX time or YYYY-MM-DD HH:MM", v))?,
        ),
    };
    let fields = match m.get("fields") {
        None | Some(Value::Null) => Vec::new(),
        // PHP sends an empty object as `[]`.
        Some(Value::Array(a)) if a.is_empty() => Vec::new(),
        Some(Value::Object(f)) => {
            let mut out = Vec::with_capacity(f.len());
            for (k, v) in f {
                match v {
                    Value::Null => {}
                    Value::String(s) => out.push((k.clone(), s.clone())),
                    Value::Number(_) | Value::Bool(_) => out.push((k.clone(), v.to_string())),
                    other => {
                        return Err(bad(
                            &format!("fields.{}", truncate(k, 64)),
                            "must be a string",
                            other,
                        ));
                    }
                }
            }
            out
        }
        Some(v) => return Err(bad("fields", "must be an object", v)),
    };
    Ok(NewOrder {
        id,
        name: opt_text("name")?,
        date_create,
        status: opt_text("status")?.filter(|s| !s.trim().is_empty()),
        roistat: opt_text("roistat")?
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        price: number("price")?,
        cost: number("cost")?,
        fields,
    })
}

/// `date_create`: UNIX seconds (a string of digits or an integer), `YYYY-MM-DD HH:MM`
/// in UTC, or a full date with an offset (as some clients send).
fn date_create(v: &Value) -> Option<OffsetDateTime> {
    match v {
        Value::Number(n) => OffsetDateTime::from_unix_timestamp(n.as_i64()?).ok(),
        Value::String(s) => {
            let s = s.trim();
            if s.bytes().all(|b| b.is_ascii_digit()) {
                OffsetDateTime::from_unix_timestamp(s.parse().ok()?).ok()
            } else {
                parse_date(s)
            }
        }
        _ => None,
    }
}

/// A date as filters and add-orders take it: `YYYY-MM-DD`, optionally followed by `T`
/// or a space, `HH:MM[:SS]`, and an offset `Z`, `+HHMM`, `+HH:MM` or `+HH` (none:
/// UTC). Roistat writes `2016-06-19T00:32:12+0000`.
pub(crate) fn parse_date(input: &str) -> Option<OffsetDateTime> {
    let s = input.trim().as_bytes();
    let digits = |b: &[u8]| -> Option<u32> {
        if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(b).ok()?.parse().ok()
    };
    if s.len() < 10 || s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(s.get(0..4)?)?).ok()?;
    let month = Month::try_from(u8::try_from(digits(s.get(5..7)?)?).ok()?).ok()?;
    let day = u8::try_from(digits(s.get(8..10)?)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let rest = s.get(10..)?;
    if rest.is_empty() {
        return Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
    }
    if !matches!(rest.first(), Some(b'T' | b' ')) || rest.get(3) != Some(&b':') {
        return None;
    }
    let two = |at: usize| -> Option<u8> { u8::try_from(digits(rest.get(at..at + 2)?)?).ok() };
    let (hour, minute) = (two(1)?, two(4)?);
    let (second, tail) = if rest.get(6) == Some(&b':') {
        (two(7)?, rest.get(9..)?)
    } else {
        (0, rest.get(6..)?)
    };
    let time = Time::from_hms(hour, minute, second).ok()?;
    let offset = match tail {
        [] | [b'Z'] => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), off @ ..] => {
            let (h, m) = match off {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let (h, m) = (i8::try_from(h).ok()?, i8::try_from(m).ok()?);
            let (h, m) = if *sign == b'-' { (-h, -m) } else { (h, m) };
            UtcOffset::from_hms(h, m, 0).ok()?
        }
        _ => return None,
    };
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

/// Roistat's date form: `2016-06-19T00:32:12+0000`, in UTC.
pub(crate) fn format_date(d: &OffsetDateTime) -> String {
    let d = d.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_roistats_date_form() {
        let d = parse_date("2016-06-19T03:32:12+03:00").unwrap();
        assert_eq!(format_date(&d), "2016-06-19T00:32:12+0000");
    }

    fn ts(s: &str) -> Option<i64> {
        parse_date(s).map(|d| d.unix_timestamp())
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let t = Some(1_466_296_332);
        assert_eq!(ts("2016-06-19T00:32:12+0000"), t);
        assert_eq!(ts("2016-06-19T03:32:12+03:00"), t);
        assert_eq!(ts("2016-06-19T03:32:12+03"), t);
        assert_eq!(ts("2016-06-18T22:02:12-0230"), t);
        assert_eq!(ts("2016-06-19 00:32:12"), t);
        assert_eq!(ts("2016-06-19T00:32:12Z"), t);
        assert_eq!(ts("2016-06-19 00:32"), Some(1_466_296_320));
        assert_eq!(ts("2016-06-19"), Some(1_466_294_400));
        for bad in [
            "19.06.2016",
            "2016-13-01",
            "2016-06-19T25:00",
            "2016-06-19T00:32:12+2400",
            "2016-06-19X",
            "",
        ] {
            assert_eq!(ts(bad), None, "{bad}");
        }
    }

    #[test]
    fn add_orders_items_by_the_reference() {
        let body = json!([
            {"id": "1", "name": "New order", "date_create": "1393673200", "status": "0",
             "roistat": "12345", "price": "222", "cost": "111", "fields": {"Manager": "John Doe", "N": 5, "Gone": null}},
            {"id": 2, "date_create": "2024-01-31 12:30", "price": 10.5, "fields": [], "client_id": 7, "unknown": true},
            {"id": " 3 ", "date_create": 1393673200, "status": null, "price": ""}
        ]);
        let orders = new_orders(body.to_string().as_bytes()).unwrap();
        assert_eq!(orders[0].id, "1");
        assert_eq!(
            orders[0].date_create.unwrap().unix_timestamp(),
            1_393_673_200
        );
        assert_eq!(orders[0].status.as_deref(), Some("0"));
        assert_eq!(
            (orders[0].price, orders[0].cost),
            (Some(222.0), Some(111.0))
        );
        assert_eq!(
            orders[0].fields,
            [
                ("Manager".to_string(), "John Doe".to_string()),
                ("N".to_string(), "5".to_string())
            ]
        );
        assert_eq!(orders[1].id, "2");
        assert_eq!(
            orders[1].date_create.unwrap().unix_timestamp(),
            1_706_704_200
        );
        assert_eq!(orders[1].price, Some(10.5));
        assert_eq!(orders[2].id, "3");
        assert_eq!((orders[2].status.as_deref(), orders[2].price), (None, None));
        for bad in [
            json!([{"name": "no id"}]),
            json!([{"id": ""}]),
            json!([{"id": true}]),
            json!([{"id": "1", "price": {"amount": 1}}]),
            json!([{"id": "1", "price": "1e400"}]),
            json!([{"id": "1", "fields": 5}]),
            json!([{"id": "1", "fields": {"a": [1]}}]),
            json!([{"id": "1", "date_create": "tomorrow"}]),
            json!([{"id": "1", "date_create": 99999999999999999u64}]),
            json!(["1"]),
        ] {
            let e = new_orders(bad.to_string().as_bytes()).unwrap_err();
            assert_eq!(
                e.code,
                roistat_types::ErrorCode::RequestDataValidationError,
                "{bad}"
            );
        }
        assert_eq!(
            new_orders(b"{}").unwrap_err().code,
            roistat_types::ErrorCode::IncorrectRequest
        );
    }

    #[test]
    fn statuses_and_status_updates() {
        let s = statuses(br#"[{"id":"1","name":"New","type":"progress"},{"id":2,"type":"paid"},{"id":"1","name":"Newer","type":"progress"}]"#).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].name.as_str(), s[0].group), ("Newer", Group::Progress));
        assert_eq!((s[1].id.as_str(), s[1].group), ("2", Group::Paid));
        assert!(statuses(br#"[{"id":"1","type":"won"}]"#).is_err());
        assert!(statuses(br#"[{"id":"1"}]"#).is_err());
        assert!(statuses(br#"[{"id":" ","type":"paid"}]"#).is_err());
        assert_eq!(status_update(br#"{"status_id": 7}"#).unwrap(), "7");
        assert!(status_update(br#"{"status_id": ""}"#).is_err());
        assert!(status_update(br#"{}"#).is_err());
        assert!(status_update(b"").is_err());
    }
}
