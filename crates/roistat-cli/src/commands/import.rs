//! `roistat orders import FILE`: check every row, then upload in batches, reporting
//! each batch as it is answered and the totals at the end.
//!
//! Nothing is sent while any row is invalid (unless `--skip-invalid`). A Ctrl-C or a
//! failed batch stops the upload before the next batch and says which batches were sent,
//! with the `--from-batch` that resumes without sending anything twice.

use std::io::Write;

use roistat_types::AddOrdersReport;
use serde::Serialize;

use crate::api::Api;
use crate::cli::{Format, ImportArgs};
use crate::error::{CliError, EXIT_USAGE};
use crate::import::{self, Parsed};
use crate::output::{self, text};
use crate::progress::Progress;

/// One answered batch.
#[derive(Debug, Serialize)]
struct BatchLine {
    batch: usize,
    orders: usize,
    first_line: u64,
    last_line: u64,
    #[serde(flatten)]
    report: AddOrdersReport,
}

const COUNTERS: [&str; 9] = [
    "uploaded",
    "processed",
    "saved",
    "skipped_because_not_changed",
    "skipped_by_waiting_visit_info",
    "skipped_by_status",
    "skipped_by_internal_error",
    "skipped_fields_by_invalid_format",
    "comment",
];

fn counters(r: &AddOrdersReport) -> Vec<String> {
    vec![
        r.uploaded.to_string(),
        r.processed.to_string(),
        r.saved.to_string(),
        r.skipped_because_not_changed.to_string(),
        r.skipped_by_waiting_visit_info.to_string(),
        r.skipped_by_status.to_string(),
        r.skipped_by_internal_error.to_string(),
        r.skipped_fields_by_invalid_format.to_string(),
        r.comment.clone(),
    ]
}

fn sentence(r: &AddOrdersReport) -> String {
    let mut s = format!(
        "uploaded {}, processed {}, saved {}, not changed {}, waiting for visit {}, \
         skipped by status {}, internal errors {}, fields skipped for format {}",
        r.uploaded,
        r.processed,
        r.saved,
        r.skipped_because_not_changed,
        r.skipped_by_waiting_visit_info,
        r.skipped_by_status,
        r.skipped_by_internal_error,
        r.skipped_fields_by_invalid_format
    );
    if !r.comment.is_empty() {
        s.push_str(&format!(" ({})", text::escape_line(&r.comment)));
    }
    s
}

