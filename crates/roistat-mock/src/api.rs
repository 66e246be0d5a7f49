//! Routing and the nine Orders operations.
//!
//! Order of checks for every request: fault script, route (unknown path:
//! `resource_not_found`), API key (`authentication_failed`), project (`access_denied`
//! for another one), method, request body, rate limits, then the operation. A request
//! that fails any check leaves the store as it was.

use std::time::{Duration, Instant};

use roistat_types::{
    AddOrdersReport, ErrorCode, Filter, NewOrder, Order, OrderId, Status, StatusId, StatusType,
};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::faults::Fault;
use crate::http::{self, Request};
use crate::ratelimit::ListTier;
use crate::requests::{self, RecordedRequest};
use crate::server::{API_PREFIX, Shared};
use crate::store::StoredOrder;

/// The order list's page size when the request names none.
pub const DEFAULT_LIMIT: u64 = 1000;

/// What the connection should do with the request.
#[derive(Debug)]
pub(crate) enum Action {
    /// Send `body` with this status.
    Respond {
        status: u16,
        content_type: &'static str,
        headers: Vec<(&'static str, String)>,
    },
    /// Answer nothing for this long, then close.
    Stall(Duration),
    /// Send a head promising all of `body`, send half, close.
    CutBody { status: u16 },
    /// Close with a TCP reset.
    Reset,
}

const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The operations, by path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    ListOrders,
    AddOrders,
    Info(String),
    ExternalUrl(String),
    StatusList,
    SetStatuses,
    CustomFields,
    UpdateStatus(String),
    Delete(String),
}

impl Op {
    fn methods(&self) -> &'static [&'static str] {
        match self {
            Op::ListOrders | Op::StatusList => &["POST", "GET"],
            Op::Info(_) | Op::ExternalUrl(_) => &["GET"],
            _ => &["POST"],
        }
    }
}

fn route(path: &str) -> Option<Op> {
    let rest = path.strip_prefix(API_PREFIX)?.strip_prefix('/')?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let seg: Vec<String> = rest
        .split('/')
        .map(|s| http::percent_decode(s, false))
        .collect();
    let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
    let id = |s: &str| (!s.is_empty()).then(|| s.to_string());
    match seg.as_slice() {
        ["project", "integration", "order", "list"] => Some(Op::ListOrders),
        ["project", "add-orders"] => Some(Op::AddOrders),
        ["project", "orders", oid, "info"] => id(oid).map(Op::Info),
        ["project", "orders", oid, "external-url"] => id(oid).map(Op::ExternalUrl),
        ["project", "integration", "status", "list"] => Some(Op::StatusList),
        ["project", "set-statuses"] => Some(Op::SetStatuses),
        ["project", "analytics", "order-custom-fields"] => Some(Op::CustomFields),
        ["project", "integration", "order", oid, "status", "update"] => {
            id(oid).map(Op::UpdateStatus)
        }
        ["project", "integration", "order", oid, "delete"] => id(oid).map(Op::Delete),
        _ => None,
    }
}

/// Handle one request: write the body into `body` and say how to answer.
pub(crate) fn serve(shared: &Shared, req: &Request, body: &mut Vec<u8>) -> Action {
    let path = http::percent_decode(&req.path, false);
    let use_http_code = req
        .header("use-http-code")
        .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    let mut rec = RecordedRequest {
        method: req.method.clone(),
        path: path.clone(),
        query: requests::redact_query(&req.query),
        headers: requests::redact_headers(&req.headers),
        body: shared.requests.kept_body(&req.body),
        body_len: req.body.len(),
        fault: None,
        status: 0,
        error: None,
    };

    if let Some(fault) = shared.faults.take(&path) {
        rec.fault = Some(fault.clone());
        let action = fault_action(shared, &fault, use_http_code, body, &mut rec);
        shared.requests.push(rec);
        return action;
    }

    let action = match handle(shared, req, &path, body) {
        Ok(()) => {
            rec.status = 200;
            Action::Respond {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
            }
        }
        Err(e) => {
            body.clear();
            e.write_body(body);
            let status = e.http_status(use_http_code);
            rec.status = status;
            rec.error = Some(e.code.as_str().to_string());
            Action::Respond {
                status,
                content_type: "application/json",
                headers: Vec::new(),
            }
        }
    };
    shared.requests.push(rec);
    action
}

