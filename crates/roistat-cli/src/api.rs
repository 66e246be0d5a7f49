//! The connection: the blocking client built from the global options (or the demo
//! server), with Ctrl-C wired to its cancel handle and its long waits shown on stderr.
//!
//! The CLI is a user of the SDK like any other: the client schedules, pages, batches and
//! retries; this file only builds it and names its calls for the commands.

use std::time::Duration;

use roistat_blocking::Client;
use roistat_core::{RetryPolicy, ScheduleConfig, WaitEvent};
use roistat_mock::MockServer;

use crate::cli::Cli;
use crate::demo;
use crate::error::CliError;
use crate::interrupt::Interrupt;

/// Waits at least this long are announced on stderr at the default verbosity.
const ANNOUNCE_WAITS_FROM: Duration = Duration::from_secs(2);

/// The client, the Ctrl-C flag, and the demo server when there is one.
#[derive(Debug)]
pub struct Api {
    client: Client,
    interrupt: Interrupt,
    /// Kept alive for as long as the client talks to it.
    _demo: Option<MockServer>,
}

impl Api {
    /// Connects as the global options say: `--demo`, or project, key and base URL from
    /// the flags or the environment.
    pub fn connect(cli: &Cli, interrupt: Interrupt) -> Result<Api, CliError> {
        if cli.demo {
            let server = demo::start()
                .map_err(|e| CliError::io("starting the demo server on 127.0.0.1", e))?;
            tracing::info!(
                base_url = %server.base_url(),
                orders = demo::ORDERS,
                "demo server started"
            );
            let client = build_client(
                server.project(),
                server.api_key(),
                &server.base_url(),
                demo::schedule(),
                demo::retry_policy(),
                cli.strict,
                &interrupt,
            )?;
            return Ok(Api {
                client,
                interrupt,
                _demo: Some(server),
            });
        }
        let key = cli
            .api_key
            .as_ref()
            .map(roistat_core::ApiKey::expose_secret)
            .ok_or_else(|| {
                CliError::usage(
                    "no API key: set ROISTAT_API_KEY or pass --api-key \
                 (or try --demo for a built-in fake server)",
                )
            })?;
        let project = cli.project.ok_or_else(|| {
            CliError::usage(
                "no project: set ROISTAT_PROJECT or pass --project \
                 (or try --demo for a built-in fake server)",
            )
        })?;
        let base_url = cli
            .base_url
            .as_deref()
            .unwrap_or(roistat_core::config::DEFAULT_BASE_URL);
        let client = build_client(
            project.get(),
            key,
            base_url,
            ScheduleConfig::documented(),
            RetryPolicy::default(),
            cli.strict,
            &interrupt,
        )?;
        Ok(Api {
            client,
            interrupt,
            _demo: None,
        })
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Whether Ctrl-C was pressed.
    pub fn interrupted(&self) -> bool {
        self.interrupt.requested()
    }
}

fn build_client(
    project: u64,
    key: &str,
    base_url: &str,
    schedule: ScheduleConfig,
    retry: RetryPolicy,
    strict: bool,
    interrupt: &Interrupt,
) -> Result<Client, CliError> {
    Ok(Client::builder()
        .project(project)
        .api_key(key)
        .base_url(base_url)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .rate_limits(schedule)
        .retry_policy(retry)
        // Odd rows are delivered and named at the end of an export, unless --strict.
        .strict(strict)
        .cancel_handle(interrupt.cancel_handle())
        .on_wait(announce)
        .user_agent(concat!("roistat-cli/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// Tells the user why nothing seems to happen, when the wait is long enough to notice.
fn announce(event: &WaitEvent) {
    if event.wait >= ANNOUNCE_WAITS_FROM {
        eprintln!(
            "{}: {} s (Ctrl-C to stop)",
            event.reason,
            event.wait.as_secs_f64().ceil() as u64
        );
    }
}
