//! The rules an attempt lives by at one instant: the clock, the grace period and the
//! proctoring policy, read once per request so every decision in it agrees.

use crate::db::attempts::AttemptRow;
use crate::db::from_db_time;
use crate::domain::lifecycle::AttemptStatus;
use crate::domain::proctoring::Rules;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Copy)]
pub struct Timing {
    pub now: DateTime<Utc>,
    pub grace: Duration,
    pub rules: Rules,
}

impl Timing {
    pub fn of(state: &AppState) -> Timing {
        Timing {
            now: state.clock.now(),
            grace: Duration::from_std(state.settings.answer_grace).unwrap_or_default(),
            rules: state.settings.proctoring,
        }
    }

    /// Whether the attempt's answering time, grace included, is over. A paused attempt's
    /// clock stands still, so it is never overdue.
    pub fn overdue(&self, attempt: &AttemptRow) -> bool {
        attempt.status().ok() == Some(AttemptStatus::InProgress)
            && self.now > from_db_time(attempt.deadline) + self.grace
    }
}
