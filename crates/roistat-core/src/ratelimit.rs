//! Client-side rate limiting as a pure state machine.
//!
//! Roistat documents per-minute limits for the order list and clients report a
//! project-wide budget shared by every integration:
//!
//! | class | limit |
//! |---|---|
//! | order list without `extend: ["visit"]` | 20 per minute |
//! | order list with visits, `limit` < 100 | 10 per minute |
//! | order list with visits, `limit` > 100 | 5 per minute |
//! | order list with visits, `limit` > 1000 | 1 per minute |
//! | order list with visits, `limit` = 100 or unset | unstated: we use 5 per minute |
//! | every request of the project | about 10 per second and 5000 per hour |
//!
//! Each quota is enforced as a **sliding window** over the timestamps of admitted
//! requests: a request is admitted iff fewer than `max` requests were admitted in the
//! last `window`. A token bucket (`governor::Quota::per_minute(20)`) has a burst of 20 and
//! lets 39 requests through in the first 60 seconds; a sliding log cannot, and it admits
//! a request at the first instant the window allows, so no budget is left unused.
//!
//! The limiter has no clock: every call takes `now`. It is not thread-safe on its own;
//! the executors wrap it in a `Mutex` and sleep until the instant it answers.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use roistat_core::ratelimit::{Admission, RateClass, RateLimiter, ScheduleConfig};
//!
//! let mut limiter = RateLimiter::new(ScheduleConfig::documented());
//! let class = RateClass::OrderList { with_visits: true, limit: Some(2000) }; // 1 per minute
//! let t0 = Instant::now();
//! assert_eq!(limiter.try_acquire(&class, t0), Admission::Now);
//! assert_eq!(
//!     limiter.try_acquire(&class, t0 + Duration::from_secs(1)),
//!     Admission::WaitUntil(t0 + Duration::from_secs(61)) // a minute and a margin
//! );
//! assert_eq!(limiter.try_acquire(&class, t0 + Duration::from_secs(61)), Admission::Now);
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Which rate-limit bucket a request counts against (besides the project budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateClass {
    /// `POST /project/integration/order/list`.
    OrderList {
        /// `extend: ["visit"]` was requested.
        with_visits: bool,
        /// The page size asked for (`None`: Roistat's default).
        limit: Option<u32>,
    },
    /// Any other operation: only the project-wide budget applies.
    Other,
}

/// The documented order-list tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tier {
    /// Order list without visits (20 per minute).
    ListPlain,
    /// Order list with visits and `limit` < 100 (10 per minute).
    ListVisitsSmall,
    /// Order list with visits and 100 <= `limit` <= 1000, or no limit (5 per minute).
    ListVisitsMedium,
    /// Order list with visits and `limit` > 1000 (1 per minute).
    ListVisitsLarge,
}

impl RateClass {
    /// The order-list tier of this class, if any.
    ///
    /// `limit` exactly 100 and an unset limit are not covered by the documentation; they
    /// fall in the 5-per-minute tier, the stricter of the two neighbours.
    pub fn tier(&self) -> Option<Tier> {
        match *self {
            RateClass::Other => None,
            RateClass::OrderList {
                with_visits: false, ..
            } => Some(Tier::ListPlain),
            RateClass::OrderList {
                with_visits: true,
                limit,
            } => Some(match limit {
                Some(l) if l > 1000 => Tier::ListVisitsLarge,
                Some(l) if l < 100 => Tier::ListVisitsSmall,
                _ => Tier::ListVisitsMedium,
            }),
        }
    }
}

/// At most `max` requests in any sliding `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    max: u32,
    window: Duration,
}

impl Quota {
    /// At most `max` (at least 1) requests per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max: max.max(1),
            window,
        }
    }

    /// `max` requests per minute.
    pub fn per_minute(max: u32) -> Self {
        Self::new(max, Duration::from_secs(60))
    }

    /// The number of requests allowed per window.
    pub fn max(&self) -> u32 {
        self.max
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        self.window
    }

    fn scaled(self, minute: Duration) -> Self {
        // Tier windows are "one minute"; tests and benches shrink the minute.
        Self {
            window: minute,
            ..self
        }
    }
}

