//! What both clients do around a [`Walk`] besides I/O: start it with the client's
//! learned page cap, count the server's refusals into its report, and keep what it
//! learned for the client's next walks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use roistat_types::{ListOrdersRequest, OrderList};

use crate::engine::Engine;
use crate::error::Error;
use crate::walk::{FetchId, Walk, WalkConfig, WalkReport};

/// A walk bound to a client's [`Engine`] (see the [module docs](self)).
#[derive(Debug)]
pub struct WalkSession {
    engine: Engine,
    refusals: Arc<AtomicU64>,
    walk: Result<Walk, Option<Error>>,
    /// The report when the walk could not start or stopped on an error.
    last_report: WalkReport,
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
        }
    }

    /// The engine the walk's requests must go through (it counts their refusals).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The walk, or the error it could not start with (returned once).
    pub fn walk(&mut self) -> Result<&mut Walk, Option<Error>> {
        match &mut self.walk {
            Ok(walk) => Ok(walk),
            Err(e) => Err(e.take()),
        }
    }

    /// Hands in a fetch's outcome; an error the walk cannot go on without comes back.
    pub fn answer(&mut self, id: FetchId, result: Result<OrderList, Error>) -> Option<Error> {
        let Ok(walk) = &mut self.walk else {
            return None;
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
        }
        failure
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