/// Runs the import.
pub fn run(api: &Api, args: &ImportArgs, format: Format) -> Result<(), CliError> {
    let (input, source) = super::read_input(&args.file)?;
    let parsed = import::parse(&input, args.input_format, &source)?;
    drop(input);
    report_problems(&parsed, &source, args.skip_invalid)?;

    let batch_size = args.batch_size as usize;
    let batches = parsed.orders.len().div_ceil(batch_size);
    let first = args.from_batch as usize;
    if first > batches {
        return Err(CliError::usage(format!(
            "--from-batch {first}: {source} has only {batches} batch{} of {batch_size}",
            if batches == 1 { "" } else { "es" }
        )));
    }

    let mut out = output::stdout();
    let mut csv_header_done = false;
    // `--format json` streams one document: the batches array is opened at once and
    // each record written as its batch completes.
    let mut json_batches = 0usize;
    if format == Format::Json {
        write!(out, "{{\"batches\":[")?;
        out.flush()?;
    }
    let mut totals = AddOrdersReport::default();
    let bar = Progress::new("orders");
    bar.set_total(parsed.orders.len().saturating_sub((first - 1) * batch_size) as u64);
    let mut sent_orders = 0u64;
    let mut answered = 0usize;

    let mut stop: Option<Result<(), CliError>> = None;
    let offset = (first - 1) * batch_size;
    let rest = parsed.orders.get(offset..).unwrap_or_default();
    // The client validates, batches, limits and retries; each batch's record is written
    // as soon as it completes, so an interrupted import still leaves its records.
    for batch in api.client().add_orders_in_batches(rest, batch_size) {
        let index = first + batch.index;
        let (Some(&first_line), Some(&last_line)) = (
            parsed.lines.get(offset + batch.range.start),
            parsed
                .lines
                .get((offset + batch.range.end).saturating_sub(1)),
        ) else {
            break;
        };
        let report = match batch.result {
            Ok(r) => r,
            Err(e) if e.is_cancelled() || api.interrupted() => {
                stop = Some(Err(interrupted(first, index, batches, args, &e)));
                break;
            }
            Err(e) => {
                let sent = if index > first {
                    format!("batches {first}-{} were sent", index - 1)
                } else {
                    "no batch was sent".to_owned()
                };
                let state = match e.request_state() {
                    roistat_core::RequestState::MaybeProcessed => " (it may have been applied)",
                    _ => "",
                };
                eprintln!(
                    "note: batch {index} of {batches} ({}) failed{state}; \
                     {sent}; rerun with --from-batch {index} --batch-size {batch_size} to continue",
                    lines_text(first_line, last_line)
                );
                stop = Some(Err(e.into()));
                break;
            }
        };
        totals.accumulate(&report);
        sent_orders += batch.range.len() as u64;
        answered += 1;
        let line = BatchLine {
            batch: index,
            orders: batch.range.len(),
            first_line,
            last_line,
            report,
        };
        bar.suspend(|| -> Result<(), CliError> {
            match format {
                Format::Table => writeln!(
                    out,
                    "batch {index}/{batches}: {} ({}): {}",
                    plural(line.orders, "order", "orders"),
                    lines_text(first_line, last_line),
                    sentence(&line.report)
                )?,
                Format::Ndjson => output::write_json(&mut out, format, &line)?,
                Format::Json => {
                    if json_batches > 0 {
                        out.write_all(b",")?;
                    }
                    serde_json::to_writer(&mut out, &line)?;
                    json_batches += 1;
                }
                Format::Csv => {
                    let mut csv = csv::WriterBuilder::new().from_writer(&mut out);
                    if !csv_header_done {
                        let mut h = vec!["batch", "orders", "first_line", "last_line"];
                        h.extend(COUNTERS);
                        csv.write_record(&h)?;
                        csv_header_done = true;
                    }
                    let mut row = vec![
                        index.to_string(),
                        line.orders.to_string(),
                        first_line.to_string(),
                        last_line.to_string(),
                    ];
                    row.extend(counters(&line.report));
                    csv.write_record(&row)?;
                    csv.flush()?;
                }
            }
            out.flush()?;
            Ok(())
        })?;
        bar.set_done(sent_orders);
        if api.interrupted() && answered < batches + 1 - first {
            stop = Some(Err(interrupted_between(first, index + 1, batches, args)));
            break;
        }
    }
    bar.finish();

    // `complete` means every batch was answered; what Roistat did not save of them is
    // `skipped` (and said in words on stderr below).
    let complete = stop.is_none();
    let skipped = totals.skipped_total();
    match format {
        Format::Table => writeln!(
            out,
            "total: {} in {}{}: {}; not saved {skipped}",
            plural(sent_orders as usize, "order", "orders"),
            plural(answered, "batch", "batches"),
            if parsed.invalid_rows > 0 {
                format!(" ({} invalid rows skipped)", parsed.invalid_rows)
            } else {
                String::new()
            },
            sentence(&totals)
        )?,
        Format::Json => {
            let rest = serde_json::json!({
                "total": totals,
                "orders_sent": sent_orders,
                "invalid_rows_skipped": parsed.invalid_rows,
                "skipped": skipped,
                "complete": complete,
            });
            let rest = serde_json::to_string(&rest)?;
            // `{"total":...}` minus its opening brace closes the streamed document.
            writeln!(out, "],{}", rest.strip_prefix('{').unwrap_or(&rest))?;
        }
        Format::Ndjson => output::write_json(
            &mut out,
            format,
            &serde_json::json!({
                "total": totals,
                "orders_sent": sent_orders,
                "skipped": skipped,
                "complete": complete,
            }),
        )?,
        Format::Csv => {
            let mut csv = csv::WriterBuilder::new().from_writer(&mut out);
            if !csv_header_done {
                let mut h = vec!["batch", "orders", "first_line", "last_line"];
                h.extend(COUNTERS);
                csv.write_record(&h)?;
            }
            let mut row = vec![
                "total".to_owned(),
                sent_orders.to_string(),
                String::new(),
                String::new(),
            ];
            row.extend(counters(&totals));
            csv.write_record(&row)?;
            csv.flush()?;
        }
    }
    out.flush()?;
    if let Some(note) = not_saved_note(&totals, sent_orders) {
        eprint!("{note}");
    }
    stop.unwrap_or(Ok(()))
}