/// The limits the [`RateLimiter`] enforces.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduleConfig {
    /// Order list without visits.
    pub list_plain: Quota,
    /// Order list with visits, `limit` < 100.
    pub list_visits_small: Quota,
    /// Order list with visits, 100 <= `limit` <= 1000 or unset.
    pub list_visits_medium: Quota,
    /// Order list with visits, `limit` > 1000.
    pub list_visits_large: Quota,
    /// Project-wide quotas that every request counts against (empty: none).
    pub project: Vec<Quota>,
    /// `false` admits everything at once.
    pub enabled: bool,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self::documented()
    }
}

impl ScheduleConfig {
    /// The documented tiers plus a project budget of 10 per second and 5000 per hour,
    /// each window stretched by a margin.
    ///
    /// Why the margins: the limiter stamps a request when it leaves, Roistat when it
    /// arrives, and arrival delays vary. Without a margin the 11th request of a burst,
    /// sent 1.0003 s after the 1st, arrived inside the server's 1-second window and was
    /// refused. So the second window is 1.1 s, the minute 61 s and the hour 3,630 s:
    /// about 1-10 % of throughput for never being refused on a healthy connection.
    pub fn documented() -> Self {
        let minute = Duration::from_secs(61);
        Self {
            list_plain: Quota::new(20, minute),
            list_visits_small: Quota::new(10, minute),
            list_visits_medium: Quota::new(5, minute),
            list_visits_large: Quota::new(1, minute),
            project: vec![
                Quota::new(10, Duration::from_millis(1100)),
                Quota::new(5000, Duration::from_secs(3630)),
            ],
            enabled: true,
        }
    }

    /// No limiting at all (for a fake server or a caller that limits elsewhere).
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::documented()
        }
    }

    /// Replaces the project-wide budget (an empty list disables it).
    pub fn with_project_budget(mut self, quotas: Vec<Quota>) -> Self {
        self.project = quotas;
        self
    }

    /// Removes the project-wide budget and keeps the order-list tiers.
    pub fn without_project_budget(self) -> Self {
        self.with_project_budget(Vec::new())
    }

    /// Sets the length of the tiers' "minute" (tests and benchmarks shrink it; a caller
    /// worried about clock skew with the server may stretch it a little).
    pub fn with_minute(mut self, minute: Duration) -> Self {
        self.list_plain = self.list_plain.scaled(minute);
        self.list_visits_small = self.list_visits_small.scaled(minute);
        self.list_visits_medium = self.list_visits_medium.scaled(minute);
        self.list_visits_large = self.list_visits_large.scaled(minute);
        self
    }

    /// The quota of one tier.
    pub fn tier_quota(&self, tier: Tier) -> Quota {
        match tier {
            Tier::ListPlain => self.list_plain,
            Tier::ListVisitsSmall => self.list_visits_small,
            Tier::ListVisitsMedium => self.list_visits_medium,
            Tier::ListVisitsLarge => self.list_visits_large,
        }
    }
}

/// The limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Admission {
    /// Send now.
    Now,
    /// Ask again at this instant (another caller may take the slot first).
    WaitUntil(Instant),
}

/// A sliding log: the admission instants of the last `window`.
#[derive(Debug, Clone)]
struct Window {
    quota: Quota,
    stamps: VecDeque<Instant>,
    blocked_until: Option<Instant>,
}

impl Window {
    fn new(quota: Quota) -> Self {
        Self {
            quota,
            stamps: VecDeque::new(),
            blocked_until: None,
        }
    }

    /// Drops the stamps that no longer count: `t` counts at `now` iff `now - t < window`.
    fn prune(&mut self, now: Instant) {
        while let Some(&front) = self.stamps.front() {
            if now.saturating_duration_since(front) >= self.quota.window {
                self.stamps.pop_front();
            } else {
                break;
            }
        }
        if self.blocked_until.is_some_and(|b| b <= now) {
            self.blocked_until = None;
        }
    }

