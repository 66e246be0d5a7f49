//! The live API's behaviour beyond the reference, each part opt-in except the page
//! cap: generated rows with live quirks, a page cap, a latency model, churn between
//! order-list requests, and what happens to orders whose status is not in the
//! dictionary.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use time::OffsetDateTime;

use crate::server::MockServerBuilder;
use crate::store::{Clock, Data, StoredOrder};

/// The largest page the order list serves by default: a request asking more gets this
/// many rows (live projects answered every `limit` up to 5,000 in full).
pub const DEFAULT_PAGE_CAP: u64 = 5_000;

/// The default share of generated rows with an odd status in quirks mode.
pub const DEFAULT_ODD_STATUS_RATE: f64 = 0.001;

/// How long the server takes to answer: `base` plus `per_order` for every order in the
/// answer (order-list rows) or in the request (add-orders batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Latency {
    /// Paid by every request the server answers.
    pub base: Duration,
    /// Paid per order in the answer (or in an add-orders batch).
    pub per_order: Duration,
}

impl Latency {
    /// A latency model.
    pub fn new(base: Duration, per_order: Duration) -> Latency {
        Latency { base, per_order }
    }

    /// The delay for an answer about `orders` orders.
    pub fn for_orders(&self, orders: u64) -> Duration {
        let n = u32::try_from(orders).unwrap_or(u32::MAX);
        self.base.saturating_add(self.per_order.saturating_mul(n))
    }

    /// Whether the model adds no delay.
    pub fn is_zero(&self) -> bool {
        self.base.is_zero() && self.per_order.is_zero()
    }
}

/// Orders inserted and deleted between order-list requests, as on a live project
/// while an export runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Churn {
    /// New orders inserted at the head of the list (newest first) before each
    /// order-list request but the first.
    pub inserts: usize,
    /// Random existing orders deleted before each order-list request but the first.
    pub deletes: usize,
    /// The seed of the inserted orders and of the choice of deleted ones.
    pub seed: u64,
}

impl Churn {
    fn is_off(&self) -> bool {
        self.inserts == 0 && self.deletes == 0
    }
}

/// The settings of the live model, fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Behaviour {
    pub quirks: bool,
    pub odd_status_rate: f64,
    pub page_cap: u64,
    pub latency: Latency,
    pub churn: Churn,
    pub skip_unknown_statuses: bool,
    pub clock: Option<Clock>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            quirks: false,
            odd_status_rate: DEFAULT_ODD_STATUS_RATE,
            page_cap: DEFAULT_PAGE_CAP,
            latency: Latency::default(),
            churn: Churn::default(),
            skip_unknown_statuses: false,
            clock: None,
        }
    }
}

impl Behaviour {
    /// The store a server starts with (see [`crate::Store::seeded`]).
    pub fn seed_store(&self, examples: bool, orders: usize, seed: u64) -> crate::Store {
        let store = crate::Store::seeded_with(examples, self.generated(seed, orders));
        if let Some(clock) = &self.clock {
            store.write().clock = clock.clone();
        }
        store
    }

    /// The generated orders a server starts with.
    pub fn generated(&self, seed: u64, n: usize) -> Vec<StoredOrder> {
        if self.quirks {
            crate::generate::live_orders(seed, n, self.odd_status_rate)
        } else {
            crate::generate::orders(seed, n)
                .into_iter()
                .map(StoredOrder::new)
                .collect()
        }
    }
}

#[derive(Debug)]
struct ChurnState {
    rng: fastrand::Rng,
    next_id: u64,
    list_requests: u64,
    rounds: u64,
    inserted: u64,
    deleted: u64,
}

/// The live model at run time.
#[derive(Debug)]
pub(crate) struct Live {
    pub cfg: Behaviour,
    churn: Mutex<ChurnState>,
}

/// What churn did so far (see [`crate::MockServer::churn_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ChurnStats {
    /// Rounds applied (one before each order-list request but the first).
    pub rounds: u64,
    /// Orders inserted by churn.
    pub inserted: u64,
    /// Orders deleted by churn.
    pub deleted: u64,
}

impl Live {
    pub fn new(cfg: Behaviour, generated: usize) -> Live {
        let churn = ChurnState {
            rng: fastrand::Rng::with_seed(cfg.churn.seed),
            next_id: crate::generate::FIRST_ID + generated as u64,
            list_requests: 0,
            rounds: 0,
            inserted: 0,
            deleted: 0,
        };
        Live {
            cfg,
            churn: Mutex::new(churn),
        }
    }

    fn churn_state(&self) -> MutexGuard<'_, ChurnState> {
        self.churn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn churn_stats(&self) -> ChurnStats {
        let s = self.churn_state();
        ChurnStats {
            rounds: s.rounds,
            inserted: s.inserted,
            deleted: s.deleted,
        }
    }

    /// Whether churn is on (so that list requests need the store's write lock).
    pub fn churns(&self) -> bool {
        !self.cfg.churn.is_off()
    }