fn fault_action(
    shared: &Shared,
    fault: &Fault,
    use_http_code: bool,
    body: &mut Vec<u8>,
    rec: &mut RecordedRequest,
) -> Action {
    let json = |status: u16, e: ApiError, body: &mut Vec<u8>, rec: &mut RecordedRequest| {
        e.write_body(body);
        rec.status = status;
        rec.error = Some(e.code.as_str().to_string());
        Action::Respond {
            status,
            content_type: "application/json",
            headers: Vec::new(),
        }
    };
    match fault {
        Fault::Http500 => json(
            500,
            ApiError::new(ErrorCode::InternalError, "Internal error"),
            body,
            rec,
        ),
        Fault::InternalErrorEnvelope => json(
            200,
            ApiError::new(ErrorCode::InternalError, "Internal error"),
            body,
            rec,
        ),
        Fault::Error { code, description } => {
            let e = ApiError::new(ErrorCode::from(code.as_str()), description.clone());
            let status = e.http_status(use_http_code);
            json(status, e, body, rec)
        }
        Fault::BadGateway => {
            body.extend_from_slice(BAD_GATEWAY_HTML.as_bytes());
            rec.status = 502;
            Action::Respond {
                status: 502,
                content_type: "text/html",
                headers: Vec::new(),
            }
        }
        Fault::Stall => Action::Stall(shared.config.stall),
        Fault::StallFor(d) => Action::Stall(*d),
        Fault::CutBody => {
            // A full-size success page, so that the cut falls inside real data.
            let _ = write_order_page(shared, &ListParams::default(), body);
            rec.status = 200;
            Action::CutBody { status: 200 }
        }
        Fault::Reset => Action::Reset,
    }
}

fn handle(shared: &Shared, req: &Request, path: &str, body: &mut Vec<u8>) -> Result<(), ApiError> {
    // Route on the raw path: `route` decodes each segment, so an encoded `/` or `?`
    // inside an id stays in its segment.
    let op =
        route(&req.path).ok_or_else(|| ApiError::not_found(format!("Method {path} not found")))?;
    let query = http::query_pairs(&req.query);
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };

    // Authentication: the Api-key header, or the (unsafe) ?key= parameter.
    let key = req.header("api-key").or_else(|| param("key"));
    match key {
        None | Some("") => {
            return Err(ApiError::new(
                ErrorCode::AuthenticationFailed,
                "API key is not specified",
            ));
        }
        Some(k) if k != shared.config.api_key => {
            return Err(ApiError::new(
                ErrorCode::AuthenticationFailed,
                "Invalid API key",
            ));
        }
        Some(_) => {}
    }
    let project =
        param("project").ok_or_else(|| ApiError::incorrect("Parameter `project` is required"))?;
    let project: u64 = project.trim().parse().map_err(|_| {
        ApiError::incorrect(format!(
            "Parameter `project` must be a project number, got {project:?}"
        ))
    })?;
    if project != shared.config.project {
        return Err(ApiError::new(
            ErrorCode::AccessDenied,
            format!("Access to project {project} is denied"),
        ));
    }
    if !op.methods().contains(&req.method.as_str()) {
        return Err(ApiError::incorrect(format!(
            "Method {} is not supported here; use {}",
            req.method,
            op.methods().join(" or ")
        )));
    }

    let now = Instant::now();
    let limit = |tier: Option<ListTier>| {
        shared.limiter().check(now, tier).map_err(|hit| {
            let unit = match hit.period {
                1 => "second".to_string(),
                60 => "minute".to_string(),
                3600 => "hour".to_string(),
                n => format!("{n} seconds"),
            };
            let mut e = ApiError::new(
                ErrorCode::RequestLimitError,
                format!("Request limit exceeded: {} requests per {unit}", hit.limit),
            );
            e.details = Some(serde_json::json!({"limit": hit.limit, "period": hit.period}));
            e
        })
    };

    match op {
        Op::ListOrders => {
            let params = list_params(req, &query)?;
            {
                let data = shared.store.read();
                if let Some(f) = &params.filter {
                    crate::filter::validate(
                        f,
                        &data.custom_fields,
                        shared.config.single_and_quirk,
                    )?;
                }
            }
            limit(Some(ListTier::of(params.with_visits, params.limit)))?;
            write_order_page(shared, &params, body)
        }
        Op::StatusList => {
            limit(None)?;
            let data = shared.store.read();
            success(
                body,
                &StatusListBody {
                    data: &data.statuses,
                    total: data.statuses.len(),
                },
            );
            Ok(())
        }
        Op::CustomFields => {
            limit(None)?;
            let data = shared.store.read();
            success(
                body,
                &FieldsBody {
                    fields: &data.custom_fields,
                },
            );
            Ok(())
        }
        Op::Info(id) => {
            limit(None)?;
            let data = shared.store.read();
            let entry = data.get(&id).ok_or_else(|| order_not_found(&id))?;
            let info = crate::info::order_info(&entry.stored)
                .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "Internal error"))?;
            success(body, &info);
            Ok(())
        }
        Op::ExternalUrl(id) => {
            limit(None)?;
            let data = shared.store.read();
            let entry = data.get(&id).ok_or_else(|| order_not_found(&id))?;
            let url =
                entry.stored.order.url.as_deref().ok_or_else(|| {
                    ApiError::not_found(format!("Order {id} has no external URL"))
                })?;
            success(body, &ExternalUrlBody { external_url: url });
            Ok(())
        }
        Op::SetStatuses => {
            let statuses = parse_statuses(&req.body)?;
            limit(None)?;
            shared.store.write().replace_statuses(statuses);
            success(body, &Empty {});
            Ok(())
        }
        Op::AddOrders => {
            let batch = parse_new_orders(&req.body)?;
            limit(None)?;
            let report = add_orders(shared, batch);
            success(body, &report);
            Ok(())
        }
        Op::UpdateStatus(id) => {
            let status_id = parse_status_update(&req.body)?;
            limit(None)?;
            let mut data = shared.store.write();
            if data.get(&id).is_none() {
                return Err(order_not_found(&id));
            }
            let status = data
                .status(&status_id)
                .cloned()
                .ok_or_else(|| ApiError::validation(format!("Unknown status id `{status_id}`")))?;
            let now = OffsetDateTime::now_utc();
            data.modify(&id, |s| {
                if s.order.status.as_ref() != Some(&status) {
                    s.order.status = Some(status);
                    s.order.update_date = Some(now);
                }
            });
            success(body, &Empty {});
            Ok(())
        }
        Op::Delete(id) => {
            limit(None)?;
            shared
                .store
                .write()
                .remove(&id)
                .ok_or_else(|| order_not_found(&id))?;
            success(body, &Empty {});
            Ok(())
        }
    }
}

