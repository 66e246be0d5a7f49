//! Roistat's documented rate limits, enforced over sliding windows.
//!
//! Each bucket remembers the instants of the requests it admitted within its window; a
//! request is admitted when every bucket it belongs to has fewer than its limit. A
//! sliding log (not a token bucket) is deliberate: a token bucket with a burst admits up
//! to twice the limit in the first window, which would hide client bugs.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The limits the mock enforces. `window` is Roistat's "minute"; shrink it to test a
/// minute's worth of limiting in milliseconds. The project-wide budgets scale with it:
/// "per second" means `window / 60`, "per hour" means `window * 60`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimits {
    /// Whether limits are enforced at all.
    pub enabled: bool,
    /// The length of Roistat's minute (default 60 s).
    pub window: Duration,
    /// Order list with `extend: ["visit"]` and `limit > 1000` (default 1 per window).
    pub list_visit_over_1000: u32,
    /// Order list with visits and `100 <= limit <= 1000` (default 5; the reference
    /// leaves exactly 100 unstated, the mock takes the stricter tier).
    pub list_visit_over_100: u32,
    /// Order list with visits and `limit < 100` (default 10).
    pub list_visit_under_100: u32,
    /// Order list without visits (default 20).
    pub list_plain: u32,
    /// Project-wide budget per scaled second, all methods (default `Some(10)`).
    pub project_per_second: Option<u32>,
    /// Project-wide budget per scaled hour, all methods (default `Some(5000)`).
    pub project_per_hour: Option<u32>,
    /// Whether order-list requests count in the project-wide budget too (default
    /// true, as the documentation says). Live projects showed per-method budgets: the
    /// order list follows its per-minute tiers, the other methods share the project
    /// budget (see [`RateLimits::live`]).
    pub order_list_in_project_budget: bool,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            enabled: false,
            window: Duration::from_secs(60),
            list_visit_over_1000: 1,
            list_visit_over_100: 5,
            list_visit_under_100: 10,
            list_plain: 20,
            project_per_second: Some(10),
            project_per_hour: Some(5000),
            order_list_in_project_budget: true,
        }
    }
}

impl RateLimits {
    /// The documented limits, enforced, with a 60-second window.
    pub fn documented() -> Self {
        RateLimits {
            enabled: true,
            ..RateLimits::default()
        }
    }

    /// The budgets live projects showed, enforced, with a 60-second window: the order
    /// list by its per-minute tiers only; every other method in a project budget of
    /// 10 a second and 5,000 an hour. Refusals carry no `Retry-After`.
    pub fn live() -> Self {
        RateLimits {
            enabled: true,
            order_list_in_project_budget: false,
            ..RateLimits::default()
        }
    }

    /// No limits.
    pub fn disabled() -> Self {
        RateLimits::default()
    }
}

/// Which order-list tier a request falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListTier {
    VisitOver1000,
    VisitOver100,
    VisitUnder100,
    Plain,
}

impl ListTier {
    pub fn of(with_visit: bool, limit: u64) -> ListTier {
        match (with_visit, limit) {
            (false, _) => ListTier::Plain,
            (true, l) if l > 1000 => ListTier::VisitOver1000,
            (true, l) if l >= 100 => ListTier::VisitOver100,
            (true, _) => ListTier::VisitUnder100,
        }
    }
}

/// A refused request: which limit, over what nominal period in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LimitHit {
    pub limit: u32,
    /// Nominal period in seconds as Roistat would state it (60, 1, 3600).
    pub period: u64,
}

#[derive(Debug)]
struct Bucket {
    limit: u32,
    window: Duration,
    period: u64,
    admitted: VecDeque<Instant>,
}

impl Bucket {
    fn new(limit: u32, window: Duration, period: u64) -> Bucket {
        Bucket {
            limit,
            window,
            period,
            admitted: VecDeque::new(),
        }
    }