    /// Called for every admitted order-list request: apply a churn round before every
    /// one but the first.
    pub fn before_list(&self, data: &mut Data) {
        let cfg = self.cfg.churn;
        if cfg.is_off() {
            return;
        }
        let mut st = self.churn_state();
        st.list_requests += 1;
        if st.list_requests == 1 {
            return;
        }
        st.rounds += 1;
        // Deletes first, among the orders that existed before this round.
        for _ in 0..cfg.deletes {
            let n = data.len();
            if n == 0 {
                break;
            }
            let pick = st.rng.usize(..n);
            let id = data
                .newest_first()
                .nth(pick)
                .map(|e| e.stored.order.id.to_string());
            if let Some(id) = id
                && data.remove(&id).is_some()
            {
                st.deleted += 1;
            }
        }
        let round_seed = st.rng.u64(..);
        let mut fresh = Vec::with_capacity(cfg.inserts);
        while fresh.len() < cfg.inserts {
            let id = st.next_id;
            st.next_id += 1;
            if data.get(&id.to_string()).is_none() {
                fresh.push(id);
            }
        }
        for (i, id) in fresh.into_iter().enumerate() {
            let seed = round_seed.wrapping_add(i as u64);
            let mut orders = if self.cfg.quirks {
                crate::generate::live_orders_from(seed, id, 1, self.cfg.odd_status_rate)
            } else {
                crate::generate::orders_from(seed, id, 1)
                    .into_iter()
                    .map(StoredOrder::new)
                    .collect()
            };
            if let Some(mut o) = orders.pop() {
                let now = data.now();
                o.order.creation_date = Some(now);
                o.order.update_date = None;
                if data.upsert(o) {
                    st.inserted += 1;
                }
            }
        }
    }
}

impl MockServerBuilder {
    /// Generate rows as live projects send them (default off: the documented forms).
    ///
    /// Generated orders (from [`MockServerBuilder::orders`] and churn) then carry
    /// loose types (integer `id`, `client_id`, `visit_id`, `status.id`; revenue, cost
    /// and custom-field numbers as strings), the extra keys `page`, `profit`,
    /// `roistat`, `is_multichannel`, `products`, `order_id_alias`, lead ids
    /// (`lead_200007`) beside deal ids, custom-field dates with a colon offset
    /// (`2026-08-31T03:00:00+03:00`), and, in a seeded share of rows (see
    /// [`MockServerBuilder::odd_status_rate`]), a status whose id is not in the
    /// dictionary and whose `type` is missing, `null` or outside the four groups. The
    /// order list's `total` is then a string. The documented examples stay verbatim.
    pub fn quirks(mut self, on: bool) -> Self {
        self.behaviour.quirks = on;
        self
    }

    /// The share of generated rows with an odd status in quirks mode (default 0.001,
    /// clamped to 0..=1).
    pub fn odd_status_rate(mut self, rate: f64) -> Self {
        self.behaviour.odd_status_rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// The largest page the order list serves (default [`DEFAULT_PAGE_CAP`]): a
    /// request asking more gets this many rows, with the full `total`. At least 1.
    pub fn page_cap(mut self, cap: u64) -> Self {
        self.behaviour.page_cap = cap.max(1);
        self
    }

    /// Answer every request after `base` plus `per_order` per order in the answer
    /// (default none). The delay is spent on the request's connection thread, so
    /// concurrent requests overlap as they do against a real server.
    pub fn latency(mut self, base: Duration, per_order: Duration) -> Self {
        self.behaviour.latency = Latency::new(base, per_order);
        self
    }

    /// Before each order-list request but the first, insert `inserts` new orders at
    /// the head of the list and delete `deletes` random existing ones (default none).
    pub fn churn(mut self, inserts: usize, deletes: usize) -> Self {
        self.behaviour.churn.inserts = inserts;
        self.behaviour.churn.deletes = deletes;
        self
    }

    /// The seed of churn (default 0).
    pub fn churn_seed(mut self, seed: u64) -> Self {
        self.behaviour.churn.seed = seed;
        self
    }

    /// Count add-orders rows whose status id is not in the dictionary as
    /// `skipped_by_status` and store nothing for them (default false: they are stored
    /// with that status id and no group, as live projects show them).
    pub fn skip_unknown_statuses(mut self, on: bool) -> Self {
        self.behaviour.skip_unknown_statuses = on;
        self
    }

    /// Stamp `creation_date` and `update_date` from `clock` instead of the system
    /// clock (default: the system clock).
    pub fn clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.behaviour.clock = Some(Clock::new(clock));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_grows_with_orders() {
        let l = Latency::new(Duration::from_millis(10), Duration::from_micros(100));
        assert_eq!(l.for_orders(0), Duration::from_millis(10));
        assert_eq!(l.for_orders(1000), Duration::from_millis(110));
        assert!(Latency::default().is_zero());
    }
}
