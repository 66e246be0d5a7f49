//! What both clients do around a [`Walk`] besides I/O: start it with the client's
//! learned page cap, turn its steps into the few actions an executor takes, count the
//! server's refusals into its report, and keep what it learned for the client's next
//! walks.
//!
//! An executor's loop:
//!
//! ```text
//! loop {
//!     match session.next_action() {
//!         WalkAction::Deliver(order) => return Some(Ok(order)),
//!         WalkAction::Fetch(fetch) => start sending fetch.endpoint through session.engine(),
//!         WalkAction::AwaitAnswer => session.answer(id, wait_for_any_answer()),
//!         WalkAction::End(error) => return error.map(Err),
//!     }
//! }
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use roistat_types::{ListOrdersRequest, OrderList};

use crate::engine::Engine;
use crate::error::Error;
use crate::walk::{Fetch, FetchId, Walk, WalkConfig, WalkReport, WalkStep};
use roistat_types::Order;

/// What the executor does next (see the [module docs](self)).
// `Deliver` is by far the most frequent and its order moves on to the caller: boxing it
// would cost an allocation per row to save a copy (as `WalkStep`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
#[non_exhaustive]
pub enum WalkAction {
    /// Hand this order to the caller.
    Deliver(Order),
    /// Send this page's request (through [`WalkSession::engine`]) and pass its outcome
    /// to [`WalkSession::answer`] whenever it arrives.
    Fetch(Fetch),
    /// Wait for any fetch in flight to answer, and pass it to [`WalkSession::answer`].
    AwaitAnswer,
    /// The walk is over: with the error that ended it (once), or `None`.
    End(Option<Error>),
}

/// A walk bound to a client's [`Engine`] (see the [module docs](self)).
#[derive(Debug)]
pub struct WalkSession {
    engine: Engine,
    refusals: Arc<AtomicU64>,
    walk: Result<Walk, Option<Error>>,
    /// The report when the walk could not start or stopped on an error.
    last_report: WalkReport,
    /// The error a fetch ended the walk with, to hand out once.
    failure: Option<Error>,
    ended: bool,
}

impl WalkSession {
    /// Starts a walk of `request` with `config` (and the page cap the client learned).
    pub fn new(engine: &Engine, request: ListOrdersRequest, mut config: WalkConfig) -> Self {
        if config.known_cap.is_none() {
            config.known_cap = engine.learned_page_cap();
        }
        let refusals = Arc::new(AtomicU64::new(0));
        Self {
            engine: engine.counting_refusals(Arc::clone(&refusals)),
            refusals,
            walk: Walk::new(request, config).map_err(Some),
            last_report: WalkReport::default(),
            failure: None,
            ended: false,
        }
    }

    /// What to do next.
    pub fn next_action(&mut self) -> WalkAction {
        if let Some(error) = self.failure.take() {
            self.ended = true;
            return WalkAction::End(Some(error));
        }
        if self.ended {
            return WalkAction::End(None);
        }
        let walk = match &mut self.walk {
            Ok(walk) => walk,
            Err(e) => {
                self.ended = true;
                return WalkAction::End(e.take());
            }
        };
        match walk.poll() {
            WalkStep::Deliver(order) => WalkAction::Deliver(order),
            WalkStep::Fetch(fetch) => WalkAction::Fetch(fetch),
            WalkStep::Pending => WalkAction::AwaitAnswer,
            WalkStep::Failed(error) => {
                self.last_report = walk.report();
                self.ended = true;
                WalkAction::End(Some(error))
            }
            _ => {
                self.ended = true;
                WalkAction::End(None)
            }
        }
    }

    /// The engine the walk's requests must go through (it counts their refusals).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Hands in a fetch's outcome (in any order). An error the walk cannot go on
    /// without ends it: [`next_action`](Self::next_action) then returns it.
    pub fn answer(&mut self, id: FetchId, result: Result<OrderList, Error>) {
        let Ok(walk) = &mut self.walk else {
            return;
        };
        walk.note_refusals(self.refusals.swap(0, Ordering::Relaxed));
        let failure = match result {
            Ok(page) => {
                walk.receive(id, page);
                None
            }
            Err(e) => walk.fail(id, e),
        };
        if let Some(cap) = walk.learned_cap() {
            self.engine.learn_page_cap(cap);
        }
        if failure.is_some() {
            self.last_report = walk.report();
            self.failure = failure;
        }
    }

    /// The walk's counters so far.
    pub fn report(&self) -> WalkReport {
        match &self.walk {
            Ok(walk) => {
                let mut report = walk.report();
                report.refusals += self.refusals.load(Ordering::Relaxed);
                report
            }
            Err(_) => self.last_report,
        }
    }
}
