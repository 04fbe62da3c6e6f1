//! Whether the account and session behind an access token still stand: checked on every
//! authenticated request, so that rights come from the account, not from the token.
//!
//! An access token is valid for 15 minutes, but a deleted or disabled account, a changed
//! role, or a session signed out (or revoked for refresh-token reuse, or ended by a
//! password change) takes effect at once on the instance that made the change and within
//! [`RECHECK_AFTER`] on every other: each instance remembers a verdict that long, per
//! (account, session), and forgets an account's verdicts when it changes the account.

use crate::domain::account::Role;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long an instance trusts what it last read about an account and session.
pub const RECHECK_AFTER: Duration = Duration::seconds(2);
const MAX_ENTRIES: usize = 100_000;

/// What the database says about a token's account and session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// The account exists and is enabled, the session is live; its role as of now.
    Active(Role),
    /// The account no longer exists.
    Gone,
    Disabled,
    /// The session was signed out or revoked.
    SignedOut,
}

type Key = (String, Option<String>);

#[derive(Default)]
pub struct Standings {
    seen: Mutex<HashMap<Key, (DateTime<Utc>, Standing)>>,
}

impl Standings {
    /// The verdict read within the last [`RECHECK_AFTER`], if any.
    pub fn recent(
        &self,
        user_id: &str,
        session: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<Standing> {
        let seen = self.seen.lock().ok()?;
        let key = (user_id.to_string(), session.map(str::to_string));
        seen.get(&key)
            .filter(|(at, _)| now >= *at && now - *at < RECHECK_AFTER)
            .map(|(_, standing)| *standing)
    }

    pub fn remember(
        &self,
        user_id: &str,
        session: Option<&str>,
        now: DateTime<Utc>,
        standing: Standing,
    ) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() >= MAX_ENTRIES {
                seen.retain(|_, (at, _)| now - *at < RECHECK_AFTER);
                if seen.len() >= MAX_ENTRIES {
                    seen.clear();
                }
            }
            seen.insert(
                (user_id.to_string(), session.map(str::to_string)),
                (now, standing),
            );
        }
    }

    /// Forgets every verdict about an account this instance has just changed.
    pub fn forget(&self, user_id: &str) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.retain(|(user, _), _| user != user_id);
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
    fn a_verdict_is_trusted_for_two_seconds_and_per_session() {
        let s = Standings::default();
        s.remember("u1", Some("s1"), t0(), Standing::Active(Role::Admin));
        let later = |ms| t0() + Duration::milliseconds(ms);
        assert_eq!(
            s.recent("u1", Some("s1"), later(1_999)),
            Some(Standing::Active(Role::Admin))
        );
        assert_eq!(s.recent("u1", Some("s1"), later(2_000)), None);
        assert_eq!(s.recent("u1", Some("s2"), t0()), None);
        assert_eq!(s.recent("u1", None, t0()), None);
        // A clock set back does not make an old verdict look fresh.
        assert_eq!(s.recent("u1", Some("s1"), later(-1)), None);
    }

    #[test]
    fn forgetting_an_account_drops_all_its_sessions_only() {
        let s = Standings::default();
        s.remember("u1", Some("s1"), t0(), Standing::Active(Role::Admin));
        s.remember("u1", Some("s2"), t0(), Standing::Disabled);
        s.remember("u2", Some("s3"), t0(), Standing::SignedOut);
        s.forget("u1");
        assert_eq!(s.recent("u1", Some("s1"), t0()), None);
        assert_eq!(s.recent("u1", Some("s2"), t0()), None);
        assert_eq!(s.recent("u2", Some("s3"), t0()), Some(Standing::SignedOut));
    }
}
