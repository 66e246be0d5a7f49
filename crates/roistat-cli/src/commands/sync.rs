//! `orders sync`: a local SQLite mirror of the project's orders (roistat-sync).
//!
//! The mirror walks with the connection's blocking client (roistat-sync's
//! `OrderSource`), which schedules, pages and retries; Ctrl-C cancels its waits and
//! stops the mirror after the current batch: what was written stays, and the next run
//! resumes.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use roistat_sync::{Mirror, Outcome, SyncError, SyncOptions, SyncSummary};
use roistat_types::Filter;
use serde_json::json;

use crate::api::Api;
use crate::cli::Format;
use crate::error::{CliError, EXIT_API, EXIT_USAGE};
use crate::progress::Progress;

/// `roistat orders sync`
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The SQLite file (created if missing).
    #[arg(long, value_name = "FILE", default_value = "roistat.sqlite")]
    pub db: PathBuf,

    /// Walk every order and mark the ones no longer in Roistat as deleted
    /// (deleted_at). Without it, only orders changed since the last sync are fetched.
    #[arg(long)]
    pub full: bool,

    /// Store each order's visit too (Roistat allows fewer requests per minute then).
    #[arg(long)]
    pub with_visits: bool,

    /// Mirror only the orders this filter selects, e.g. "revenue > 0" (repeat to and
    /// them). Each filter keeps its own incremental watermark.
    #[arg(long = "where", value_name = "EXPR", value_parser = parse_filter)]
    pub where_: Vec<Filter>,

    /// Incremental runs re-fetch orders changed up to this many minutes before the
    /// last sync started (clock skew, CRM delivery delays).
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub margin_minutes: u64,
}

fn parse_filter(s: &str) -> Result<Filter, String> {
    s.parse::<Filter>().map_err(|e| e.to_string())
}

/// Runs the sync and prints a one-line summary (a JSON object with --format json).
pub fn run(api: &Api, args: &SyncArgs, format: Format) -> Result<(), CliError> {
    let client = api.client();
    let mut filters = args.where_.clone();
    let filter = match filters.len() {
        0 => None,
        // A lone filter goes as is: an `and` of one condition has upset Roistat.
        1 => filters.pop(),
        _ => Some(Filter::all(filters)),
    };
    let options = SyncOptions::new()
        .full(args.full)
        .with_visits(args.with_visits)
        .filter(filter)
        .margin(Duration::from_secs(args.margin_minutes.saturating_mul(60)));
    let mut mirror = Mirror::open(&args.db).map_err(|e| sync_error(&args.db, e))?;
    let progress = Progress::new("orders");
    let result = mirror.sync(
        client,
        &options,
        &mut |p| {
            if let Some(total) = p.total {
                progress.set_total(total);
            }
            progress.set_done(p.rows);
        },
        &|| api.interrupted(),
    );
    progress.finish();
    let summary = result.map_err(|e| sync_error(&args.db, e))?;
    print_summary(&summary, args, format);
    match summary.outcome {
        Outcome::Complete => Ok(()),
        _ => {
            eprintln!(
                "interrupted: what was fetched is saved in {}; run the same command to resume",
                args.db.display()
            );
            Err(CliError::Interrupted)
        }
    }
}

fn print_summary(s: &SyncSummary, args: &SyncArgs, format: Format) {
    let requests = s.requests.map_or_else(|| "?".to_owned(), |n| n.to_string());
    let secs = s.elapsed.as_secs_f64();
    match format {
        Format::Json | Format::Ndjson => println!(
            "{}",
            json!({
                "db": args.db.display().to_string(),
                "mode": s.mode.as_str(),
                "outcome": s.outcome.as_str(),
                "new": s.new,
                "updated": s.updated,
                "deleted": s.deleted,
                "unchanged": s.unchanged,
                "requests": s.requests,
                "seconds": (secs * 1000.0).round() / 1000.0,
            })
        ),
        Format::Table | Format::Csv => println!(
            "{} sync of {}: {} new, {} updated, {} deleted, {} unchanged; {requests} requests; {secs:.1} s{}",
            s.mode.as_str(),
            args.db.display(),
            s.new,
            s.updated,
            s.deleted,
            s.unchanged,
            if s.outcome == Outcome::Complete {
                ""
            } else {
                " (interrupted)"
            }
        ),
    }
}

fn sync_error(db: &std::path::Path, e: SyncError) -> CliError {
    match e {
        SyncError::Source { source, .. } => match source.downcast::<roistat_blocking::Error>() {
            // The SDK's error, with its usual exit code and wording.
            Ok(sdk) => {
                eprintln!(
                    "the sync stopped; what was fetched is saved in {} and the next run resumes",
                    db.display()
                );
                CliError::Sdk(*sdk)
            }
            Err(other) => {
                eprintln!("error: {other}");
                CliError::Reported(EXIT_API)
            }
        },
        other => {
            let mut text = other.to_string();
            let mut cause = std::error::Error::source(&other);
            while let Some(c) = cause {
                text.push_str(": ");
                text.push_str(&c.to_string());
                cause = c.source();
            }
            eprintln!("error: {text}");
            CliError::Reported(EXIT_USAGE)
        }
    }
}