fn order_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Order {id} not found"))
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct StatusListBody<'a> {
    data: &'a [Status],
    total: usize,
}

#[derive(Serialize)]
struct FieldsBody<'a> {
    fields: &'a [String],
}

#[derive(Serialize)]
struct ExternalUrlBody<'a> {
    #[serde(rename = "externalUrl")]
    external_url: &'a str,
}

/// Serialize `value` (a JSON object) and add `"status":"success"` as its last key.
fn success<T: Serialize>(body: &mut Vec<u8>, value: &T) {
    let start = body.len();
    if serde_json::to_writer(&mut *body, value).is_err() {
        body.truncate(start);
        body.extend_from_slice(b"{}");
    }
    if body.last() == Some(&b'}') {
        body.pop();
        if body.len() > start + 1 {
            body.push(b',');
        }
        body.extend_from_slice(b"\"status\":\"success\"}");
    }
}

/// A parsed order-list request.
#[derive(Debug, Default)]
pub(crate) struct ListParams {
    filter: Option<Filter>,
    with_visits: bool,
    limit: u64,
    offset: u64,
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::incorrect(format!("Malformed JSON in request body: {e}"))
}

/// Read an order-list request from the JSON body, or for GET without a body from the
/// query (`filters` as JSON, `extend` as `visit` or JSON, `limit`, `offset`).
fn list_params(req: &Request, query: &[(String, String)]) -> Result<ListParams, ApiError> {
    let mut obj = serde_json::Map::new();
    if req.body.iter().any(|b| !b.is_ascii_whitespace()) {
        match serde_json::from_slice::<Value>(&req.body).map_err(|e| malformed(&e))? {
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

    let mut params = ListParams {
        limit: DEFAULT_LIMIT,
        ..ListParams::default()
    };
    if let Some(f) = obj.get("filters").filter(|v| !v.is_null()) {
        let empty = matches!(f, Value::Array(a) if a.is_empty())
            || matches!(f, Value::Object(m) if m.is_empty());
        if !empty {
            let filter = <Filter as serde::Deserialize>::deserialize(f)
                .map_err(|e| ApiError::validation(format!("Invalid filters: {e}")))?;
            params.filter = Some(filter);
        }
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

/// A non-negative integer (or numeric string) parameter.
fn count(obj: &serde_json::Map<String, Value>, name: &str) -> Result<Option<u64>, ApiError> {
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

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Write a page of the order list straight from the cached per-order JSON.
fn write_order_page(shared: &Shared, p: &ListParams, body: &mut Vec<u8>) -> Result<(), ApiError> {
    let data = shared.store.read();
    body.extend_from_slice(b"{\"data\":[");
    let mut total: u64 = 0;
    let mut written: u64 = 0;
    for e in &data.orders {
        if let Some(f) = &p.filter
            && !crate::filter::matches(f, &e.stored.order)
        {
            continue;
        }
        if total >= p.offset && written < p.limit {
            if written > 0 {
                body.push(b',');
            }
            body.extend_from_slice(e.json(p.with_visits));
            written += 1;
        }
        total += 1;
    }
    crate::generate::write_list_tail(body, total);
    Ok(())
}

fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::incorrect("The request body is empty"));
    }
    serde_json::from_slice(body).map_err(|e| malformed(&e))
}

fn parse_statuses(body: &[u8]) -> Result<Vec<Status>, ApiError> {
    let Value::Array(items) = parse_json(body)? else {
        return Err(ApiError::incorrect(
            "The request body must be a JSON array of statuses",
        ));
    };
    let mut out: Vec<Status> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(m) = item else {
            return Err(ApiError::validation(format!(
                "statuses[{i}] must be an object, got {}",
                json_kind(item)
            )));
        };
        let id = match m.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(ApiError::validation(format!(
                    "statuses[{i}].id is required (a non-empty string)"
                )));
            }
        };
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
        let kind = match m.get("type") {
            Some(Value::String(s)) => s.parse::<StatusType>().map_err(|_| {
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
        let status = Status::new(StatusId::new_unchecked(id), name, kind);
        // A repeated id updates the name, as the reference says for existing ids.
        match out.iter_mut().find(|s| s.id == status.id) {
            Some(existing) => *existing = status,
            None => out.push(status),
        }
    }
    Ok(out)
}

fn parse_status_update(body: &[u8]) -> Result<String, ApiError> {
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

/// Validate the whole add-orders batch before anything is stored.
fn parse_new_orders(body: &[u8]) -> Result<Vec<NewOrder>, ApiError> {
    let Value::Array(items) = parse_json(body)? else {
        return Err(ApiError::incorrect(
            "The request body must be a JSON array of orders",
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            if !item.is_object() {
                return Err(ApiError::validation(format!(
                    "orders[{i}] must be an object, got {}",
                    json_kind(&item)
                )));
            }
            let o: NewOrder = serde_json::from_value(item)
                .map_err(|e| ApiError::validation(format!("orders[{i}]: {e}")))?;
            if o.id.as_str().trim().is_empty() {
                return Err(ApiError::validation(format!(
                    "orders[{i}].id must not be empty"
                )));
            }
            for (name, v) in [("price", o.price), ("cost", o.cost)] {
                if v.is_some_and(|x| !x.is_finite()) {
                    return Err(ApiError::validation(format!(
                        "orders[{i}].{name} is not a number"
                    )));
                }
            }
            if o.date_create
                .is_some_and(|d| d.to_offset_date_time().is_none())
            {
                return Err(ApiError::validation(format!(
                    "orders[{i}].date_create is out of range"
                )));
            }
            Ok(o)
        })
        .collect()
}

/// Upsert a validated batch and count what happened.
fn add_orders(shared: &Shared, batch: Vec<NewOrder>) -> AddOrdersReport {
    let mut report = AddOrdersReport::default();
    let now = OffsetDateTime::now_utc();
    let mut data = shared.store.write();
    for new in batch {
        let status = match &new.status {
            Some(sid) => match data.status(sid.as_str()) {
                Some(s) => Some(s.clone()),
                None => {
                    report.skipped_by_status += 1;
                    continue;
                }
            },
            None => None,
        };
        let existing = data.get(new.id.as_str()).map(|e| e.stored.clone());
        let mut stored = existing.clone().unwrap_or_else(|| {
            let mut o = Order::new(OrderId::new_unchecked(new.id.as_str().trim()));
            o.source_type = Some("standard".into());
            o.creation_date = Some(now);
            StoredOrder::new(o)
        });
        let o = &mut stored.order;
        if let Some(name) = &new.name {
            stored.name = Some(name.clone());
        }
        if let Some(d) = new.date_create.and_then(|d| d.to_offset_date_time()) {
            o.creation_date = Some(d);
        }
        if status.is_some() {
            o.status = status;
        }
        if let Some(v) = new
            .roistat
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            o.visit_id = Some(roistat_types::VisitId::new_unchecked(v));
        }
        if new.price.is_some() {
            o.revenue = new.price;
        }
        if new.cost.is_some() {
            o.cost = new.cost;
        }
        for (name, value) in &new.fields {
            if value.chars().count() > roistat_types::MAX_FIELD_LEN {
                report.skipped_fields_by_invalid_format += 1;
                continue;
            }
            o.custom_fields
                .insert(name.clone(), Value::from(value.clone()));
        }
        report.processed += 1;
        if existing.as_ref() == Some(&stored) {
            report.skipped_because_not_changed += 1;
            continue;
        }
        if existing.is_some() {
            stored.order.update_date = Some(now);
        } else {
            report.uploaded += 1;
        }
        for name in new.fields.keys() {
            data.add_custom_field_name(name);
        }
        data.upsert(stored);
        report.saved += 1;
    }
    report
}