    /// The first instant at or after `now` when this window admits one more request.
    fn earliest(&self, now: Instant) -> Instant {
        let mut at = now;
        let max = self.quota.max as usize;
        if self.stamps.len() >= max {
            // The stamp whose expiry brings the count below `max`.
            let idx = self.stamps.len() - max;
            if let Some(&stamp) = self.stamps.get(idx) {
                at = at.max(stamp.checked_add(self.quota.window).unwrap_or(now));
            }
        }
        if let Some(b) = self.blocked_until {
            at = at.max(b);
        }
        at
    }
}

/// The sliding-window limiter (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    config: ScheduleConfig,
    tiers: [Window; 4],
    project: Vec<Window>,
    last_now: Option<Instant>,
}

fn tier_index(tier: Tier) -> usize {
    match tier {
        Tier::ListPlain => 0,
        Tier::ListVisitsSmall => 1,
        Tier::ListVisitsMedium => 2,
        Tier::ListVisitsLarge => 3,
    }
}

impl RateLimiter {
    /// A limiter with no history.
    pub fn new(config: ScheduleConfig) -> Self {
        let tiers = [
            Window::new(config.list_plain),
            Window::new(config.list_visits_small),
            Window::new(config.list_visits_medium),
            Window::new(config.list_visits_large),
        ];
        let project = config.project.iter().copied().map(Window::new).collect();
        Self {
            config,
            tiers,
            project,
            last_now: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ScheduleConfig {
        &self.config
    }

    /// Callers on several threads may read the clock in one order and lock in another;
    /// treating an earlier `now` as the latest one seen only makes stamps expire later,
    /// which errs on the safe side.
    fn clamp(&mut self, now: Instant) -> Instant {
        let now = match self.last_now {
            Some(last) if last > now => last,
            _ => now,
        };
        self.last_now = Some(now);
        now
    }

    fn windows(&mut self, class: &RateClass) -> impl Iterator<Item = &mut Window> {
        let tier = class.tier().map(tier_index);
        let (tiers, project) = (&mut self.tiers, &mut self.project);
        tiers
            .iter_mut()
            .enumerate()
            .filter(move |(i, _)| Some(*i) == tier)
            .map(|(_, w)| w)
            .chain(project.iter_mut())
    }

    /// Whether a request of `class` may be sent at `now`, without recording it.
    pub fn check(&mut self, class: &RateClass, now: Instant) -> Admission {
        if !self.config.enabled {
            return Admission::Now;
        }
        let now = self.clamp(now);
        let mut at = now;
        for w in self.windows(class) {
            w.prune(now);
            at = at.max(w.earliest(now));
        }
        if at <= now {
            Admission::Now
        } else {
            Admission::WaitUntil(at)
        }
    }

    /// Records that a request of `class` was sent at `now`.
    pub fn record(&mut self, class: &RateClass, now: Instant) {
        if !self.config.enabled {
            return;
        }
        let now = self.clamp(now);
        for w in self.windows(class) {
            w.prune(now);
            w.stamps.push_back(now);
        }
    }

    /// [`check`](Self::check) and, if admitted, [`record`](Self::record).
    pub fn try_acquire(&mut self, class: &RateClass, now: Instant) -> Admission {
        let admission = self.check(class, now);
        if admission == Admission::Now {
            self.record(class, now);
        }
        admission
    }

    /// Roistat refused a request of `class` at `now` (`request_limit_error`).
    ///
    /// The refused request was stamped when it was admitted, so it already counts in
    /// every window, as it did on the server. The server's refusal says its window was
    /// full, whatever ours says (another integration may share the budget): the class's
    /// own window (its tier, or for other methods the shortest project window) admits
    /// nothing until its oldest stamp leaves it, which is when the server's window
    /// frees a slot too.
    pub fn note_rate_limited(&mut self, class: &RateClass, now: Instant) {
        if !self.config.enabled {
            return;
        }
        let now = self.clamp(now);
        let window = match class.tier() {
            Some(t) => self.tiers.get_mut(tier_index(t)),
            None => self.project.iter_mut().min_by_key(|w| w.quota.window),
        };
        if let Some(w) = window {
            w.prune(now);
            let oldest = w.stamps.front().copied().unwrap_or(now);
            let until = oldest.checked_add(w.quota.window).unwrap_or(now).max(now);
            w.blocked_until = Some(w.blocked_until.map_or(until, |b| b.max(until)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented tiers on an exact 60-second minute, without the project budget.
    fn sixty() -> ScheduleConfig {
        ScheduleConfig::documented()
            .with_minute(Duration::from_secs(60))
            .without_project_budget()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn tiers_follow_the_documentation() {
        let c = |with_visits, limit| RateClass::OrderList { with_visits, limit }.tier();
        assert_eq!(c(false, Some(5000)), Some(Tier::ListPlain));
        assert_eq!(c(true, Some(99)), Some(Tier::ListVisitsSmall));
        assert_eq!(c(true, Some(100)), Some(Tier::ListVisitsMedium));
        assert_eq!(c(true, None), Some(Tier::ListVisitsMedium));
        assert_eq!(c(true, Some(1000)), Some(Tier::ListVisitsMedium));
        assert_eq!(c(true, Some(1001)), Some(Tier::ListVisitsLarge));
        assert_eq!(RateClass::Other.tier(), None);
    }

    #[test]
    fn twenty_per_minute_is_never_39_in_the_first_minute() {
        let mut l = RateLimiter::new(sixty());
        let class = RateClass::OrderList {
            with_visits: false,
            limit: Some(1000),
        };
        let t0 = Instant::now();
        let mut admitted = 0;
        for i in 0..600u64 {
            if l.try_acquire(&class, t0 + ms(i * 100)) == Admission::Now {
                admitted += 1;
            }
        }
        // 60 seconds of attempts every 100 ms: exactly 20 in [0, 60 s).
        assert_eq!(admitted, 20);
        assert_eq!(l.try_acquire(&class, t0 + ms(60_000)), Admission::Now);
    }

    #[test]
    fn waits_exactly_until_the_oldest_stamp_expires() {
        let mut l = RateLimiter::new(sixty());
        let class = RateClass::OrderList {
            with_visits: true,
            limit: Some(500),
        };
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(l.try_acquire(&class, t0 + ms(i * 1000)), Admission::Now);
        }
        assert_eq!(
            l.try_acquire(&class, t0 + ms(5000)),
            Admission::WaitUntil(t0 + ms(60_000))
        );
        assert_eq!(
            l.check(&class, t0 + ms(59_999)),
            Admission::WaitUntil(t0 + ms(60_000))
        );
        assert_eq!(l.try_acquire(&class, t0 + ms(60_000)), Admission::Now);
        assert_eq!(
            l.check(&class, t0 + ms(60_000)),
            Admission::WaitUntil(t0 + ms(61_000))
        );
    }

    #[test]
    fn tiers_are_independent_but_share_the_project_budget() {
        let cfg = sixty().with_project_budget(vec![Quota::new(3, Duration::from_secs(1))]);
        let mut l = RateLimiter::new(cfg);
        let t0 = Instant::now();
        let large = RateClass::OrderList {
            with_visits: true,
            limit: Some(5000),
        };
        assert_eq!(l.try_acquire(&large, t0), Admission::Now);
        assert_eq!(l.try_acquire(&RateClass::Other, t0), Admission::Now);
        assert_eq!(l.try_acquire(&RateClass::Other, t0), Admission::Now);
        // The project budget (3 per second) is spent.
        assert_eq!(
            l.try_acquire(&RateClass::Other, t0 + ms(10)),
            Admission::WaitUntil(t0 + ms(1000))
        );
        // The large tier waits for its own minute, the later of the two.
        assert_eq!(
            l.check(&large, t0 + ms(10)),
            Admission::WaitUntil(t0 + ms(60_000))
        );
    }

    #[test]
    fn disabled_admits_everything() {
        let mut l = RateLimiter::new(ScheduleConfig::disabled());
        let t0 = Instant::now();
        let class = RateClass::OrderList {
            with_visits: true,
            limit: Some(5000),
        };
        for _ in 0..100 {
            assert_eq!(l.try_acquire(&class, t0), Admission::Now);
        }
    }

    #[test]
    fn earlier_now_from_another_thread_is_treated_as_the_latest() {
        let mut l = RateLimiter::new(sixty());
        let class = RateClass::OrderList {
            with_visits: true,
            limit: Some(5000),
        };
        let t0 = Instant::now();
        assert_eq!(l.try_acquire(&class, t0 + ms(500)), Admission::Now);
        assert_eq!(
            l.try_acquire(&class, t0),
            Admission::WaitUntil(t0 + ms(60_500))
        );
    }

    #[test]
    fn a_refusal_blocks_the_class_until_its_oldest_stamp_leaves_the_window() {
        let mut l = RateLimiter::new(sixty());
        let class = RateClass::OrderList {
            with_visits: false,
            limit: None,
        };
        let t0 = Instant::now();
        // Two of our requests in the window; the server refuses the second (another
        // integration used the rest of the budget).
        assert_eq!(l.try_acquire(&class, t0), Admission::Now);
        assert_eq!(l.try_acquire(&class, t0 + ms(1500)), Admission::Now);
        l.note_rate_limited(&class, t0 + ms(1500));
        assert_eq!(
            l.check(&class, t0 + ms(1501)),
            Admission::WaitUntil(t0 + ms(60_000))
        );
        assert_eq!(l.try_acquire(&class, t0 + ms(60_000)), Admission::Now);
        // With no stamp of ours in the window, a whole window from the refusal.
        let mut l = RateLimiter::new(sixty());
        l.note_rate_limited(&RateClass::Other, t0);
        assert_eq!(
            l.check(&RateClass::Other, t0),
            Admission::Now,
            "no project budget"
        );
        let mut l = RateLimiter::new(ScheduleConfig::documented());
        l.note_rate_limited(&RateClass::Other, t0);
        assert_eq!(
            l.check(&RateClass::Other, t0),
            Admission::WaitUntil(t0 + ms(1100))
        );
    }

    #[test]
    fn the_documented_schedule_has_a_margin_on_every_window() {
        let c = ScheduleConfig::documented();
        assert_eq!(c.list_plain, Quota::new(20, Duration::from_secs(61)));
        assert_eq!(c.list_visits_large, Quota::new(1, Duration::from_secs(61)));
        assert_eq!(
            c.project,
            vec![
                Quota::new(10, ms(1100)),
                Quota::new(5000, Duration::from_secs(3630))
            ]
        );
        // The burst that was refused live: the 11th request 1.0003 s after the 1st now
        // waits for 1.1 s.
        let mut l = RateLimiter::new(c);
        let t0 = Instant::now();
        for i in 0..10 {
            assert_eq!(l.try_acquire(&RateClass::Other, t0 + ms(i)), Admission::Now);
        }
        assert_eq!(
            l.try_acquire(&RateClass::Other, t0 + Duration::from_micros(1_000_300)),
            Admission::WaitUntil(t0 + ms(1100))
        );
        // The hour: 5,000 requests, then the 5,001st waits for the first to leave 3,630 s.
        let mut l = RateLimiter::new(
            ScheduleConfig::documented()
                .with_project_budget(vec![Quota::new(5000, Duration::from_secs(3630))]),
        );
        for i in 0..5000u64 {
            assert_eq!(
                l.try_acquire(&RateClass::Other, t0 + ms(i * 10)),
                Admission::Now
            );
        }
        assert_eq!(
            l.try_acquire(&RateClass::Other, t0 + ms(50_000)),
            Admission::WaitUntil(t0 + Duration::from_secs(3630))
        );
    }

    /// Drives a limiter like an executor would (retry at the instant it names) over
    /// request arrival times in milliseconds; returns each request's class index and
    /// its (arrival, admission) times.
    fn simulate(
        limiter: &mut RateLimiter,
        classes: &[RateClass],
        arrivals: &[(u64, usize)],
        t0: Instant,
    ) -> Vec<(usize, u64, u64)> {
        let mut out = Vec::new();
        let mut clock = 0u64;
        for &(arrival, class) in arrivals {
            clock = clock.max(arrival);
            let ready = clock;
            loop {
                match limiter.try_acquire(&classes[class], t0 + ms(clock)) {
                    Admission::Now => break,
                    Admission::WaitUntil(t) => {
                        let wait = t.duration_since(t0).as_millis() as u64;
                        assert!(wait > clock, "WaitUntil must be in the future");
                        clock = wait;
                    }
                }
            }
            out.push((class, ready, clock));
        }
        out
    }

    /// The quotas a class counts against: (max, window ms, classes sharing it).
    fn scopes(cfg: &ScheduleConfig, classes: &[RateClass]) -> Vec<(u32, u64, Vec<usize>)> {
        let mut v = Vec::new();
        for tier in [
            Tier::ListPlain,
            Tier::ListVisitsSmall,
            Tier::ListVisitsMedium,
            Tier::ListVisitsLarge,
        ] {
            let members: Vec<usize> = (0..classes.len())
                .filter(|&i| classes[i].tier() == Some(tier))
                .collect();
            let q = cfg.tier_quota(tier);
            v.push((q.max(), q.window().as_millis() as u64, members));
        }
        for q in &cfg.project {
            v.push((
                q.max(),
                q.window().as_millis() as u64,
                (0..classes.len()).collect(),
            ));
        }
        v
    }

    proptest::proptest! {
        /// Never more than `max` admissions in any window of any quota, and never a
        /// needless wait: a request admitted later than it was ready was refused by
        /// some full quota one millisecond before its admission.
        #[test]
        fn sliding_window_invariant(
            mut arrivals in proptest::collection::vec((0u64..200_000, 0usize..5), 1..120),
            project_max in 1u32..6,
            project_window in 1u64..3_000,
        ) {
            arrivals.sort();
            let cfg = ScheduleConfig::documented()
                .with_project_budget(vec![Quota::new(project_max, ms(project_window))]);
            let classes = [
                RateClass::Other,
                RateClass::OrderList { with_visits: false, limit: Some(1000) },
                RateClass::OrderList { with_visits: true, limit: Some(50) },
                RateClass::OrderList { with_visits: true, limit: None },
                RateClass::OrderList { with_visits: true, limit: Some(5000) },
            ];
            let t0 = Instant::now();
            let mut limiter = RateLimiter::new(cfg.clone());
            let admitted = simulate(&mut limiter, &classes, &arrivals, t0);
            for (max, window, members) in scopes(&cfg, &classes) {
                let times: Vec<u64> = admitted
                    .iter()
                    .filter(|(c, _, _)| members.contains(c))
                    .map(|&(_, _, t)| t)
                    .collect();
                // Sorted, so the (i + max)-th admission must be a full window later.
                for (i, &t) in times.iter().enumerate() {
                    if let Some(&later) = times.get(i + max as usize) {
                        proptest::prop_assert!(later - t >= window, "{} in {} ms", max + 1, later - t);
                    }
                }
            }
            // No needless waiting.
            let scopes = scopes(&cfg, &classes);
            for (k, &(class, ready, at)) in admitted.iter().enumerate() {
                if at == ready {
                    continue;
                }
                let probe = at - 1;
                let blocked = scopes.iter().filter(|(_, _, m)| m.contains(&class)).any(|(max, window, m)| {
                    let in_window = admitted[..k]
                        .iter()
                        .filter(|(c, _, t)| m.contains(c) && *t <= probe && probe - *t < *window)
                        .count();
                    in_window >= *max as usize
                });
                proptest::prop_assert!(blocked, "request {} waited from {} to {} for nothing", k, ready, at);
            }
        }
    }

    #[test]
    fn shorter_minute_for_tests() {
        let cfg = ScheduleConfig::documented()
            .without_project_budget()
            .with_minute(ms(100));
        let mut l = RateLimiter::new(cfg);
        let class = RateClass::OrderList {
            with_visits: true,
            limit: Some(2000),
        };
        let t0 = Instant::now();
        assert_eq!(l.try_acquire(&class, t0), Admission::Now);
        assert_eq!(
            l.try_acquire(&class, t0),
            Admission::WaitUntil(t0 + ms(100))
        );
    }
}
