//! Periodic work every instance does; each task is safe to run in several instances at once.

use crate::db::{account_changes, throttle};
use crate::service::{attempts, proctoring};
use crate::state::AppState;
use actix_web::web;
use std::time::Duration;

const PRUNE_PERIOD: Duration = Duration::from_secs(600);

/// Forgets login failures too old to count, and the feed of account changes but its
/// newest rows, every ten minutes.
pub async fn prune_forever(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(PRUNE_PERIOD);
    loop {
        tick.tick().await;
        let now = state.clock.now();
        match state
            .db
            .write(move |conn| Ok(throttle::prune(conn, now)? + account_changes::prune(conn)?))
            .await
        {
            Ok(n) if n > 0 => tracing::debug!(
                pruned = n,
                "old login failures and account changes forgotten"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
    }
}

/// Finalises attempts whose time ran out, without waiting for their candidates.
pub async fn sweep_forever(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(state.settings.sweep_interval);
    loop {
        tick.tick().await;
        match attempts::sweep(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(finalised = n, "expired attempts finalised"),
            Err(e) => tracing::warn!(error = %e, "sweep failed"),
        }
        match proctoring::sweep_silence(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(flags = n, "silent attempts flagged"),
            Err(e) => tracing::warn!(error = %e, "silence sweep failed"),
        }
    }
}

/// Queues renewal reminders and expiry notices, every ten minutes.
pub async fn remind_forever(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(PRUNE_PERIOD);
    loop {
        tick.tick().await;
        if let Err(e) = crate::notify::renewals::sweep(&state).await {
            tracing::warn!(error = %e, "renewal reminders failed");
        }
    }
}
