//! Auto-pagination: core's walk (through [`WalkSession`]) as an iterator, with up to
//! `max_in_flight` pages fetched at once on short-lived threads.

use std::sync::mpsc::{Receiver, Sender, channel};

use roistat_core::types::{ListOrdersRequest, Order, OrderList};
use roistat_core::{Error, FetchId, WalkAction, WalkConfig, WalkReport, WalkSession};

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
    start: Option<(ListOrdersRequest, WalkConfig)>,
    session: Option<WalkSession>,
    answers: (Sender<Answer>, Receiver<Answer>),
    sequential: bool,
}

impl std::fmt::Debug for Orders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders")
            .field("progress", &self.progress())
            .finish_non_exhaustive()
    }
}

roistat_core::walk_options!(Orders);

impl Orders {
    pub(crate) fn new(client: Client, request: ListOrdersRequest) -> Self {
        Self {
            client,
            start: Some((request, WalkConfig::default())),
            session: None,
            answers: channel(),
            sequential: false,
        }
    }

    fn config(mut self, f: impl FnOnce(WalkConfig) -> WalkConfig) -> Self {
        self.start = self
            .start
            .take()
            .map(|(request, config)| (request, f(config)));
        self
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
        if let Some((request, config)) = self.start.take() {
            self.sequential = config.max_in_flight <= 1;
            self.session = Some(WalkSession::new(self.client.engine(), request, config));
        }
        let session = self.session.as_mut()?;
        loop {
            match session.next_action() {
                WalkAction::Deliver(order) => return Some(Ok(order)),
                WalkAction::Fetch(fetch) => {
                    // Through the session's engine: it counts the walk's refusals.
                    let client = self.client.with_engine(session.engine().clone());
                    if self.sequential {
                        session.answer(fetch.id, client.send(&fetch.endpoint));
                        continue;
                    }
                    let answers = self.answers.0.clone();
                    std::thread::spawn(move || {
                        // The iterator may be gone: the answer is then not needed.
                        let _ = answers.send((fetch.id, client.send(&fetch.endpoint)));
                    });
                }
                WalkAction::AwaitAnswer => {
                    // Every fetch thread answers (its send is bounded by the timeouts).
                    let (id, result) = self.answers.1.recv().ok()?;
                    session.answer(id, result);
                }
                WalkAction::End(error) => return error.map(Err),
                _ => return None,
            }
        }
    }
}