/// What Roistat did not save, in words, with what to do about each reason (`None` when
/// it saved or kept everything). The counters alone read like success: `complete` is
/// true and the exit code 0 even when every order was refused.
fn not_saved_note(totals: &AddOrdersReport, sent: u64) -> Option<String> {
    let skipped = totals.skipped_total();
    if skipped == 0 {
        return None;
    }
    let mut note = format!(
        "warning: Roistat did not save {} of the {} sent:\n",
        plural(skipped as usize, "order", "orders"),
        text::count(sent)
    );
    for (reason, n) in totals.skipped() {
        note.push_str(&format!("  {}: {reason}\n", text::count(n)));
    }
    Some(note)
}

/// "1 order", "3 orders" (with thousands separators).
fn plural(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        text::count(n as u64),
        if n == 1 { one } else { many }
    )
}

/// "line 5", "lines 2-4".
fn lines_text(first: u64, last: u64) -> String {
    if first == last {
        format!("line {first}")
    } else {
        format!("lines {first}-{last}")
    }
}

/// Prints every bad row; without `--skip-invalid`, refuses to send anything.
fn report_problems(parsed: &Parsed, source: &str, skip_invalid: bool) -> Result<(), CliError> {
    if parsed.problems.is_empty() {
        return Ok(());
    }
    let level = if skip_invalid { "warning" } else { "error" };
    for p in &parsed.problems {
        eprintln!(
            "{level}: {source}: line {}: {}: {}",
            p.line, p.field, p.reason
        );
    }
    if skip_invalid {
        eprintln!(
            "warning: skipping {} invalid row{}; sending the {} valid ones",
            parsed.invalid_rows,
            if parsed.invalid_rows == 1 { "" } else { "s" },
            parsed.orders.len()
        );
        if parsed.orders.is_empty() {
            eprintln!("error: {source}: no valid rows to send");
            return Err(CliError::Reported(EXIT_USAGE));
        }
        Ok(())
    } else {
        eprintln!(
            "error: {} invalid row{} in {source}; nothing was sent (fix them, or pass \
             --skip-invalid to send the {} valid ones)",
            parsed.invalid_rows,
            if parsed.invalid_rows == 1 { "" } else { "s" },
            parsed.orders.len()
        );
        Err(CliError::Reported(EXIT_USAGE))
    }
}

fn interrupted(
    first: usize,
    index: usize,
    batches: usize,
    args: &ImportArgs,
    e: &roistat_core::Error,
) -> CliError {
    let sent = if index > first {
        format!("sent batches {first}-{} of {batches}", index - 1)
    } else {
        "sent no batch".to_owned()
    };
    let rest = match e.request_state() {
        roistat_core::RequestState::MaybeProcessed if index < batches => format!(
            "batch {index} may have been applied; batches {}-{batches} were not sent",
            index + 1
        ),
        roistat_core::RequestState::MaybeProcessed => {
            format!("batch {index} may have been applied")
        }
        _ => format!("batches {index}-{batches} were not sent"),
    };
    eprintln!(
        "interrupted: {sent}; {rest}: rerun with --from-batch {index} --batch-size {} to \
         send the rest",
        args.batch_size
    );
    CliError::Interrupted
}

fn interrupted_between(first: usize, next: usize, batches: usize, args: &ImportArgs) -> CliError {
    eprintln!(
        "interrupted: sent batches {first}-{} of {batches}; batches {next}-{batches} were not \
         sent: rerun with --from-batch {next} --batch-size {} to send the rest",
        next - 1,
        args.batch_size
    );
    CliError::Interrupted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_each_reason_with_its_count() {
        let r: AddOrdersReport = serde_json::from_str(
            r#"{"uploaded": 5, "saved": 1, "skipped_by_status": 3, "skipped_by_internal_error": 1}"#,
        )
        .unwrap();
        let note = not_saved_note(&r, 5).unwrap();
        assert!(
            note.starts_with("warning: Roistat did not save 4 orders of the 5 sent:\n"),
            "{note}"
        );
        assert!(
            note.contains("  3: status id not in the status dictionary"),
            "{note}"
        );
        assert!(note.contains("roistat statuses upsert"), "{note}");
        assert!(note.contains("  1: internal error at Roistat"), "{note}");
        assert!(not_saved_note(&AddOrdersReport::default(), 5).is_none());
    }
}
