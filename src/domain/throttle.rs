//! Failed-login throttling rules. Backoff rather than lockout, and a budget of its own for
//! every device that has signed in to the account before (a device token, see
//! `auth::device`): nobody can lock a candidate out of their own exam from elsewhere,
//! they can only slow down guessing.

use chrono::{DateTime, Duration, Utc};

/// Failures a pair (account, client address) may make before it must wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait between two attempts of one pair.
pub const MAX_BACKOFF_SECS: i64 = 15 * 60;
/// How long a pair's failures are remembered without a success.
pub const PAIR_MEMORY: Duration = Duration::hours(24);
/// The window of the account-wide and address-wide limits.
pub const WINDOW: Duration = Duration::hours(1);
pub const ACCOUNT_FAILURES_PER_WINDOW: u32 = 50;
pub const CLIENT_FAILURES_PER_WINDOW: u32 = 100;

/// What the database knows about recent failures around one login attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// Failures of this account from this address since its last success (within memory).
    pub pair: u32,
    pub pair_last: Option<DateTime<Utc>>,
    /// Failures of this account from every address within the window.
    pub account: u32,
    pub account_oldest: Option<DateTime<Utc>>,
    /// Failures from this address against every account within the window.
    pub client: u32,
    pub client_oldest: Option<DateTime<Utc>>,
}

impl FailureCounts {
    /// The counts that bind a device that has signed in to this account before: its own
    /// failures only. The account-wide and address-wide limits are what a third party
    /// can fill, so they bind only clients the account has never seen.
    pub fn for_known_device(self) -> FailureCounts {
        FailureCounts {
            pair: self.pair,
            pair_last: self.pair_last,
            ..FailureCounts::default()
        }
    }
}

/// How long the caller must wait before its next attempt, if at all (whole seconds, ≥ 1).
pub fn retry_after(counts: &FailureCounts, now: DateTime<Utc>) -> Option<u64> {
    let pair_until = (counts.pair >= FREE_FAILURES)
        .then(|| counts.pair_last.map(|last| last + backoff(counts.pair)))
        .flatten();
    let account_until = (counts.account >= ACCOUNT_FAILURES_PER_WINDOW)
        .then(|| counts.account_oldest.map(|t| t + WINDOW))
        .flatten();
    let client_until = (counts.client >= CLIENT_FAILURES_PER_WINDOW)
        .then(|| counts.client_oldest.map(|t| t + WINDOW))
        .flatten();
    let until = [pair_until, account_until, client_until]
        .into_iter()
        .flatten()
        .max()?;
    let wait = until - now;
    (wait > Duration::zero()).then(|| {
        // Round up, so a client that waits exactly Retry-After is let through.
        let millis = wait.num_milliseconds();
        ((millis + 999) / 1000).max(1) as u64
    })
}

/// The wait after the `failures`-th consecutive failure: 1 s after the first one past the
/// free allowance, doubling each time, capped at 15 minutes.
pub fn backoff(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::zero();
    }
    let doublings = (failures - FREE_FAILURES).min(20);
    Duration::seconds((1_i64 << doublings).min(MAX_BACKOFF_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn five_failures_are_free() {
        let c = FailureCounts {
            pair: 4,
            pair_last: Some(t0()),
            ..Default::default()
        };
        assert_eq!(retry_after(&c, t0()), None);
    }

    #[test]
    fn the_wait_doubles_from_one_second_to_fifteen_minutes() {
        assert_eq!(backoff(5), Duration::seconds(1));
        assert_eq!(backoff(6), Duration::seconds(2));
        assert_eq!(backoff(7), Duration::seconds(4));
        assert_eq!(backoff(14), Duration::seconds(512));
        assert_eq!(backoff(15), Duration::seconds(900));
        assert_eq!(backoff(60), Duration::seconds(900));
    }

    #[test]
    fn the_pair_wait_counts_from_the_last_failure() {
        let c = FailureCounts {
            pair: 7,
            pair_last: Some(t0()),
            ..Default::default()
        };
        assert_eq!(retry_after(&c, t0()), Some(4));
        assert_eq!(
            retry_after(&c, t0() + Duration::milliseconds(3_500)),
            Some(1)
        );
        assert_eq!(retry_after(&c, t0() + Duration::seconds(4)), None);
    }

    #[test]
    fn the_account_limit_holds_until_its_oldest_failure_leaves_the_window() {
        let c = FailureCounts {
            account: 50,
            account_oldest: Some(t0()),
            ..Default::default()
        };
        assert_eq!(retry_after(&c, t0() + Duration::minutes(59)), Some(60));
        assert_eq!(retry_after(&c, t0() + Duration::minutes(60)), None);
        let under = FailureCounts { account: 49, ..c };
        assert_eq!(retry_after(&under, t0()), None);
    }

    #[test]
    fn the_client_limit_is_one_hundred_an_hour() {
        let c = FailureCounts {
            client: 100,
            client_oldest: Some(t0()),
            ..Default::default()
        };
        assert_eq!(retry_after(&c, t0() + Duration::minutes(30)), Some(1800));
        let under = FailureCounts { client: 99, ..c };
        assert_eq!(retry_after(&under, t0()), None);
    }

    #[test]
    fn a_known_device_meets_only_its_own_backoff() {
        let flooded = FailureCounts {
            pair: 0,
            pair_last: None,
            account: 500,
            account_oldest: Some(t0()),
            client: 500,
            client_oldest: Some(t0()),
        };
        assert!(retry_after(&flooded, t0()).is_some());
        assert_eq!(retry_after(&flooded.for_known_device(), t0()), None);
        let guessing = FailureCounts {
            pair: 7,
            pair_last: Some(t0()),
            ..flooded
        };
        assert_eq!(retry_after(&guessing.for_known_device(), t0()), Some(4));
    }

    #[test]
    fn the_longest_of_the_waits_wins() {
        let c = FailureCounts {
            pair: 5,
            pair_last: Some(t0()),
            client: 100,
            client_oldest: Some(t0()),
            ..Default::default()
        };
        assert_eq!(retry_after(&c, t0()), Some(3600));
    }
}
