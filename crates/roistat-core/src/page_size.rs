//! Which page size exports the order list fastest under the documented rate limits.

use crate::ratelimit::{RateClass, ScheduleConfig};

/// The largest page asked for by default. Live projects served every `limit` from 100
/// up to 5,000 exactly (design.md, "Live behaviour seen by other clients"); beyond that
/// nothing is known, and a server that cuts pages shorter is detected by the
/// [walk](crate::walk) (its cap is learned).
pub const DEFAULT_MAX_PAGE_SIZE: u32 = 5000;

/// The page size that exports `wanted_total` orders (or everything, if `None`) fastest
/// under the documented order-list limits, with pages of at most
/// [`DEFAULT_MAX_PAGE_SIZE`] and at most `cap` (a cap the server was seen to enforce).
///
/// Orders per minute for a page size `L` (`Lmax` = min(5000, cap)):
///
/// | extend | `L` | requests per minute | orders per minute | best `L` of the tier |
/// |---|---|---|---|---|
/// | none | any | 20 | `20 L` | `Lmax`: 100,000 at 5,000 |
/// | visit | 1..=99 | 10 | `10 L` | 99: 990 |
/// | visit | 100..=1000 | 5 (100 itself is unstated: treated as 5) | `5 L` | 1,000: 5,000 |
/// | visit | > 1000 | 1 | `L` | `Lmax`: 5,000 at 5,000 |
///
/// Without visits the rate does not depend on the page size, so the largest page wins.
/// With visits, 1,000 per page at 5 a minute (5,000 orders a minute) ties with 5,000 per
/// page at 1 a minute and beats 99 per page; ties go to the smaller page (less memory,
/// finer progress, a refused request costs less). A cap below 1,000 moves the best page
/// to the cap (5 `cap` a minute), unless the cap is below 100 (10 `cap` a minute).
///
/// A wanted total that fits in one such page is fetched with exactly that limit: one
/// request, at once.
///
/// ```
/// use roistat_core::best_page_size;
/// assert_eq!(best_page_size(false, None, None), 5000);
/// assert_eq!(best_page_size(false, None, Some(1200)), 1200);
/// assert_eq!(best_page_size(true, None, None), 1000);
/// assert_eq!(best_page_size(true, None, Some(500)), 500);
/// assert_eq!(best_page_size(true, Some(50), None), 50);
/// assert_eq!(best_page_size(true, Some(1_000_000), None), 1000);
/// assert_eq!(best_page_size(false, Some(20_000), None), 5000);
/// ```
pub fn best_page_size(with_visits: bool, wanted_total: Option<u64>, cap: Option<u32>) -> u32 {
    let largest = cap.map_or(DEFAULT_MAX_PAGE_SIZE, |c| c.clamp(1, DEFAULT_MAX_PAGE_SIZE));
    let schedule = ScheduleConfig::documented();
    let orders_per_minute = |limit: u32| {
        let class = RateClass::OrderList {
            with_visits,
            limit: Some(limit),
        };
        let per_minute = class
            .tier()
            .map_or(u32::MAX, |tier| schedule.tier_quota(tier).max());
        u64::from(limit) * u64::from(per_minute)
    };
    // The best page of each tier is its largest one: the tops of the tiers, within reach.
    let best = [99, 1000, largest]
        .into_iter()
        .map(|top| top.min(largest))
        // Most orders per minute first, then the smaller page.
        .max_by_key(|&limit| (orders_per_minute(limit), std::cmp::Reverse(limit)))
        .unwrap_or(largest);
    match wanted_total {
        Some(w) => u32::try_from(w.clamp(1, u64::from(best))).unwrap_or(best),
        None => best,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The brute force over every page size agrees with the tier-top shortcut.
    #[test]
    fn matches_a_brute_force_over_every_size() {
        let schedule = ScheduleConfig::documented();
        for with_visits in [false, true] {
            for cap in [
                None,
                Some(1),
                Some(50),
                Some(99),
                Some(100),
                Some(700),
                Some(1000),
            ]
            .into_iter()
            .chain([Some(1001), Some(4999), Some(5000), Some(9000)])
            {
                let largest = cap
                    .unwrap_or(DEFAULT_MAX_PAGE_SIZE)
                    .min(DEFAULT_MAX_PAGE_SIZE);
                let (best_rate, best_size) = (1..=largest)
                    .map(|l| {
                        let class = RateClass::OrderList {
                            with_visits,
                            limit: Some(l),
                        };
                        let per_min = schedule.tier_quota(class.tier().unwrap()).max();
                        (u64::from(l) * u64::from(per_min), std::cmp::Reverse(l))
                    })
                    .max()
                    .unwrap();
                let chosen = best_page_size(with_visits, None, cap);
                assert_eq!(
                    chosen, best_size.0,
                    "visits {with_visits}, cap {cap:?}: best rate {best_rate}"
                );
            }
        }
    }

    #[test]
    fn without_visits_the_largest_page_wins() {
        assert_eq!(best_page_size(false, None, None), DEFAULT_MAX_PAGE_SIZE);
        assert_eq!(best_page_size(false, None, Some(2500)), 2500);
        // A cap above the default maximum does not raise it.
        assert_eq!(
            best_page_size(false, None, Some(8000)),
            DEFAULT_MAX_PAGE_SIZE
        );
    }

    #[test]
    fn with_visits_the_five_per_minute_tier_wins() {
        assert_eq!(best_page_size(true, None, None), 1000);
        assert_eq!(best_page_size(true, None, Some(3000)), 1000);
        assert_eq!(best_page_size(true, None, Some(600)), 600);
        // Below 100 the 10-per-minute tier applies.
        assert_eq!(best_page_size(true, None, Some(60)), 60);
    }

    #[test]
    fn a_small_export_is_one_page() {
        assert_eq!(best_page_size(true, Some(50), None), 50);
        assert_eq!(best_page_size(false, Some(4321), None), 4321);
        assert_eq!(best_page_size(false, Some(4321), Some(1000)), 1000);
        assert_eq!(best_page_size(false, Some(0), None), 1);
        assert_eq!(best_page_size(true, Some(u64::MAX), None), 1000);
    }
}
