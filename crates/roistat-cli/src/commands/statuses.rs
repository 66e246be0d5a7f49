//! `roistat statuses list|set|upsert`.
//!
//! `set` replaces the whole dictionary (Roistat deletes what the list leaves out), so it
//! shows what would be removed and needs `--yes`; `upsert` changes one status and keeps
//! the rest.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use roistat_types::{Status, StatusId, StatusType};
use serde_json::json;

use crate::api::Api;
use crate::cli::Format;
use crate::error::CliError;
use crate::output::{self, text::Column, text::Table};

/// Prints the dictionary.
pub fn list(api: &Api, format: Format) -> Result<(), CliError> {
    let statuses = api.client().list_statuses()?.data;
    print(&statuses, format)
}

fn print(statuses: &[Status], format: Format) -> Result<(), CliError> {
    let mut out = output::stdout();
    let rows: Vec<Vec<String>> = statuses
        .iter()
        .map(|s| vec![s.id.to_string(), s.name.clone(), s.r#type.to_string()])
        .collect();
    match format {
        Format::Json | Format::Ndjson => output::write_json_list(&mut out, format, statuses)?,
        Format::Csv => output::write_csv(&mut out, &["id", "name", "type"], &rows)?,
        Format::Table => {
            let table = Table::new(vec![
                Column::text("ID", 40),
                Column::text("NAME", 60),
                Column::text("TYPE", 10),
            ]);
            out.write_all(table.render(&rows).as_bytes())?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Replaces the dictionary with FILE.
pub fn set(api: &Api, file: &Path, yes: bool, format: Format) -> Result<(), CliError> {
    let (input, source) = super::read_input(file)?;
    let new = parse_statuses(&input, &source)?;
    let current = api.client().list_statuses()?.data;
    let new_ids: HashSet<&str> = new.iter().map(|s| s.id.as_str()).collect();
    let old_ids: HashSet<&str> = current.iter().map(|s| s.id.as_str()).collect();
    let removed: Vec<&str> = current
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| !new_ids.contains(id))
        .collect();
    let added: Vec<&str> = new
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| !old_ids.contains(id))
        .collect();
    let changed: Vec<&str> = new
        .iter()
        .filter(|s| {
            current
                .iter()
                .any(|c| c.id == s.id && (c.name != s.name || c.r#type != s.r#type))
        })
        .map(|s| s.id.as_str())
        .collect();
    let changes = format!(
        "{} added, {} changed, {} removed{}",
        added.len(),
        changed.len(),
        removed.len(),
        if removed.is_empty() {
            String::new()
        } else {
            format!(" ({})", removed.join(", "))
        }
    );
    let plan = format!(
        "{} statuses now, {} after: {changes}",
        current.len(),
        new.len()
    );
    if !yes {
        return Err(CliError::usage(format!(
            "`statuses set` replaces the WHOLE status dictionary ({plan}); add --yes to \
             confirm, or use `statuses upsert` to change one status"
        )));
    }
    api.client().set_statuses(new.clone())?;
    super::orders::done(
        format,
        json!({
            "statuses": new.len(),
            "added": added,
            "changed": changed,
            "removed": removed,
            "status": "success",
        }),
        // Said after the fact: what was there and what is there now.
        &format!(
            "replaced the whole status dictionary: {} statuses replaced with {}: {changes}",
            current.len(),
            new.len()
        ),
    )
}

/// Adds or renames one status, keeping the others.
pub fn upsert(
    api: &Api,
    id: &str,
    name: &str,
    r#type: &StatusType,
    format: Format,
) -> Result<(), CliError> {
    let id = StatusId::new(id).map_err(|e| CliError::usage(e.to_string()))?;
    let status = Status::new(id.clone(), name, r#type.clone());
    let sent = api.client().upsert_statuses(vec![status])?;
    super::orders::done(
        format,
        json!({ "id": id, "name": name, "type": r#type, "statuses": sent.len(), "status": "success" }),
        &format!(
            "status {id} is now \"{name}\" ({type}); the dictionary has {} statuses",
            sent.len(),
            type = r#type
        ),
    )
}

/// A JSON array of `{"id","name","type"}` or CSV with a header `id,name,type`.
fn parse_statuses(input: &str, source: &str) -> Result<Vec<Status>, CliError> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let statuses: Vec<Status> = if input.trim_start().starts_with('[') {
        serde_json::from_str(input)
            .map_err(|e| CliError::usage(format!("{source}: not a JSON array of statuses: {e}")))?
    } else {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input.as_bytes());
        let mut out = Vec::new();
        for record in reader.deserialize::<Status>() {
            out.push(record.map_err(|e| CliError::usage(format!("{source}: {e}")))?);
        }
        out
    };
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    for (i, s) in statuses.iter().enumerate() {
        if let Err(e) = s.validate() {
            problems.push(format!("status #{}: {e}", i + 1));
        }
        if !seen.insert(s.id.as_str()) {
            problems.push(format!("status #{}: id `{}` appears twice", i + 1, s.id));
        }
    }
    if statuses.is_empty() {
        problems.push("no statuses: an empty list would delete every status".to_owned());
    }
    if problems.is_empty() {
        Ok(statuses)
    } else {
        Err(CliError::usage(format!(
            "{source}: {}",
            problems.join("; ")
        )))
    }
}
