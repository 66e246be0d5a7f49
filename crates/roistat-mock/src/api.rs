//! Routing and the nine Orders operations.
//!
//! Order of checks for every request: fault script, route (unknown path:
//! `resource_not_found`), API key (`authentication_failed`), project (`access_denied`
//! for another one), method, request body, rate limits, then the operation. A request
//! that fails any check leaves the store as it was.

use std::time::{Duration, Instant};

use roistat_types::{AddOrdersReport, ErrorCode, Order, OrderId, Status, StatusId, StatusType};
use serde::Serialize;
use serde_json::Value;

use crate::applied::Operation;
use crate::error::ApiError;
use crate::faults::Fault;
use crate::http::{self, Request};
use crate::parse::{self, Group, ListParams, NewOrder};
use crate::ratelimit::ListTier;
use crate::requests::{self, RecordedRequest};
use crate::server::{API_PREFIX, Shared};
use crate::store::{StoredOrder, groupless_status};

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
///
/// Runs on the request's connection thread; the latency model's delay is spent here,
/// before the answer goes back to the connection.
pub(crate) fn serve(shared: &Shared, req: &Request, body: &mut Vec<u8>) -> Action {
    let arrived_at = Instant::now();
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
        arrived_at,
        answered_at: arrived_at,
    };

    let fault = shared.faults.take(&path);
    if let Some(fault) = fault.as_ref().filter(|f| !f.applies_first()) {
        rec.fault = Some(fault.clone());
        let action = fault_action(shared, fault, use_http_code, body, &mut rec);
        rec.answered_at = Instant::now();
        shared.requests.push(rec);
        return action;
    }

    let (action, orders) = match handle(shared, req, &path, body) {
        Ok(orders) => {
            rec.status = 200;
            let action = Action::Respond {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
            };
            (action, orders)
        }
        Err(e) => {
            body.clear();
            e.write_body(body);
            let status = e.http_status(use_http_code);
            rec.status = status;
            rec.error = Some(e.code.as_str().to_string());
            let action = Action::Respond {
                status,
                content_type: "application/json",
                headers: Vec::new(),
            };
            (action, 0)
        }
    };
    let latency = shared.live.cfg.latency;
    if !latency.is_zero() {
        shared.stop.wait(latency.for_orders(orders));
    }
    // "Applied, but the answer was lost": the operation ran; the connection performs
    // the socket fault instead of delivering the answer.
    let action = match fault {
        Some(fault) => {
            let lost = match fault {
                Fault::AppliedThenReset => Action::Reset,
                Fault::AppliedThenStall => Action::Stall(shared.config.stall),
                _ => Action::CutBody { status: rec.status },
            };
            if !matches!(lost, Action::CutBody { .. }) {
                rec.status = 0;
            }
            rec.fault = Some(fault);
            lost
        }
        None => action,
    };
    rec.answered_at = Instant::now();
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
            write_order_page(shared, &ListParams::default(), body);
            rec.status = 200;
            Action::CutBody { status: 200 }
        }
        Fault::Reset => Action::Reset,
        // Served by `serve` before the fault fires; never reaches here.
        Fault::AppliedThenReset | Fault::AppliedThenStall | Fault::AppliedThenCut => Action::Reset,
    }
}

