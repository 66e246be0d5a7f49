//! `/orders/{id}/info`: the details of one order, kept consistent with its list form.
//!
//! A stored order may carry an `OrderInfo` (the documented example does); the fields
//! the list form also has (status, price, cost, dates, custom fields, ...) are always
//! taken from the list form, so a status update shows in both. Orders without stored
//! details get them derived from the list form and its visit.

use roistat_types::{InfoVisit, MarkerLevel, Order, OrderInfo, OrderSource, Visit};
use serde_json::json;

use crate::store::StoredOrder;

/// The `/info` answer for a stored order.
pub(crate) fn order_info(stored: &StoredOrder) -> Option<OrderInfo> {
    let o = &stored.order;
    let mut info = match &stored.info {
        Some(info) => info.clone(),
        None => derived(o)?,
    };
    let d = &mut info.order;
    d.id = o.id.clone();
    d.title = stored
        .name
        .clone()
        .or_else(|| d.title.clone())
        .or_else(|| Some(o.id.to_string()));
    d.url = o.url.clone();
    d.creation_date = o.creation_date;
    d.update_date = o.update_date;
    // A status outside the dictionary has no group to show.
    d.status = o
        .status
        .as_ref()
        .filter(|s| !crate::store::is_groupless(s))
        .map(|s| s.r#type.clone());
    d.status_name = o.status.as_ref().map(|s| s.name.clone());
    d.status_original = o.status.as_ref().map(|s| s.id.clone());
    d.price = o.revenue;
    d.cost = o.cost;
    d.visit_id = o.visit_id.clone();
    d.fields_data = o.custom_fields.clone();
    d.client_id = o.client_id.clone();
    Some(info)
}

/// Details built from the list form alone.
fn derived(o: &Order) -> Option<OrderInfo> {
    let mut info: OrderInfo = serde_json::from_value(json!({
        "order": {"id": o.id.as_str()},
        "visits": [],
        "products": [],
    }))
    .ok()?;
    let visit = o.visit.as_ref().and_then(info_visit);
    let d = &mut info.order;
    d.source = o.source_type.as_deref().and_then(source);
    d.paid_date = match o.status.as_ref().map(|s| &s.r#type) {
        Some(roistat_types::StatusType::Paid) => o.update_date.or(o.creation_date),
        _ => None,
    };
    d.visits_count = Some(u64::from(visit.is_some()));
    d.is_multichannel = false;
    d.client_external_id = o.client_id.as_ref().map(|c| c.to_string());
    d.is_first = Some(true);
    d.is_first_sale = Some(false);
    d.visit = visit.clone();
    info.visits = visit.into_iter().collect();
    Some(info)
}

fn source(source_type: &str) -> Option<OrderSource> {
    let (icon, title) = match source_type {
        "phone" => ("calltracking", "Call tracking"),
        "proxyform" => ("proxyform", "Form"),
        "lead_hunter" => ("leadhunter", "Lead Hunter"),
        _ => ("crm", "CRM"),
    };
    serde_json::from_value(json!({
        "type": source_type,
        "icon_url": format!("https://cloud.roistat.com/img/order_source/{icon}.png"),
        "title": title,
    }))
    .ok()
}

/// The info-form visit for a list-form visit.
fn info_visit(v: &Visit) -> Option<InfoVisit> {
    let src = v.source.as_ref();
    let geo = v.geo.as_ref();
    let device = v.device.as_ref();
    let levels: Vec<MarkerLevel> = src
        .map(|s| {
            let mut l = Vec::new();
            if let Some(name) = &s.system_name {
                l.push(MarkerLevel::new(
                    name.clone(),
                    s.display_name.clone().unwrap_or_else(|| name.clone()),
                ));
            }
            if let Some(c) = &s.utm_campaign {
                l.push(MarkerLevel::new(c.clone(), c.clone()));
            }
            l
        })
        .unwrap_or_default();
    let marker = levels
        .iter()
        .map(|l| l.alias.as_str())
        .collect::<Vec<_>>()
        .join(" → ");
    let mut iv: InfoVisit = serde_json::from_value(json!({
        "id": v.id,
        "date": v.date.map(|d| roistat_types::date::format(&d)),
        "city": geo.and_then(|g| g.city.clone()),
        "country": geo.and_then(|g| g.country.clone()),
        "country_icon": geo.and_then(|g| g.icon_url.clone()),
        "is_first_visit": u8::from(v.first_id.is_none() || v.first_id == v.id),
        "is_order_visit": 1,
        "marker": if marker.is_empty() { None } else { Some(marker) },
        "marker_icon": src.and_then(|s| s.icon_url.clone()),
        "referrer": v.referrer,
        "landing_page": v.landing_page,
        "host": v.host,
        "os_name": device.and_then(|d| d.os.clone()),
        "os_icon": device.and_then(|d| d.os_icon.clone()),
        "browser_name": device.and_then(|d| d.agent.clone()),
        "browser_icon": device.and_then(|d| d.agent_icon.clone()),
    }))
    .ok()?;
    iv.marker_info = levels;
    Some(iv)
}
