//! The fault script: which requests the server answers badly on purpose, and how.
//!
//! Tests arm faults through a [`Faults`] handle before (or while) they drive a client:
//! "the next 2 requests answer 502", "every order-list request fails with probability
//! 0.3 (seeded)". A faulted request never reaches the store or the rate limiter, except
//! for the `Applied*` faults: they let the request run in full (checks, rate limits,
//! the store) and then lose its answer, as a connection that dies after the server
//! committed does.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// One way of answering badly.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// HTTP 500 with the JSON envelope `{"status":"error","error":"internal_error",...}`.
    Http500,
    /// HTTP 502 with an nginx-style HTML page, as a proxy in front of Roistat sends.
    BadGateway,
    /// Read the request and answer nothing for the server's configured stall duration
    /// (see [`crate::MockServerBuilder::stall_duration`]), then close the connection.
    Stall,
    /// Like [`Fault::Stall`] with an explicit duration.
    StallFor(Duration),
    /// Send a head whose `Content-Length` is larger than the body bytes that follow,
    /// then close the connection.
    CutBody,
    /// Close the connection with a TCP reset (RST) instead of answering.
    Reset,
    /// HTTP 200 with `{"status":"error","error":"internal_error",...}`.
    InternalErrorEnvelope,
    /// Any error envelope, e.g. `project_frozen`; with `Use-Http-Code: 1` the HTTP
    /// status matches the code like every other error of the mock.
    Error {
        /// The wire error code, e.g. `"project_frozen"`.
        code: String,
        /// The human text.
        description: String,
    },
    /// Serve the request in full (the operation is applied to the store), then close
    /// the connection with a TCP reset instead of sending the answer.
    AppliedThenReset,
    /// Serve the request in full, then answer nothing for the server's configured
    /// stall duration and close.
    AppliedThenStall,
    /// Serve the request in full, then send a head promising the whole answer, half
    /// of its bytes, and close.
    AppliedThenCut,
}

impl Fault {
    /// Whether the request is served (and its operation applied) before the fault
    /// fires on the answer.
    pub fn applies_first(&self) -> bool {
        matches!(
            self,
            Fault::AppliedThenReset | Fault::AppliedThenStall | Fault::AppliedThenCut
        )
    }

    /// A [`Fault::Error`] with this code and description.
    pub fn error(code: impl Into<String>, description: impl Into<String>) -> Fault {
        Fault::Error {
            code: code.into(),
            description: description.into(),
        }
    }
}

#[derive(Debug)]
enum Trigger {
    /// Fire for this many more matching requests.
    Count(usize),
    /// Fire on each matching request with this probability.
    Chance(f64, fastrand::Rng),
}

#[derive(Debug)]
struct Rule {
    path_contains: Option<String>,
    trigger: Trigger,
    fault: Fault,
}

/// A handle to the fault script of a running [`crate::MockServer`]. Cheap to clone.
///
/// Counted rules fire first, in the order they were added; probability rules after.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Arc<Mutex<Vec<Rule>>>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, Vec<Rule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, rule: Rule) -> &Self {
        self.lock().push(rule);
        self
    }

    /// The next `n` requests (any path) answer with `fault`.
    pub fn next(&self, n: usize, fault: Fault) -> &Self {
        self.push(Rule {
            path_contains: None,
            trigger: Trigger::Count(n),
            fault,
        })
    }

    /// The next `n` requests whose path contains `path_contains` answer with `fault`.
    pub fn next_on(&self, path_contains: &str, n: usize, fault: Fault) -> &Self {
        self.push(Rule {
            path_contains: Some(path_contains.to_string()),
            trigger: Trigger::Count(n),
            fault,
        })
    }

    /// Every request answers with `fault` with probability `p` (0.0..=1.0), drawn from
    /// a generator seeded with `seed` so that runs repeat.
    pub fn with_probability(&self, p: f64, seed: u64, fault: Fault) -> &Self {
        self.push(Rule {
            path_contains: None,
            trigger: Trigger::Chance(p, fastrand::Rng::with_seed(seed)),
            fault,
        })
    }

    /// Like [`Faults::with_probability`], only for paths containing `path_contains`.
    pub fn with_probability_on(
        &self,
        path_contains: &str,
        p: f64,
        seed: u64,
        fault: Fault,
    ) -> &Self {
        self.push(Rule {
            path_contains: Some(path_contains.to_string()),
            trigger: Trigger::Chance(p, fastrand::Rng::with_seed(seed)),
            fault,
        })
    }

    /// Remove every rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many counted faults are still to fire (probability rules not included).
    pub fn pending(&self) -> usize {
        self.lock()
            .iter()
            .map(|r| match r.trigger {
                Trigger::Count(n) => n,
                Trigger::Chance(..) => 0,
            })
            .sum()
    }

    /// Decide the fault for a request to `path`, consuming a counted rule if one fires.
    pub(crate) fn take(&self, path: &str) -> Option<Fault> {
        let mut rules = self.lock();
        if rules.is_empty() {
            return None;
        }
        let matches = |r: &Rule| r.path_contains.as_deref().is_none_or(|s| path.contains(s));
        let mut fired = None;
        if let Some(rule) = rules
            .iter_mut()
            .find(|r| matches(r) && matches!(r.trigger, Trigger::Count(n) if n > 0))
        {
            if let Trigger::Count(n) = &mut rule.trigger {
                *n -= 1;
            }
            fired = Some(rule.fault.clone());
        }
        if fired.is_none() {
            for rule in rules.iter_mut().filter(|r| matches(r)) {
                if let Trigger::Chance(p, rng) = &mut rule.trigger
                    && rng.f64() < *p
                {
                    fired = Some(rule.fault.clone());
                    break;
                }
            }
        }
        rules.retain(|r| !matches!(r.trigger, Trigger::Count(0)));
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_rules_fire_in_order_and_expire() {
        let f = Faults::default();
        f.next(1, Fault::Http500)
            .next_on("order/list", 2, Fault::Reset);
        assert_eq!(f.pending(), 3);
        assert_eq!(f.take("/x/order/list"), Some(Fault::Http500));
        assert_eq!(f.take("/status/list"), None);
        assert_eq!(f.take("/x/order/list"), Some(Fault::Reset));
        assert_eq!(f.take("/x/order/list"), Some(Fault::Reset));
        assert_eq!(f.take("/x/order/list"), None);
        assert_eq!(f.pending(), 0);
    }

    #[test]
    fn probability_is_seeded() {
        let run = || {
            let f = Faults::default();
            f.with_probability(0.5, 7, Fault::BadGateway);
            (0..100).map(|_| f.take("/a").is_some()).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|x| **x).count();
        assert!((25..75).contains(&hits), "{hits}");
    }
}
