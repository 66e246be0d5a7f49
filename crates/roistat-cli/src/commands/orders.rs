//! `roistat orders list|info|url|set-status|delete|summary`.

use std::io::Write;

use roistat_types::{ListOrdersRequest, OrderId, OrderInfo, StatusId, date};
use serde_json::json;

use crate::api::Api;
use crate::cli::{FilterArgs, Format, ListArgs, SummaryArgs};
use crate::error::CliError;
use crate::odd::OddRows;
use crate::output::orders::OrderWriter;
use crate::output::text::{self, Column, Table};
use crate::output::{self, write_json};
use crate::pages::{self, Done, Walk};
use crate::progress::Progress;
use crate::summary::Summary;

fn request(filter: &FilterArgs) -> ListOrdersRequest {
    let mut req = ListOrdersRequest::new();
    if let Some(f) = filter.to_filter() {
        req = req.filter(f);
    }
    req
}

/// `orders list`: one page, or with `--all` every page, streamed.
pub fn list(api: &Api, args: &ListArgs, format: Format) -> Result<(), CliError> {
    let mut req = request(&args.filter);
    if args.with_visits {
        req = req.with_visits();
    }
    req.limit = args.limit;
    req.offset = args.offset;
    let mut writer = OrderWriter::new(output::stdout(), format, args.custom_fields.clone());

    if !args.all {
        let page = api.client().list_orders(req.clone())?;
        writer.page(&page.data)?;
        writer.finish()?;
        let mut odd = OddRows::new();
        for (i, order) in page.data.iter().enumerate() {
            odd.see(i as u64 + 1, order);
        }
        odd.report(page.data.len() as u64, Some(format));
        let shown = req.offset.unwrap_or(0) + page.data.len() as u64;
        if format == Format::Table && shown < page.total {
            eprintln!(
                "{} of {} orders shown; add --all for every page",
                text::count(page.data.len() as u64),
                text::count(page.total)
            );
        }
        return Ok(());
    }

    let bar = Progress::new("orders");
    let result = pages::walk(api, req, &bar, |orders| writer.page(orders));
    bar.finish();
    // Close the output (a JSON array stays valid) whatever happened.
    let finished = writer.finish();
    // The odd orders are named whatever ended the walk: they were delivered.
    match &result {
        Ok(done) => done.odd.report(done.delivered, Some(format)),
        Err(failed) => failed.1.odd.report(failed.1.delivered, Some(format)),
    }
    match result {
        Ok(done) if done.end == Walk::Interrupted => {
            finished?;
            eprintln!(
                "interrupted: stopped after {}; continue with --offset {}",
                done.describe(),
                done.resume_offset()
            );
            Err(CliError::Interrupted)
        }
        Ok(done) => {
            finished?;
            tracing::info!("read {}", done.describe());
            Ok(())
        }
        Err(failed) => {
            let (e, done) = *failed;
            note_partial(&done, &e);
            Err(e)
        }
    }
}

fn note_partial(done: &Done, e: &CliError) {
    if done.progress.pages > 0 && !e.is_broken_pipe() {
        eprintln!(
            "note: read {} before the error; continue with --offset {}",
            done.describe(),
            done.resume_offset()
        );
    }
}

/// `orders summary`: every matching order, folded into groups.
pub fn summary(api: &Api, args: &SummaryArgs, format: Format) -> Result<(), CliError> {
    let req = request(&args.filter);
    let mut summary = Summary::new(args.by.clone());
    let bar = Progress::new("orders");
    let result = pages::walk(api, req, &bar, |orders| {
        summary.add(orders);
        Ok(())
    });
    bar.finish();
    match &result {
        Ok(done) => done.odd.report(done.delivered, None),
        Err(failed) => failed.1.odd.report(failed.1.delivered, None),
    }
    match result {
        Ok(done) if done.end == Walk::Interrupted => {
            eprintln!(
                "interrupted after {}: the summary below covers only those",
                done.describe()
            );
        }
        Ok(_) => {}
        Err(failed) => {
            let (e, done) = *failed;
            note_partial(&done, &e);
            return Err(e);
        }
    }
    let mut out = output::stdout();
    let groups = summary.groups();
    match format {
        Format::Table => out.write_all(summary.render().as_bytes())?,
        Format::Json => {
            let doc = json!({
                "by": summary.by_label(),
                "groups": groups,
                "total": { "orders": summary.total().orders, "revenue": summary.total().revenue },
            });
            write_json(&mut out, format, &doc)?;
        }
        Format::Ndjson => output::write_json_list(&mut out, format, &groups)?,
        Format::Csv => {
            let rows: Vec<Vec<String>> = groups
                .iter()
                .map(|g| vec![g.group.clone(), g.orders.to_string(), g.revenue.to_string()])
                .collect();
            output::write_csv(&mut out, &["group", "orders", "revenue"], &rows)?;
        }
    }
    out.flush()?;
    if api.interrupted() {
        return Err(CliError::Interrupted);
    }
    Ok(())
}

