//! Periodic work every instance does; each task is safe to run in several instances at once.

use crate::db::throttle;
use crate::state::AppState;
use actix_web::web;
use std::time::Duration;

const PERIOD: Duration = Duration::from_secs(600);

pub async fn run(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(PERIOD);
    loop {
        tick.tick().await;
        let now = state.clock.now();
        match state
            .db
            .write(move |conn| Ok(throttle::prune(conn, now)?))
            .await
        {
            Ok(n) if n > 0 => tracing::debug!(pruned = n, "old login failures forgotten"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
    }
}
