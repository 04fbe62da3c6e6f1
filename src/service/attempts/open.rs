//! The one way a request acts on an attempt that may still be open: the decision (is its
//! time up? may this happen in its status?) is taken on the row as it stands inside the
//! writing transaction, and an attempt found overdue is finalised in a transaction that
//! commits, before the request is refused.

use super::finalise::expire_if_overdue;
use crate::db::attempts::{self as rows, AttemptRow};
use crate::db::{Db, DbConn};
use crate::domain::lifecycle::{transition, AttemptEvent, AttemptStatus};
use crate::error::{ApiError, ApiResult};
use crate::service::timing::Timing;

/// Whose attempts a request may reach.
#[derive(Clone, Debug)]
pub enum Reach {
    /// A candidate's own only: another's attempt is 404, as if it did not exist.
    Owner(String),
    /// Any attempt (proctors).
    Any,
}

impl Reach {
    /// The attempt if this reach may see it.
    pub fn find(&self, conn: &mut DbConn, attempt_id: &str) -> ApiResult<AttemptRow> {
        self.admit(rows::find(conn, attempt_id)?)
    }

    /// The attempt, locked for this transaction, if this reach may see it.
    pub fn find_for_update(&self, conn: &mut DbConn, attempt_id: &str) -> ApiResult<AttemptRow> {
        self.admit(rows::find_for_update(conn, attempt_id)?)
    }

    fn admit(&self, attempt: Option<AttemptRow>) -> ApiResult<AttemptRow> {
        attempt
            .filter(|a| match self {
                Reach::Owner(user_id) => a.user_id == *user_id,
                Reach::Any => true,
            })
            .ok_or(ApiError::NotFound)
    }
}

/// Inside the transaction: finalised because its time was up, or acted on.
enum Touched<T> {
    Expired,
    Done(T),
}

/// Runs `act` on the attempt in one write transaction, if the lifecycle lets `event`
/// happen now; `act` gets the locked row and the status the event leads to. An attempt
/// whose time is up is finalised (and that commits) and the request is answered 409
/// `attempt_closed`; a refused event is the refusal's 409 and writes nothing.
///
/// The closure cannot return the "finalised, now refuse" outcome itself: only this
/// function turns it into an error, after the transaction that finalised has committed.
pub async fn touch<T, F>(
    db: &Db,
    timing: Timing,
    reach: Reach,
    attempt_id: String,
    event: AttemptEvent,
    act: F,
) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &AttemptRow, AttemptStatus) -> ApiResult<T> + Send + 'static,
{
    let touched = db
        .write(move |conn| {
            let attempt = reach.find_for_update(conn, &attempt_id)?;
            if expire_if_overdue(conn, &attempt, &timing)? {
                return Ok(Touched::Expired);
            }
            let next = transition(attempt.status()?, event)?;
            act(conn, &attempt, next).map(Touched::Done)
        })
        .await?;
    match touched {
        Touched::Done(value) => Ok(value),
        Touched::Expired => Err(ApiError::AttemptClosed(
            "The attempt's time ran out; it was submitted with the answers saved before the deadline."
                .into(),
        )),
    }
}

/// Finalises the attempt first if a read finds its time up, re-checking on the locked row
/// in the write; a no-op (one read) otherwise. For requests that then only read.
pub async fn settle(db: &Db, timing: Timing, reach: Reach, attempt_id: String) -> ApiResult<()> {
    let attempt = db
        .read({
            let (reach, attempt_id) = (reach.clone(), attempt_id.clone());
            move |conn| reach.find(conn, &attempt_id)
        })
        .await?;
    if timing.overdue(&attempt) {
        db.write(move |conn| {
            let attempt = reach.find_for_update(conn, &attempt_id)?;
            expire_if_overdue(conn, &attempt, &timing).map(|_| ())
        })
        .await?;
    }
    Ok(())
}

/// Finalises every open attempt of the candidate whose time is up, each in a transaction
/// of its own (re-checked on the locked row). What follows then sees their outcomes.
pub async fn settle_candidate(db: &Db, timing: Timing, user_id: &str) -> ApiResult<()> {
    let overdue: Vec<String> = db
        .read({
            let user_id = user_id.to_string();
            move |conn| {
                Ok(rows::open_for_user(conn, &user_id)?
                    .into_iter()
                    .filter(|a| timing.overdue(a))
                    .map(|a| a.id)
                    .collect())
            }
        })
        .await?;
    for id in overdue {
        settle(db, timing, Reach::Owner(user_id.to_string()), id).await?;
    }
    Ok(())
}
