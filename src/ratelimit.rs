//! A fixed-window request limiter per client address, for public endpoints.
//!
//! Counts live in this process: with the embedded SQLite there is one process, so the
//! limit is exact; behind a load balancer each instance allows the limit, which still
//! bounds enumeration of certificate numbers (40 random bits each) to nothing useful.

use crate::clock::Clock;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct RateLimiter {
    per_window: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (DateTime<Utc>, u32)>>,
}

/// Beyond this many tracked addresses, stale ones are dropped.
const MAX_TRACKED: usize = 100_000;

impl RateLimiter {
    pub fn new(per_window: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            per_window,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request from `key`; `Err(seconds)` until the window ends when over the limit.
    pub fn check(&self, key: &str, clock: &dyn Clock) -> Result<(), u64> {
        let now = clock.now();
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > MAX_TRACKED {
            let window = self.window;
            counts.retain(|_, (start, _)| now - *start < window);
        }
        let entry = counts.entry(key.to_string()).or_insert((now, 0));
        if now - entry.0 >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_window {
            let wait = (entry.0 + self.window - now).num_milliseconds();
            return Err(((wait + 999) / 1000).max(1) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn the_limit_holds_per_key_until_the_window_ends() {
        let clock = ManualClock::new(Utc::now());
        let limiter = RateLimiter::new(3, Duration::minutes(1));
        for _ in 0..3 {
            assert!(limiter.check("a", &clock).is_ok());
        }
        assert_eq!(limiter.check("a", &clock), Err(60));
        assert!(limiter.check("b", &clock).is_ok());
        clock.advance(Duration::seconds(45));
        assert_eq!(limiter.check("a", &clock), Err(15));
        clock.advance(Duration::seconds(15));
        assert!(limiter.check("a", &clock).is_ok());
    }
}
