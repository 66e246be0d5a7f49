//! The connection: the blocking client, built from the global options (or the demo
//! server), plus the CLI's own interruptible pacing.
//!
//! Why pace here rather than in the client: the client sleeps for a rate-limit slot
//! inside the call, and a slot can be a minute away; the CLI waits in short steps so
//! Ctrl-C stops an export at once between pages. The client's own limiter is therefore
//! switched off, and every call goes through [`Api::pace`] with the same schedule.
//! All calls to the client live in this file, so the rest of the CLI does not depend on
//! its exact surface.

use std::time::{Duration, Instant};

use roistat_blocking::Client;
use roistat_core::endpoints::ListOrders;
use roistat_core::{Admission, Endpoint, RateClass, RateLimiter, RetryPolicy, ScheduleConfig};
use roistat_mock::MockServer;
use roistat_types::{
    AddOrdersReport, ListOrdersRequest, NewOrder, OrderId, OrderInfo, OrderList, Status, StatusId,
};

use crate::cli::Cli;
use crate::demo;
use crate::error::CliError;
use crate::interrupt::Interrupt;

/// How long to sleep between looks at the Ctrl-C flag while waiting for a slot.
const PACE_STEP: Duration = Duration::from_millis(50);

/// The client, its pacing, and the demo server when there is one.
#[derive(Debug)]
pub struct Api {
    client: Client,
    limiter: RateLimiter,
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
                demo::retry_policy(),
            )?;
            return Ok(Api {
                client,
                limiter: RateLimiter::new(demo::schedule()),
                interrupt,
                _demo: Some(server),
            });
        }
        let key = cli
            .api_key
            .as_deref()
            .filter(|k| !k.trim().is_empty())
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
        let client = build_client(project.get(), key, base_url, RetryPolicy::default())?;
        Ok(Api {
            client,
            // A second of margin per minute: Roistat counts a request when it arrives,
            // the limiter when it leaves.
            limiter: RateLimiter::new(
                ScheduleConfig::documented().with_minute(Duration::from_secs(61)),
            ),
            interrupt,
            _demo: None,
        })
    }

    /// Waits for a rate-limit slot. `false` if Ctrl-C came first (nothing was sent).
    fn pace(&mut self, class: RateClass) -> bool {
        let mut logged = false;
        loop {
            if self.interrupt.requested() {
                return false;
            }
            match self.limiter.try_acquire(&class, Instant::now()) {
                Admission::Now => return true,
                Admission::WaitUntil(at) => {
                    let wait = at.saturating_duration_since(Instant::now());
                    if !logged {
                        tracing::info!(
                            wait_ms = wait.as_millis() as u64,
                            "waiting for the rate limit"
                        );
                        logged = true;
                    }
                    std::thread::sleep(wait.min(PACE_STEP));
                }
                // A future kind of admission: do not spin.
                #[allow(unreachable_patterns)]
                _ => std::thread::sleep(PACE_STEP),
            }
        }
    }

    fn pace_other(&mut self) -> Result<(), CliError> {
        if self.pace(RateClass::Other) {
            Ok(())
        } else {
            Err(CliError::Interrupted)
        }
    }

    /// Whether Ctrl-C was pressed.
    pub fn interrupted(&self) -> bool {
        self.interrupt.requested()
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Whether this is the `--demo` server (for `orders sync`'s paced client).
    pub fn is_demo(&self) -> bool {
        self._demo.is_some()
    }

    /// One page of the order list; `None` if Ctrl-C came while waiting (not sent).
    pub fn list_page(
        &mut self,
        request: &ListOrdersRequest,
    ) -> Result<Option<OrderList>, CliError> {
        // The endpoint knows its own rate-limit tier; the CLI only waits for it.
        let endpoint = ListOrders::new(request.clone())?;
        if !self.pace(endpoint.rate_class()) {
            return Ok(None);
        }
        tracing::debug!(limit = ?request.limit, offset = ?request.offset, "order list page");
        Ok(Some(self.client.send(&endpoint)?))
    }

    /// One add-orders request; `None` if Ctrl-C came while waiting (not sent).
    pub fn add_orders(&mut self, orders: &[NewOrder]) -> Result<Option<AddOrdersReport>, CliError> {
        if !self.pace(RateClass::Other) {
            return Ok(None);
        }
        Ok(Some(self.client.add_orders(orders)?))
    }

    /// Everything about an order.
    pub fn order_info(&mut self, id: &OrderId) -> Result<OrderInfo, CliError> {
        self.pace_other()?;
        Ok(self.client.order_info(id)?)
    }

    /// The order's CRM URL.
    pub fn order_url(&mut self, id: &OrderId) -> Result<String, CliError> {
        self.pace_other()?;
        Ok(self.client.order_external_url(id)?)
    }

    /// The status dictionary.
    pub fn statuses(&mut self) -> Result<Vec<Status>, CliError> {
        self.pace_other()?;
        Ok(self.client.list_statuses()?.data)
    }

    /// Replaces the whole dictionary.
    pub fn set_statuses(&mut self, statuses: &[Status]) -> Result<(), CliError> {
        self.pace_other()?;
        Ok(self.client.set_statuses(statuses)?)
    }

    /// Adds or renames statuses, keeping the others; returns the list sent.
    pub fn upsert_statuses(&mut self, statuses: &[Status]) -> Result<Vec<Status>, CliError> {
        // Two requests: read, then write the merged list.
        self.pace_other()?;
        self.pace_other()?;
        Ok(self.client.upsert_statuses(statuses)?)
    }

    /// Custom field names.
    pub fn custom_fields(&mut self) -> Result<Vec<String>, CliError> {
        self.pace_other()?;
        Ok(self.client.custom_field_names()?)
    }

    /// Changes an order's status.
    pub fn set_order_status(&mut self, id: &OrderId, status: &StatusId) -> Result<(), CliError> {
        self.pace_other()?;
        Ok(self.client.update_order_status(id, status)?)
    }

    /// Deletes an order.
    pub fn delete_order(&mut self, id: &OrderId) -> Result<(), CliError> {
        self.pace_other()?;
        Ok(self.client.delete_order(id)?)
    }
}

fn build_client(
    project: u64,
    key: &str,
    base_url: &str,
    retry: RetryPolicy,
) -> Result<Client, CliError> {
    Ok(Client::builder()
        .project(project)
        .api_key(key)
        .base_url(base_url)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .rate_limits(ScheduleConfig::disabled())
        .retry_policy(retry)
        .user_agent(concat!("roistat-cli/", env!("CARGO_PKG_VERSION")))
        .build()?)
}
