//! Request limits of the web chat: one budget per client address (the IP, behind a proxy the
//! last `X-Forwarded-For` hop, as the console counts it) and one per link (a personal token or
//! an open flow), so neither a script hammering from one machine nor many machines hammering
//! one link can flood the conversation core. Over a budget the request is answered 429 with
//! the time to wait, which the page shows in words and then retries.
//!
//! The budgets are generous for people: mobile carriers in Indonesia put many phones behind
//! one address (carrier-grade NAT), and a school lab shares one too, so the address budget is
//! meant to stop machines, not classes; a person answers at most a few messages a minute, so
//! the link budget is tighter.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The budgets (see the module's words on why these sizes).
#[derive(Debug, Clone, Copy)]
pub struct LimitSettings {
    /// Requests a minute per client address.
    pub per_address_per_minute: u32,
    /// Requests allowed at once per client address before the rate applies.
    pub per_address_burst: u32,
    /// Requests a minute per link.
    pub per_link_per_minute: u32,
    /// Requests allowed at once per link before the rate applies.
    pub per_link_burst: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            per_address_per_minute: 600,
            per_address_burst: 120,
            per_link_per_minute: 60,
            per_link_burst: 30,
        }
    }
}

/// Above this many remembered keys a limiter forgets the ones whose budget is full again,
/// so addresses seen once do not pile up in memory.
const FORGET_ABOVE: usize = 50_000;

/// The two keyed limiters.
pub struct Limits {
    per_address: DefaultKeyedRateLimiter<String>,
    per_link: DefaultKeyedRateLimiter<String>,
}

/// A request over a budget: wait this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverLimit(pub Duration);

fn quota(per_minute: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(rate).allow_burst(burst)
}

impl Limits {
    /// Limiters with these budgets.
    pub fn new(s: LimitSettings) -> Limits {
        Limits {
            per_address: RateLimiter::keyed(quota(s.per_address_per_minute, s.per_address_burst)),
            per_link: RateLimiter::keyed(quota(s.per_link_per_minute, s.per_link_burst)),
        }
    }

    /// Counts one request from `address`, about `link` when it names one (`None` for the
    /// page's script and styles). Both budgets are checked; the first one spent answers.
    pub fn check(&self, address: &str, link: Option<&str>) -> Result<(), OverLimit> {
        check(&self.per_address, address)?;
        if let Some(link) = link {
            check(&self.per_link, link)?;
        }
        Ok(())
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<String>, key: &str) -> Result<(), OverLimit> {
    if limiter.len() > FORGET_ABOVE {
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }
    limiter.check_key(&key.to_string()).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        // Whole seconds, at least one: Retry-After has no fractions.
        OverLimit(Duration::from_secs(wait.as_secs() + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_budget_runs_out_on_its_own() {
        let limits = Limits::new(LimitSettings {
            per_address_per_minute: 1,
            per_address_burst: 3,
            per_link_per_minute: 1,
            per_link_burst: 2,
        });
        // The link's budget (2) runs out first for one address.
        assert!(limits.check("10.0.0.1", Some("link-a")).is_ok());
        assert!(limits.check("10.0.0.1", Some("link-a")).is_ok());
        let over = limits.check("10.0.0.1", Some("link-a"));
        assert!(matches!(over, Err(OverLimit(d)) if d >= Duration::from_secs(1)));
        // Another link from the same address still has its own, until the address's (3,
        // the refused request counted too) is spent.
        assert!(limits.check("10.0.0.1", Some("link-b")).is_err());
        // Another address is untouched.
        assert!(limits.check("10.0.0.2", Some("link-b")).is_ok());
        assert!(limits.check("10.0.0.2", None).is_ok());
    }
}
