//! `roistat`: export, import and manage the orders and statuses of a Roistat project,
//! from a terminal or a script. `roistat --demo ...` runs against a built-in fake server.
//!
//! Modules, one concept each:
//! - [`cli`]: the command line (clap);
//! - [`api`]: the connection (client, demo server, Ctrl-C and long waits);
//! - [`commands`]: what each command does;
//! - [`pages`]: streaming every order of a query through the client's pagination;
//!   [`odd`]: naming the orders that could only be read in part;
//! - [`import`]: reading and checking orders to upload;
//! - [`summary`]: grouping orders for `orders summary`;
//! - [`output`]: formats and tables; [`progress`]: the progress bar;
//! - [`error`]: error lines and exit codes; [`interrupt`]: Ctrl-C.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// The doc comments of `cli` are clap's help text, read in a terminal: plain URLs there.
#![allow(rustdoc::bare_urls)]

mod api;
mod cli;
mod commands;
mod demo;
mod error;
mod import;
mod interrupt;
mod odd;
mod output;
mod pages;
mod progress;
mod summary;

use std::process::ExitCode;

use clap::Parser;

use crate::api::Api;
use crate::cli::Cli;
use crate::error::CliError;
use crate::interrupt::Interrupt;

/// Set to `1` to print the process's peak memory (`peak-rss-kib: N`, from
/// /proc/self/status) on stderr at exit: the tests use it to check that `--all` keeps
/// one page in memory, not the whole export.
const PEAK_RSS_ENV: &str = "ROISTAT_CLI_REPORT_PEAK_RSS";

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let code = match run(&cli) {
        Ok(()) => 0,
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            match &e {
                CliError::Reported(_) | CliError::Interrupted => {}
                other => eprintln!("error: {other}"),
            }
            e.exit_code()
        }
    };
    if std::env::var_os(PEAK_RSS_ENV).is_some_and(|v| v == "1") {
        report_peak_rss();
    }
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn run(cli: &Cli) -> Result<(), CliError> {
    let format = output::resolve_format(cli.format);
    output::set_csv_safe(cli.csv_safe);
    let interrupt = Interrupt::install();
    let api = Api::connect(cli, interrupt)?;
    commands::run(&api, &cli.command, format)
}

/// Logs to stderr, only from this project's crates: -v info, -vv debug, -vvv trace.
/// `RUST_LOG` is ignored on purpose: HTTP libraries' debug logs could show headers,
/// and the API key is never to be printed.
fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let directives = [
        "roistat",
        "roistat_blocking",
        "roistat_core",
        "roistat_mock",
    ]
    .iter()
    .map(|target| format!("{target}={level}"))
    .collect::<Vec<_>>()
    .join(",");
    let filter = tracing_subscriber::EnvFilter::new(format!("warn,{directives}"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(verbose >= 2)
        .try_init();
}

fn report_peak_rss() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kib) = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    {
        eprintln!("peak-rss-kib: {kib}");
    }
}
