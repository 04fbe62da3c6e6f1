//! An attempt's lifecycle as one table: which event may happen in which status, and the
//! status it leads to. Every service asks [`transition`] before it writes; none compares
//! status strings of its own.
//!
//! ```text
//!              pause                 submit / expire / terminate        score
//! in_progress ──────▶ paused    open ───────────────────────────▶ closing ──────▶ outcome
//!      ▲   ◀────────── │          (submitted | expired | terminated)   (passed | failed |
//!      └─── resume ────┘                                                pending_review |
//!                                                 review: pending_review ─▶ passed | invalidated
//! ```
//!
//! `submitted` and `expired` are transient: the transaction that closes an attempt also
//! scores it, so outside it an attempt is open, an outcome, or `terminated`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an attempt stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    /// Running: the clock runs, answers are saved.
    InProgress,
    /// Held by a proctor: the clock stands still, answers are refused, events still count.
    Paused,
    /// Closed by the candidate, not yet scored (inside the closing transaction only).
    Submitted,
    /// Closed by its deadline, not yet scored (inside the closing transaction only).
    Expired,
    /// Ended by a proctor: scored for the record, never certified.
    Terminated,
    Passed,
    Failed,
    /// Passed, but held for a proctor's review before a certificate is issued.
    PendingReview,
    /// Rejected on review: it counts toward the attempt limits and the retake wait.
    Invalidated,
}

impl AttemptStatus {
    pub const ALL: [AttemptStatus; 9] = [
        AttemptStatus::InProgress,
        AttemptStatus::Paused,
        AttemptStatus::Submitted,
        AttemptStatus::Expired,
        AttemptStatus::Terminated,
        AttemptStatus::Passed,
        AttemptStatus::Failed,
        AttemptStatus::PendingReview,
        AttemptStatus::Invalidated,
    ];
    /// Statuses of an attempt that is still open: one per candidate at most.
    pub const OPEN: [AttemptStatus; 2] = [AttemptStatus::InProgress, AttemptStatus::Paused];
    /// What a proctor's console shows when no status is asked for.
    pub const WATCHED: [AttemptStatus; 3] = [
        AttemptStatus::InProgress,
        AttemptStatus::Paused,
        AttemptStatus::PendingReview,
    ];
    /// Finished without a certificate: a retake waits after these.
    pub const NOT_PASSED: [AttemptStatus; 3] = [
        AttemptStatus::Failed,
        AttemptStatus::Invalidated,
        AttemptStatus::Terminated,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::InProgress => "in_progress",
            AttemptStatus::Paused => "paused",
            AttemptStatus::Submitted => "submitted",
            AttemptStatus::Expired => "expired",
            AttemptStatus::Terminated => "terminated",
            AttemptStatus::Passed => "passed",
            AttemptStatus::Failed => "failed",
            AttemptStatus::PendingReview => "pending_review",
            AttemptStatus::Invalidated => "invalidated",
        }
    }

    pub fn parse(raw: &str) -> Option<AttemptStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The string forms of `statuses`, for a query.
    pub fn names(statuses: &[AttemptStatus]) -> Vec<&'static str> {
        statuses.iter().map(|s| s.as_str()).collect()
    }
}

impl fmt::Display for AttemptStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a proctor may do to an open attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProctorAction {
    /// A message the candidate sees; the attempt runs on.
    Warn,
    /// Stops the clock and refuses answers until `resume`.
    Pause,
    /// Restarts the clock; the deadline moves by the time spent paused.
    Resume,
    /// Ends the attempt: scored for the record, never certified.
    Terminate,
}

impl ProctorAction {
    pub const ALL: [ProctorAction; 4] = [
        ProctorAction::Warn,
        ProctorAction::Pause,
        ProctorAction::Resume,
        ProctorAction::Terminate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProctorAction::Warn => "warn",
            ProctorAction::Pause => "pause",
            ProctorAction::Resume => "resume",
            ProctorAction::Terminate => "terminate",
        }
    }

    pub fn parse(raw: &str) -> Option<ProctorAction> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// A proctor's decision on a held attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Passes the attempt; its certificate is issued as of the attempt's end.
    Approve,
    /// Invalidates the attempt.
    Reject,
}

impl ReviewDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Approve => "approve",
            ReviewDecision::Reject => "reject",
        }
    }

    pub fn parse(raw: &str) -> Option<ReviewDecision> {
        [ReviewDecision::Approve, ReviewDecision::Reject]
            .into_iter()
            .find(|d| d.as_str() == raw)
    }
}

