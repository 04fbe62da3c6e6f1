//! Whether the account and session behind an access token still stand: checked on every
//! authenticated request, so that rights come from the account, not from the token.
//!
//! An access token is valid for 15 minutes, but a deleted or disabled account, a changed
//! role, or a session signed out (or revoked for refresh-token reuse, or ended by a
//! password change) takes effect at once on the instance that made the change, and on
//! every other as soon as it reads the change in the database's feed of account changes
//! (`account_feed`, a few times a second). Each instance remembers a verdict per (account,
//! session) for [`RECHECK_WHILE_FED`] while that feed is read, and for only
//! [`RECHECK_AFTER`] while it is not (the database unreachable, the instance starting).

use crate::domain::account::Role;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// How long an instance trusts what it last read about an account and session when it
/// cannot learn of changes from the feed.
pub const RECHECK_AFTER: Duration = Duration::seconds(2);
/// How long it trusts a verdict while the feed tells it of every change: a backstop, since
/// the feed forgets a changed account's verdicts anyway.
pub const RECHECK_WHILE_FED: Duration = Duration::seconds(60);
/// The feed counts as read while its last complete reading began at most this long ago.
pub const FED_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);
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

/// Taken before a verdict is read from the database: a verdict read while an account was
/// being forgotten may predate the change, so it is used once and not remembered.
#[derive(Clone, Copy, Debug)]
pub struct Ticket(u64);

#[derive(Default)]
pub struct Standings {
    seen: Mutex<HashMap<Key, (DateTime<Utc>, Standing)>>,
    forgets: AtomicU64,
    /// When the last complete reading of the feed began.
    fed_at: Mutex<Option<Instant>>,
}

impl Standings {
    /// The verdict still trusted at `now`, if any.
    pub fn recent(
        &self,
        user_id: &str,
        session: Option<&str>,
        now: DateTime<Utc>,
    ) -> Option<Standing> {
        let trust = self.trust();
        let seen = self.seen.lock().ok()?;
        let key = (user_id.to_string(), session.map(str::to_string));
        seen.get(&key)
            .filter(|(at, _)| now >= *at && now - *at < trust)
            .map(|(_, standing)| *standing)
    }

    pub fn ticket(&self) -> Ticket {
        Ticket(self.forgets.load(Ordering::SeqCst))
    }

    /// Remembers a verdict read after `ticket` was taken, unless something was forgotten
    /// meanwhile.
    pub fn remember(
        &self,
        user_id: &str,
        session: Option<&str>,
        now: DateTime<Utc>,
        standing: Standing,
        ticket: Ticket,
    ) {
        let trust = self.trust();
        if let Ok(mut seen) = self.seen.lock() {
            // Under the lock, so that no forget can slip in between the check and the insert.
            if self.forgets.load(Ordering::SeqCst) != ticket.0 {
                return;
            }
            if seen.len() >= MAX_ENTRIES {
                seen.retain(|_, (at, _)| now - *at < trust);
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

    /// Forgets every verdict about an account that has just changed.
    pub fn forget(&self, user_id: &str) {
        if let Ok(mut seen) = self.seen.lock() {
            self.forgets.fetch_add(1, Ordering::SeqCst);
            seen.retain(|(user, _), _| user != user_id);
        }
    }

    /// Forgets every verdict (the feed starts afresh: what changed before is unknown).
    pub fn forget_all(&self) {
        if let Ok(mut seen) = self.seen.lock() {
            self.forgets.fetch_add(1, Ordering::SeqCst);
            seen.clear();
        }
    }

    /// Records that a reading of the feed which began at `began` has been applied: every
    /// change committed before then has been forgotten.
    pub fn fed(&self, began: Instant) {
        if let Ok(mut fed_at) = self.fed_at.lock() {
            *fed_at = Some(began);
        }
    }

    fn trust(&self) -> Duration {
        let fed = self
            .fed_at
            .lock()
            .ok()
            .and_then(|at| *at)
            .is_some_and(|at| at.elapsed() <= FED_WITHIN);
        if fed {
            RECHECK_WHILE_FED
        } else {
            RECHECK_AFTER
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

    fn later(ms: i64) -> DateTime<Utc> {
        t0() + Duration::milliseconds(ms)
    }

    #[test]
    fn without_the_feed_a_verdict_is_trusted_for_two_seconds_and_per_session() {
        let s = Standings::default();
        s.remember(
            "u1",
            Some("s1"),
            t0(),
            Standing::Active(Role::Admin),
            s.ticket(),
        );
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
    fn while_the_feed_is_read_a_verdict_is_trusted_for_a_minute_and_no_longer_once_it_stops() {
        let s = Standings::default();
        s.remember(
            "u1",
            Some("s1"),
            t0(),
            Standing::Active(Role::Admin),
            s.ticket(),
        );
        s.fed(Instant::now());
        let active = Some(Standing::Active(Role::Admin));
        assert_eq!(s.recent("u1", Some("s1"), later(59_999)), active);
        assert_eq!(s.recent("u1", Some("s1"), later(60_000)), None);
        // A reading that began longer ago than FED_WITHIN no longer vouches for anything.
        s.fed(Instant::now() - FED_WITHIN - std::time::Duration::from_millis(1));
        assert_eq!(s.recent("u1", Some("s1"), later(2_000)), None);
        assert_eq!(s.recent("u1", Some("s1"), later(1_999)), active);
    }

    #[test]
    fn forgetting_an_account_drops_all_its_sessions_only() {
        let s = Standings::default();
        s.remember(
            "u1",
            Some("s1"),
            t0(),
            Standing::Active(Role::Admin),
            s.ticket(),
        );
        s.remember("u1", Some("s2"), t0(), Standing::Disabled, s.ticket());
        s.remember("u2", Some("s3"), t0(), Standing::SignedOut, s.ticket());
        s.forget("u1");
        assert_eq!(s.recent("u1", Some("s1"), t0()), None);
        assert_eq!(s.recent("u1", Some("s2"), t0()), None);
        assert_eq!(s.recent("u2", Some("s3"), t0()), Some(Standing::SignedOut));
        s.forget_all();
        assert_eq!(s.recent("u2", Some("s3"), t0()), None);
    }

    #[test]
    fn a_verdict_read_while_an_account_was_forgotten_is_not_remembered() {
        let s = Standings::default();
        let ticket = s.ticket();
        // The read began, then the feed forgot the account (the change may postdate it).
        s.forget("u1");
        s.remember(
            "u1",
            Some("s1"),
            t0(),
            Standing::Active(Role::Admin),
            ticket,
        );
        assert_eq!(s.recent("u1", Some("s1"), t0()), None);
        s.remember("u1", Some("s1"), t0(), Standing::Disabled, s.ticket());
        assert_eq!(s.recent("u1", Some("s1"), t0()), Some(Standing::Disabled));
    }
}
