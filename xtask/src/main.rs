//! Developer tasks: `cargo xtask <task>`.
//!
//! - `fixtures [--dir DIR]`: decodes every fixture under `fixtures/` with the SDK's
//!   models and decoder; fails on any error.
//! - `record --base-url URL --project N [--out DIR] [--limit N]`: records the answers
//!   of the read-only operations through `roistat-blocking` (key from
//!   `ROISTAT_API_KEY`), redacted, into `fixtures/recorded/` (none is committed yet: the
//!   fixtures are the reference's examples and documented real-world variants).
//! - `bench`, `fuzz`: see their modules.
//! - `release-check [--no-verify] [--allow-dirty]`: is the workspace ready to publish
//!   (see `release.rs`).

mod bench;
mod fixtures;
mod fuzz;
mod record;
mod redact;
mod release;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  fixtures [--dir DIR]     decode every fixture (default: the workspace's fixtures/)
  record --base-url URL --project N [--out DIR] [--limit N]
                           record the read-only operations' answers, redacted
                           (API key from ROISTAT_API_KEY; default out: fixtures/recorded)
  bench [--no-criterion] [--only NAME,...]
                           run the benchmarks (or only the named figures), print
                           each figure and its target
  fuzz --seconds N [--target NAME]
                           run every cargo-fuzz target under fuzz/ (nightly)
  release-check [--no-verify] [--allow-dirty]
                           versions, publish order, metadata, READMEs and changelog,
                           then `cargo package` (verified) and `cargo doc -D warnings`";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("fixtures") => run_fixtures(&args[1..]),
        Some("record") => run_record(&args[1..]),
        Some("bench") => bench::run(&args[1..], &workspace_root()),
        Some("fuzz") => fuzz::run(&args[1..], &workspace_root()),
        Some("release-check") => release::run(&args[1..], &workspace_root()),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace's root (xtask lives one level below it).
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// `--name value` pairs; anything else is an error.
fn options<'a>(args: &'a [String], known: &[&str]) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(name) = it.next() {
        if !known.contains(&name.as_str()) {
            return Err(format!("unknown option `{name}`\n\n{USAGE}"));
        }
        let value = it.next().ok_or_else(|| format!("`{name}` needs a value"))?;
        out.push((name.as_str(), value.as_str()));
    }
    Ok(out)
}

fn run_fixtures(args: &[String]) -> Result<(), String> {
    let mut dir = workspace_root().join("fixtures");
    for (name, value) in options(args, &["--dir"])? {
        if name == "--dir" {
            dir = PathBuf::from(value);
        }
    }
    let report = fixtures::check_dir(&dir)?;
    for problem in &report.problems {
        eprintln!("FAIL {problem}");
    }
    println!(
        "{} fixtures checked under {}, {} failed",
        report.checked,
        dir.display(),
        report.problems.len()
    );
    if report.problems.is_empty() && report.checked > 0 {
        Ok(())
    } else if report.checked == 0 {
        Err(format!("no fixtures found under {}", dir.display()))
    } else {
        Err(format!("{} fixtures failed", report.problems.len()))
    }
}

fn run_record(args: &[String]) -> Result<(), String> {
    let mut base_url = None;
    let mut project = None;
    let mut out = workspace_root().join("fixtures").join("recorded");
    let mut limit = record::DEFAULT_LIMIT;
    for (name, value) in options(args, &["--base-url", "--project", "--out", "--limit"])? {
        match name {
            "--base-url" => base_url = Some(value.to_string()),
            "--project" => {
                project = Some(
                    value
                        .parse::<u64>()
                        .map_err(|e| format!("--project {value:?}: {e}"))?,
                );
            }
            "--out" => out = PathBuf::from(value),
            "--limit" => {
                limit = value
                    .parse::<u32>()
                    .map_err(|e| format!("--limit {value:?}: {e}"))?;
            }
            _ => {}
        }
    }
    let base_url = base_url.ok_or("record needs --base-url URL")?;
    let project = project.ok_or("record needs --project N")?;
    let api_key = std::env::var("ROISTAT_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
        .ok_or("ROISTAT_API_KEY is not set: export the project's API key")?;
    let options = record::Options {
        base_url,
        project,
        api_key,
        out,
        limit,
    };
    let recorded = record::record(&options)?;
    for file in &recorded {
        println!("recorded {}", file.display());
    }
    Ok(())
}
