//! Each instance reads the database's feed of account changes (`db::account_changes`)
//! every [`POLL_EVERY`] and forgets what it remembered about the accounts that changed
//! (`standing`), so that a disabled account, a changed role or a revoked session takes
//! effect on every instance within a fraction of a second, while the standing of an
//! unchanged account is not read again on every request.

use crate::db::account_changes;
use crate::state::AppState;
use actix_web::web;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

pub const POLL_EVERY: Duration = Duration::from_millis(250);
/// How far below the highest number seen each reading looks again. On PostgreSQL a
/// sequence number is taken when a row is written, not when it commits: a transaction
/// that took 41 may commit after the one that took 42 was read. Far more than can be
/// in flight at once.
const LOOK_BACK: i64 = 1_000;

/// What has been read of the feed.
#[derive(Debug, Default)]
pub struct Feed {
    /// The newest number at the first reading; None before it.
    start: Option<i64>,
    /// Numbers already applied within the look-back.
    applied: BTreeSet<i64>,
}

impl Feed {
    /// The number above which the next reading starts; None when the first reading must
    /// only find where the feed stands.
    pub fn from(&self) -> Option<i64> {
        let start = self.start?;
        let highest = self.applied.last().copied().unwrap_or(start).max(start);
        Some((highest - LOOK_BACK).max(0))
    }

    /// Where the feed stands when it is first read: what came before is unknown, so the
    /// caller forgets everything.
    pub fn begin(&mut self, newest: i64) {
        self.start = Some(newest);
    }

    /// The accounts of the rows not applied before (rows at or below the start were
    /// covered by forgetting everything).
    pub fn apply(&mut self, rows: Vec<(i64, String)>) -> Vec<String> {
        let start = self.start.unwrap_or(0);
        let mut changed = Vec::new();
        for (seq, user) in rows {
            if seq > start && self.applied.insert(seq) {
                changed.push(user);
            }
        }
        if let Some(from) = self.from() {
            self.applied = self.applied.split_off(&from);
        }
        changed
    }
}

/// Reads the feed for as long as the server runs.
pub async fn watch_forever(state: web::Data<AppState>) {
    let mut feed = Feed::default();
    let mut failing = false;
    loop {
        let began = Instant::now();
        let from = feed.from();
        let read = state
            .db
            .read(move |conn| match from {
                None => Ok((Some(account_changes::newest(conn)?), Vec::new())),
                Some(after) => Ok((None, account_changes::after(conn, after)?)),
            })
            .await;
        match read {
            Ok((newest, rows)) => {
                if let Some(newest) = newest {
                    feed.begin(newest);
                    state.standings.forget_all();
                }
                for user in feed.apply(rows) {
                    state.standings.forget(&user);
                }
                state.standings.fed(began);
                if failing {
                    tracing::info!("the feed of account changes is read again");
                    failing = false;
                }
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "the feed of account changes cannot be read; standings are rechecked every two seconds meanwhile");
                    failing = true;
                }
            }
        }
        // A pause after each reading rather than a fixed rate: a slow reading delays the
        // next instead of queueing more behind it.
        actix_web::rt::time::sleep(POLL_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(seqs: &[(i64, &str)]) -> Vec<(i64, String)> {
        seqs.iter().map(|(s, u)| (*s, u.to_string())).collect()
    }

    #[test]
    fn the_first_reading_only_finds_where_the_feed_stands() {
        let mut feed = Feed::default();
        assert_eq!(feed.from(), None);
        feed.begin(5_000);
        assert_eq!(feed.from(), Some(4_000));
        // Rows up to the start were covered by forgetting everything.
        assert!(feed
            .apply(rows(&[(4_990, "old"), (5_000, "old")]))
            .is_empty());
        assert_eq!(feed.apply(rows(&[(5_000, "old"), (5_001, "u1")])), ["u1"]);
    }

    #[test]
    fn each_change_is_applied_once_and_one_committed_late_is_not_missed() {
        let mut feed = Feed::default();
        feed.begin(0);
        assert_eq!(feed.from(), Some(0));
        // 2 is read before 1 has committed.
        assert_eq!(feed.apply(rows(&[(2, "u2")])), ["u2"]);
        assert_eq!(
            feed.apply(rows(&[(1, "u1"), (2, "u2"), (3, "u3")])),
            ["u1", "u3"]
        );
        assert!(feed
            .apply(rows(&[(1, "u1"), (2, "u2"), (3, "u3")]))
            .is_empty());
    }

    #[test]
    fn only_the_look_back_is_read_again_and_remembered() {
        let mut feed = Feed::default();
        feed.begin(0);
        let many: Vec<(i64, String)> = (1..=3_000).map(|s| (s, format!("u{s}"))).collect();
        assert_eq!(feed.apply(many).len(), 3_000);
        assert_eq!(feed.from(), Some(2_000));
        assert!(feed.applied.len() <= 1_001, "{}", feed.applied.len());
        assert_eq!(
            feed.apply(rows(&[(2_500, "again"), (3_001, "new")])),
            ["new"]
        );
    }
}