/// `orders info ID`.
pub fn info(api: &Api, id: &OrderId, format: Format) -> Result<(), CliError> {
    let info = api.client().order_info(id.clone())?;
    let mut out = output::stdout();
    match format {
        Format::Json | Format::Ndjson => write_json(&mut out, format, &info)?,
        Format::Csv => {
            let (header, row) = info_csv(&info);
            output::write_csv(&mut out, &header, &[row])?;
        }
        Format::Table => out.write_all(info_table(&info).as_bytes())?,
    }
    out.flush()?;
    Ok(())
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn info_csv(info: &OrderInfo) -> (Vec<&'static str>, Vec<String>) {
    let o = &info.order;
    let d = |x: &Option<time::OffsetDateTime>| x.as_ref().map(date::format).unwrap_or_default();
    let n = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let header = vec![
        "id",
        "title",
        "url",
        "source_type",
        "creation_date",
        "update_date",
        "paid_date",
        "status",
        "status_name",
        "status_original",
        "price",
        "cost",
        "visit_id",
        "client_id",
        "client_name",
        "visits",
        "products",
    ];
    let row = vec![
        o.id.to_string(),
        opt(&o.title),
        opt(&o.url),
        o.source
            .as_ref()
            .map(|s| opt(&s.r#type))
            .unwrap_or_default(),
        d(&o.creation_date),
        d(&o.update_date),
        d(&o.paid_date),
        opt(&o.status),
        opt(&o.status_name),
        opt(&o.status_original),
        n(o.price),
        n(o.cost),
        opt(&o.visit_id),
        opt(&o.client_id),
        opt(&o.client_name),
        info.visits.len().to_string(),
        info.products.len().to_string(),
    ];
    (header, row)
}

fn info_table(info: &OrderInfo) -> String {
    let o = &info.order;
    let dash = |s: String| if s.is_empty() { "-".to_owned() } else { s };
    let mut pairs: Vec<(&str, String)> = vec![
        ("id", o.id.to_string()),
        ("title", dash(opt(&o.title))),
        ("url", dash(opt(&o.url))),
        (
            "source",
            dash(
                o.source
                    .as_ref()
                    .map(|s| match (&s.r#type, &s.title) {
                        (Some(t), Some(title)) => format!("{t} ({title})"),
                        (Some(t), None) => t.clone(),
                        (None, Some(title)) => title.clone(),
                        (None, None) => String::new(),
                    })
                    .unwrap_or_default(),
            ),
        ),
        ("created", text::date(o.creation_date)),
        ("updated", text::date(o.update_date)),
        ("paid", text::date(o.paid_date)),
        (
            "status",
            dash(
                [opt(&o.status), opt(&o.status_name), opt(&o.status_original)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" / "),
            ),
        ),
        ("price", text::money_opt(o.price)),
        ("cost", text::money_opt(o.cost)),
        (
            "client",
            dash(match (&o.client_name, &o.client_id) {
                (Some(name), Some(id)) => format!("{name} ({id})"),
                (Some(name), None) => name.clone(),
                (None, Some(id)) => id.to_string(),
                (None, None) => String::new(),
            }),
        ),
        ("phones", dash(o.client_phones.join(", "))),
        ("emails", dash(o.client_emails.join(", "))),
        ("visit", dash(opt(&o.visit_id))),
        (
            "multichannel",
            if o.is_multichannel { "yes" } else { "no" }.to_owned(),
        ),
    ];
    for (name, value) in o.fields_data.iter() {
        let v = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "-".to_owned(),
            other => other.to_string(),
        };
        pairs.push((name, v));
    }
    let width = pairs
        .iter()
        .map(|(k, _)| text::width(&text::escape_line(k)))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (k, v) in &pairs {
        let k = text::escape_line(k);
        out.push_str(&format!("{k:<width$}  {}\n", text::escape_line(v)));
    }
    if !info.visits.is_empty() {
        out.push_str(&format!("\nvisits ({}):\n", info.visits.len()));
        let rows: Vec<Vec<String>> = info
            .visits
            .iter()
            .map(|v| {
                vec![
                    opt(&v.id),
                    text::date(v.date),
                    opt(&v.marker),
                    opt(&v.city),
                    opt(&v.landing_page),
                ]
            })
            .collect();
        out.push_str(
            &Table::new(vec![
                Column::text("ID", 12),
                Column::text("DATE", 16),
                Column::text("SOURCE", 50),
                Column::text("CITY", 16),
                Column::text("LANDING PAGE", 50),
            ])
            .render(&rows),
        );
    }
    if !info.products.is_empty() {
        out.push_str(&format!("\nproducts ({}):\n", info.products.len()));
        let rows: Vec<Vec<String>> = info
            .products
            .iter()
            .map(|p| {
                vec![
                    opt(&p.id),
                    opt(&p.name),
                    opt(&p.brand),
                    text::money_opt(p.price),
                    text::money_opt(p.cost),
                    p.quantity.map(|q| q.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        out.push_str(
            &Table::new(vec![
                Column::text("ID", 16),
                Column::text("NAME", 30),
                Column::text("BRAND", 30),
                Column::number("PRICE"),
                Column::number("COST"),
                Column::number("QTY"),
            ])
            .render(&rows),
        );
    }
    out
}

/// `orders url ID`.
pub fn url(api: &Api, id: &OrderId, format: Format) -> Result<(), CliError> {
    let url = api.client().order_external_url(id.clone())?;
    let mut out = output::stdout();
    match format {
        Format::Json | Format::Ndjson => {
            write_json(&mut out, format, &json!({ "id": id, "url": url }))?
        }
        Format::Csv => output::write_csv(&mut out, &["id", "url"], &[vec![id.to_string(), url]])?,
        Format::Table => writeln!(out, "{}", text::escape_line(&url))?,
    }
    out.flush()?;
    Ok(())
}

/// `orders set-status ID STATUS_ID`.
pub fn set_status(api: &Api, id: &OrderId, status: &str, format: Format) -> Result<(), CliError> {
    let status = StatusId::new(status).map_err(|e| CliError::usage(e.to_string()))?;
    api.client()
        .update_order_status(id.clone(), status.clone())?;
    done(
        format,
        json!({ "id": id, "status_id": status, "status": "success" }),
        &format!("order {id}: status set to {status}"),
    )
}

/// `orders delete ID --yes`.
pub fn delete(api: &Api, id: &OrderId, yes: bool, format: Format) -> Result<(), CliError> {
    if !yes {
        return Err(CliError::usage(format!(
            "deleting order {id} cannot be undone: add --yes to confirm"
        )));
    }
    api.client().delete_order(id.clone())?;
    done(
        format,
        json!({ "id": id, "deleted": true, "status": "success" }),
        &format!("order {id} deleted"),
    )
}

/// Prints the outcome of a change: an object (json, ndjson, csv) or a sentence (table).
pub fn done(format: Format, doc: serde_json::Value, sentence: &str) -> Result<(), CliError> {
    let mut out = output::stdout();
    match format {
        Format::Json | Format::Ndjson => write_json(&mut out, format, &doc)?,
        Format::Csv => {
            let map = doc.as_object().cloned().unwrap_or_default();
            let header: Vec<&str> = map.keys().map(String::as_str).collect();
            let row: Vec<String> = map
                .values()
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            output::write_csv(&mut out, &header, &[row])?;
        }
        Format::Table => writeln!(out, "{}", text::escape_line(sentence))?,
    }
    out.flush()?;
    Ok(())
}
