//! `roistat fields list`.

use std::io::Write;

use crate::api::Api;
use crate::cli::Format;
use crate::error::CliError;
use crate::output;

/// Prints the custom field names.
pub fn list(api: &Api, format: Format) -> Result<(), CliError> {
    let names = api.client().custom_field_names()?;
    let mut out = output::stdout();
    match format {
        Format::Json | Format::Ndjson => output::write_json_list(&mut out, format, &names)?,
        Format::Csv => {
            let rows: Vec<Vec<String>> = names.iter().map(|n| vec![n.clone()]).collect();
            output::write_csv(&mut out, &["name"], &rows)?;
        }
        Format::Table => {
            writeln!(out, "FIELD")?;
            for n in &names {
                writeln!(out, "{}", output::text::escape_line(n))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
