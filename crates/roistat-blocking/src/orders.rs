//! Auto-pagination: core's [`Walk`](roistat_core::Walk) as an iterator, with up to
//! `max_in_flight` pages fetched at once on short-lived threads.

use std::sync::mpsc::{Receiver, Sender, channel};

use roistat_core::types::{ListOrdersRequest, Order, OrderList};
use roistat_core::{Error, FetchId, WalkConfig, WalkReport, WalkSession, WalkStep};

use crate::Client;

type Answer = (FetchId, Result<OrderList, Error>);

/// Every order a query selects, exactly once even while the project changes (see
/// [`roistat_core::walk`]), fetched under the rate limit with a few pages in flight.
///
/// Memory holds the pages in flight, not the walk. After an error the iterator yields
/// that error once and ends; [`progress`](Self::progress) says how far it got
/// (`resume_offset` continues it). Dropping it stops the walk: pages still in flight
/// finish on their threads and are discarded.
#[must_use = "iterators are lazy: nothing is fetched until it is driven"]
pub struct Orders {
    client: Client,
    request: Option<(ListOrdersRequest, WalkConfig)>,
    session: Option<WalkSession>,
    answers: (Sender<Answer>, Receiver<Answer>),
    sequential: bool,
    ended: bool,
}

impl std::fmt::Debug for Orders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders")
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

impl Orders {
    pub(crate) fn new(client: Client, request: ListOrdersRequest) -> Self {
        Self {
            client,
            request: Some((request, WalkConfig::default())),
            session: None,
            answers: channel(),
            sequential: false,
            ended: false,
        }
    }

    fn config(mut self, f: impl FnOnce(WalkConfig) -> WalkConfig) -> Self {
        if let Some((request, config)) = self.request.take() {
            self.request = Some((request, f(config)));
        }
        self
    }

    /// Sets the page size (the request's `limit` otherwise, or the fastest size for the
    /// documented tiers, up to 5,000 or the server's learned cap). Call before iterating.
    pub fn page_size(self, size: u32) -> Self {
        self.config(|c| c.page_size(size))
    }

    /// Stops after `n` orders. Call before iterating.
    pub fn max_orders(self, n: u64) -> Self {
        self.config(|c| c.max_orders(n))
    }

    /// How many pages may be in flight at once (default 4; 1 fetches one page at a
    /// time). The rate limiter still decides when each is sent. Call before iterating.
    pub fn max_in_flight(self, pages: usize) -> Self {
        self.config(|c| c.max_in_flight(pages))
    }

    /// Rows, pages, requests, refusals, duplicates suppressed and gaps re-fetched so far,
    /// and where to resume.
    pub fn progress(&self) -> WalkReport {
        self.session
            .as_ref()
            .map(WalkSession::report)
            .unwrap_or_default()
    }
}

impl Iterator for Orders {
    type Item = Result<Order, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        if let Some((request, config)) = self.request.take() {
            self.sequential = config.max_in_flight <= 1;
            self.session = Some(WalkSession::new(self.client.engine(), request, config));
        }
        let session = self.session.as_mut()?;
        loop {
            let walk = match session.walk() {
                Ok(walk) => walk,
                Err(e) => {
                    self.ended = true;
                    return e.map(Err);
                }
            };
            let failure = match walk.poll() {
                WalkStep::Deliver(order) => return Some(Ok(order)),
                WalkStep::Fetch(fetch) => {
                    // Through the session's engine: it counts the walk's refusals.
                    let client = self.client.with_engine(session.engine().clone());
                    if self.sequential {
                        let result = client.send(&fetch.endpoint);
                        session.answer(fetch.id, result)
                    } else {
                        let answers = self.answers.0.clone();
                        std::thread::spawn(move || {
                            let result = client.send(&fetch.endpoint);
                            // The iterator may be gone: the answer is then not needed.
                            let _ = answers.send((fetch.id, result));
                        });
                        None
                    }
                }
                WalkStep::Pending => {
                    // Every fetch thread answers (its send is bounded by the timeouts).
                    let (id, result) = self.answers.1.recv().ok()?;
                    session.answer(id, result)
                }
                WalkStep::Failed(e) => Some(e),
                _ => {
                    self.ended = true;
                    return None;
                }
            };
            if let Some(e) = failure {
                self.ended = true;
                return Some(Err(e));
            }
        }
    }
}