    fn prune(&mut self, now: Instant) {
        while let Some(&t) = self.admitted.front() {
            if now.saturating_duration_since(t) >= self.window {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
    }

    fn full(&mut self, now: Instant) -> bool {
        self.prune(now);
        self.admitted.len() >= self.limit as usize
    }

    fn hit(&self) -> LimitHit {
        LimitHit {
            limit: self.limit,
            period: self.period,
        }
    }
}

/// The limiter state of one server (one project).
#[derive(Debug)]
pub(crate) struct Limiter {
    enabled: bool,
    list_in_project: bool,
    tiers: [Bucket; 4],
    project: Vec<Bucket>,
}

impl Limiter {
    pub fn new(cfg: &RateLimits) -> Limiter {
        let w = cfg.window.max(Duration::from_micros(1));
        let mut project = Vec::new();
        if let Some(n) = cfg.project_per_second {
            project.push(Bucket::new(n, w / 60, 1));
        }
        if let Some(n) = cfg.project_per_hour {
            project.push(Bucket::new(n, w.saturating_mul(60), 3600));
        }
        Limiter {
            enabled: cfg.enabled,
            list_in_project: cfg.order_list_in_project_budget,
            tiers: [
                Bucket::new(cfg.list_visit_over_1000, w, 60),
                Bucket::new(cfg.list_visit_over_100, w, 60),
                Bucket::new(cfg.list_visit_under_100, w, 60),
                Bucket::new(cfg.list_plain, w, 60),
            ],
            project,
        }
    }

    /// Admit (and record) a request at `now`, or say which limit refuses it.
    pub fn check(&mut self, now: Instant, tier: Option<ListTier>) -> Result<(), LimitHit> {
        if !self.enabled {
            return Ok(());
        }
        let idx = tier.map(|t| match t {
            ListTier::VisitOver1000 => 0,
            ListTier::VisitOver100 => 1,
            ListTier::VisitUnder100 => 2,
            ListTier::Plain => 3,
        });
        if let Some(b) = idx.and_then(|i| self.tiers.get_mut(i))
            && b.full(now)
        {
            return Err(b.hit());
        }
        let in_project = tier.is_none() || self.list_in_project;
        if in_project {
            for b in &mut self.project {
                if b.full(now) {
                    return Err(b.hit());
                }
            }
        }
        if let Some(b) = idx.and_then(|i| self.tiers.get_mut(i)) {
            b.admitted.push_back(now);
        }
        if in_project {
            for b in &mut self.project {
                b.admitted.push_back(now);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers() {
        assert_eq!(ListTier::of(false, 5000), ListTier::Plain);
        assert_eq!(ListTier::of(true, 1001), ListTier::VisitOver1000);
        assert_eq!(ListTier::of(true, 1000), ListTier::VisitOver100);
        assert_eq!(ListTier::of(true, 100), ListTier::VisitOver100);
        assert_eq!(ListTier::of(true, 99), ListTier::VisitUnder100);
    }

    #[test]
    fn sliding_window_admits_limit_then_refuses_until_oldest_expires() {
        let cfg = RateLimits {
            project_per_second: None,
            project_per_hour: None,
            ..RateLimits::documented()
        };
        let mut l = Limiter::new(&cfg);
        let t0 = Instant::now();
        for i in 0..20 {
            assert!(
                l.check(t0 + Duration::from_secs(i), Some(ListTier::Plain))
                    .is_ok()
            );
        }
        let hit = l.check(t0 + Duration::from_secs(59), Some(ListTier::Plain));
        assert_eq!(
            hit,
            Err(LimitHit {
                limit: 20,
                period: 60
            })
        );
        // The first admitted request leaves the window at t0 + 60 s.
        assert!(
            l.check(t0 + Duration::from_secs(60), Some(ListTier::Plain))
                .is_ok()
        );
        // Other tiers are independent.
        assert!(
            l.check(t0 + Duration::from_secs(60), Some(ListTier::VisitUnder100))
                .is_ok()
        );
    }

    #[test]
    fn project_budget_per_scaled_second() {
        let mut l = Limiter::new(&RateLimits::documented());
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(l.check(t0, None).is_ok());
        }
        assert_eq!(
            l.check(t0, None),
            Err(LimitHit {
                limit: 10,
                period: 1
            })
        );
        assert!(l.check(t0 + Duration::from_secs(1), None).is_ok());
    }

    #[test]
    fn live_budgets_are_per_method() {
        let mut l = Limiter::new(&RateLimits::live());
        let t0 = Instant::now();
        // 20 order-list calls fit the plain tier and leave the project budget alone.
        for _ in 0..20 {
            assert!(l.check(t0, Some(ListTier::Plain)).is_ok());
        }
        assert_eq!(
            l.check(t0, Some(ListTier::Plain)),
            Err(LimitHit {
                limit: 20,
                period: 60
            })
        );
        for _ in 0..10 {
            assert!(l.check(t0, None).is_ok());
        }
        assert_eq!(
            l.check(t0, None),
            Err(LimitHit {
                limit: 10,
                period: 1
            })
        );
        // The documented model counts order-list calls in the project budget.
        let mut l = Limiter::new(&RateLimits::documented());
        for _ in 0..10 {
            assert!(l.check(t0, Some(ListTier::Plain)).is_ok());
        }
        assert!(l.check(t0, None).is_err());
    }

    #[test]
    fn disabled_admits_everything() {
        let mut l = Limiter::new(&RateLimits::disabled());
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert!(l.check(t0, Some(ListTier::VisitOver1000)).is_ok());
        }
    }
}