/// What scoring a closed attempt found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// Passed, with flags or a score that a proctor must look at first.
    Hold,
}

/// Everything that can happen to an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptEvent {
    /// The candidate saves an answer.
    SaveAnswer,
    /// The candidate's client reports an event (heartbeat, focus, camera …).
    ClientEvent,
    /// The candidate submits.
    Submit,
    /// The deadline, grace included, has passed.
    Expire,
    Proctor(ProctorAction),
    /// The closing transaction scores what it closed.
    Score(Verdict),
    Review(ReviewDecision),
}

impl AttemptEvent {
    pub const ALL: [AttemptEvent; 13] = [
        AttemptEvent::SaveAnswer,
        AttemptEvent::ClientEvent,
        AttemptEvent::Submit,
        AttemptEvent::Expire,
        AttemptEvent::Proctor(ProctorAction::Warn),
        AttemptEvent::Proctor(ProctorAction::Pause),
        AttemptEvent::Proctor(ProctorAction::Resume),
        AttemptEvent::Proctor(ProctorAction::Terminate),
        AttemptEvent::Score(Verdict::Pass),
        AttemptEvent::Score(Verdict::Fail),
        AttemptEvent::Score(Verdict::Hold),
        AttemptEvent::Review(ReviewDecision::Approve),
        AttemptEvent::Review(ReviewDecision::Reject),
    ];
}

/// Why an event may not happen now; each names what actually conflicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The attempt has ended (`status` says how).
    #[error("the attempt has ended: it is {0}")]
    Closed(AttemptStatus),
    /// A proctor has paused the attempt.
    #[error("a proctor has paused the attempt")]
    Paused,
    /// Resume of an attempt that is running, not paused.
    #[error("the attempt is running, not paused")]
    NotPaused,
    /// Scoring or review of an attempt that is still open.
    #[error("the attempt is still open")]
    StillOpen,
    /// A review of an attempt that is not held for one (`status` is where it stands).
    #[error("the attempt is not awaiting review: it is {0}")]
    NotHeld(AttemptStatus),
}

/// The status `event` leads to from `status`, or why it may not happen.
pub fn transition(status: AttemptStatus, event: AttemptEvent) -> Result<AttemptStatus, Refusal> {
    use AttemptEvent as E;
    use AttemptStatus as S;
    use ProctorAction as P;
    match (status, event) {
        (S::InProgress, E::SaveAnswer | E::ClientEvent | E::Proctor(P::Warn)) => Ok(S::InProgress),
        (S::InProgress, E::Submit) => Ok(S::Submitted),
        (S::InProgress, E::Expire) => Ok(S::Expired),
        (S::InProgress, E::Proctor(P::Pause)) => Ok(S::Paused),
        (S::InProgress, E::Proctor(P::Resume)) => Err(Refusal::NotPaused),

        // The clock stands still while paused, so a paused attempt never expires.
        (S::Paused, E::ClientEvent | E::Proctor(P::Warn)) => Ok(S::Paused),
        (S::Paused, E::SaveAnswer | E::Submit | E::Expire | E::Proctor(P::Pause)) => {
            Err(Refusal::Paused)
        }
        (S::Paused, E::Proctor(P::Resume)) => Ok(S::InProgress),

        (S::InProgress | S::Paused, E::Proctor(P::Terminate)) => Ok(S::Terminated),
        (S::InProgress | S::Paused, E::Score(_) | E::Review(_)) => Err(Refusal::StillOpen),

        (S::Submitted | S::Expired, E::Score(Verdict::Pass)) => Ok(S::Passed),
        (S::Submitted | S::Expired, E::Score(Verdict::Fail)) => Ok(S::Failed),
        (S::Submitted | S::Expired, E::Score(Verdict::Hold)) => Ok(S::PendingReview),
        // Scored for the record; the verdict changes nothing.
        (S::Terminated, E::Score(_)) => Ok(S::Terminated),

        (S::PendingReview, E::Review(ReviewDecision::Approve)) => Ok(S::Passed),
        (S::PendingReview, E::Review(ReviewDecision::Reject)) => Ok(S::Invalidated),
        (closed, E::Review(_)) => Err(Refusal::NotHeld(closed)),

        (closed, _) => Err(Refusal::Closed(closed)),
    }
}

#[cfg(test)]
mod tests;
