//! When a message that could not be delivered is tried again, and when it is given up.
//!
//! Exponential backoff from 5 seconds, quadrupling, capped at 6 hours between tries, for
//! three days from when the message was queued (Standard Webhooks recommends retrying
//! with exponential backoff over about that long; the same schedule serves mail).

use chrono::{DateTime, Duration, Utc};

pub const FIRST_RETRY: Duration = Duration::seconds(5);
pub const LONGEST_WAIT: Duration = Duration::hours(6);
pub const GIVE_UP_AFTER: Duration = Duration::days(3);

/// The next try after `attempts` failed ones (≥ 1) of a message queued at `queued`, or
/// `None` when the three days are up.
pub fn next_attempt(
    attempts: u32,
    queued: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let doublings = attempts.saturating_sub(1).min(20);
    let wait = FIRST_RETRY
        .checked_mul(4_i32.saturating_pow(doublings))
        .map_or(LONGEST_WAIT, |w| w.min(LONGEST_WAIT));
    let next = now + wait;
    (next <= queued + GIVE_UP_AFTER).then_some(next)
}

/// Where a delivery stands, as its log shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Retrying,
    Delivered,
    /// Given up after three days of tries.
    GivenUp,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Retrying => "retrying",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::GivenUp => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-04T09:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn waits_quadruple_from_five_seconds_to_six_hours() {
        let waits: Vec<i64> = (1..=8)
            .map(|n| (next_attempt(n, t0(), t0()).unwrap() - t0()).num_seconds())
            .collect();
        assert_eq!(waits, [5, 20, 80, 320, 1_280, 5_120, 20_480, 21_600]);
        assert_eq!(next_attempt(40, t0(), t0()), Some(t0() + LONGEST_WAIT));
    }

    #[test]
    fn a_message_is_given_up_three_days_after_it_was_queued() {
        let late = t0() + Duration::days(3) - Duration::seconds(5);
        assert_eq!(next_attempt(1, t0(), late), Some(t0() + Duration::days(3)));
        assert_eq!(next_attempt(1, t0(), late + Duration::seconds(1)), None);
    }
}

/// How an outbox message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Mail,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Mail => "mail",
            Channel::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "mail" => Some(Channel::Mail),
            "webhook" => Some(Channel::Webhook),
            _ => None,
        }
    }
}