/// Run one request; on success the answer is in `body` and the result is how many
/// orders the answer (or the add-orders batch) held, for the latency model.
fn handle(shared: &Shared, req: &Request, path: &str, body: &mut Vec<u8>) -> Result<u64, ApiError> {
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
            let params = {
                let data = shared.store.read();
                parse::list_params(
                    &req.body,
                    &query,
                    &data.custom_fields,
                    shared.config.single_and_quirk,
                )?
            };
            limit(Some(ListTier::of(params.with_visits, params.limit)))?;
            if shared.live.churns() {
                shared.live.before_list(&mut shared.store.write());
            }
            Ok(write_order_page(shared, &params, body))
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
            Ok(0)
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
            Ok(0)
        }
        Op::Info(id) => {
            limit(None)?;
            let data = shared.store.read();
            let entry = data.get(&id).ok_or_else(|| order_not_found(&id))?;
            let info = crate::info::order_info(&entry.stored)
                .ok_or_else(|| ApiError::new(ErrorCode::InternalError, "Internal error"))?;
            success(body, &info);
            Ok(1)
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
            Ok(1)
        }
        Op::SetStatuses => {
            let statuses = parse::statuses(&req.body)?;
            limit(None)?;
            let mut data = shared.store.write();
            data.replace_statuses(statuses.into_iter().map(typed_status).collect());
            data.applied.record_request(Operation::SetStatuses);
            success(body, &Empty {});
            Ok(0)
        }
        Op::AddOrders => {
            let batch = parse::new_orders(&req.body)?;
            limit(None)?;
            let n = batch.len() as u64;
            let report = add_orders(shared, batch);
            success(body, &report);
            Ok(n)
        }
        Op::UpdateStatus(id) => {
            let status_id = parse::status_update(&req.body)?;
            limit(None)?;
            let mut data = shared.store.write();
            if data.get(&id).is_none() {
                return Err(order_not_found(&id));
            }
            let status = data
                .status(&status_id)
                .cloned()
                .ok_or_else(|| ApiError::validation(format!("Unknown status id `{status_id}`")))?;
            let now = data.now();
            data.modify(&id, |s| {
                if s.order.status.as_ref() != Some(&status) {
                    s.order.status = Some(status);
                    s.order.update_date = Some(now);
                    s.wire_overrides.clear();
                }
            });
            data.applied.record_request(Operation::UpdateStatus);
            data.applied.record_order(Operation::UpdateStatus, &id);
            success(body, &Empty {});
            Ok(1)
        }
        Op::Delete(id) => {
            limit(None)?;
            let mut data = shared.store.write();
            data.remove(&id).ok_or_else(|| order_not_found(&id))?;
            data.applied.record_request(Operation::Delete);
            data.applied.record_order(Operation::Delete, &id);
            success(body, &Empty {});
            Ok(1)
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

/// Write a page of the order list (newest first, at most the page cap) straight from
/// the cached per-order JSON; returns how many rows it wrote.
fn write_order_page(shared: &Shared, p: &ListParams, body: &mut Vec<u8>) -> u64 {
    let limit = p.limit.min(shared.live.cfg.page_cap);
    let data = shared.store.read();
    body.extend_from_slice(b"{\"data\":[");
    let mut total: u64 = 0;
    let mut written: u64 = 0;
    for e in data.newest_first() {
        if let Some(f) = &p.filter
            && !crate::filter::matches(f, &e.stored.order)
        {
            continue;
        }
        if total >= p.offset && written < limit {
            if written > 0 {
                body.push(b',');
            }
            body.extend_from_slice(e.json(p.with_visits));
            written += 1;
        }
        total += 1;
    }
    crate::generate::write_list_tail_as(body, total, shared.live.cfg.quirks);
    written
}

/// The dictionary entry for a parsed status.
fn typed_status(s: parse::NewStatus) -> Status {
    let group = match s.group {
        Group::Unused => StatusType::Unused,
        Group::Progress => StatusType::Progress,
        Group::Paid => StatusType::Paid,
        Group::Canceled => StatusType::Canceled,
    };
    Status::new(StatusId::new_unchecked(s.id), s.name, group)
}

/// Upsert a validated batch and count what happened.
///
/// A status id that is not in the dictionary is stored as it is, without a group (as
/// live projects show such orders), unless the server skips them
/// ([`crate::MockServerBuilder::skip_unknown_statuses`]).
fn add_orders(shared: &Shared, batch: Vec<NewOrder>) -> AddOrdersReport {
    let mut report = AddOrdersReport::default();
    let skip_unknown = shared.live.cfg.skip_unknown_statuses;
    let mut data = shared.store.write();
    let now = data.now();
    for new in batch {
        let status = match &new.status {
            Some(sid) => match data.status(sid) {
                Some(s) => Some(s.clone()),
                None if skip_unknown => {
                    report.skipped_by_status += 1;
                    continue;
                }
                None => Some(groupless_status(sid)),
            },
            None => None,
        };
        let existing = data.get(&new.id).map(|e| e.stored.clone());
        let mut stored = existing.clone().unwrap_or_else(|| {
            let mut o = Order::new(OrderId::new_unchecked(new.id.as_str()));
            o.source_type = Some("standard".into());
            o.creation_date = Some(now);
            StoredOrder::new(o)
        });
        let o = &mut stored.order;
        if let Some(name) = &new.name {
            stored.name = Some(name.clone());
        }
        if let Some(d) = new.date_create {
            o.creation_date = Some(d);
        }
        if status.is_some() {
            o.status = status;
        }
        if let Some(v) = &new.roistat {
            o.visit_id = Some(roistat_types::VisitId::new_unchecked(v.as_str()));
        }
        if new.price.is_some() {
            o.revenue = new.price;
        }
        if new.cost.is_some() {
            o.cost = new.cost;
        }
        for (name, value) in &new.fields {
            if value.chars().count() > parse::MAX_FIELD_LEN {
                report.skipped_fields_by_invalid_format += 1;
                continue;
            }
            o.custom_fields
                .insert(name.clone(), Value::from(value.clone()));
        }
        report.processed += 1;
        data.applied.record_order(Operation::AddOrders, &new.id);
        if existing.as_ref() == Some(&stored) {
            report.skipped_because_not_changed += 1;
            continue;
        }
        stored.order.update_date = Some(now);
        stored.wire_overrides.clear();
        if existing.is_none() {
            report.uploaded += 1;
        }
        for (name, _) in &new.fields {
            data.add_custom_field_name(name);
        }
        data.upsert(stored);
        report.saved += 1;
    }
    data.applied.record_request(Operation::AddOrders);
    report
}
