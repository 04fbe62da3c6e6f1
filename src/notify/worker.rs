//! Delivers what the outbox holds: every instance runs this loop; the database decides
//! which of them sends each message.

use super::templates::Rendered;
use crate::db::outbox::{self, OutboxRow};
use crate::db::{from_db_time, to_db_time};
use crate::domain::delivery::{self, Channel};
use crate::error::ApiResult;
use crate::state::AppState;
use actix_web::web;
use chrono::Duration;

/// How long a claim lasts: longer than any one delivery may take (SMTP and HTTP time out
/// at 20 seconds), so that a live worker's claim never lapses, and a dead one's does.
pub const LEASE: Duration = Duration::seconds(60);
const BATCH: i64 = 16;

/// Delivers the messages due now; returns how many were delivered.
pub async fn deliver_due(state: &AppState) -> ApiResult<usize> {
    let now = state.clock.now();
    let (at, lease) = (to_db_time(now), to_db_time(now + LEASE));
    let claimed = state
        .db
        .write(move |conn| Ok(outbox::claim_due(conn, at, lease, BATCH)?))
        .await?;
    let mut delivered = 0;
    for row in claimed {
        let outcome = match Channel::parse(&row.channel) {
            Some(Channel::Mail) => send_mail(state, &row).await,
            Some(Channel::Webhook) | None => Err(Failure {
                status: None,
                error: format!("no deliverer for channel {}", row.channel),
            }),
        };
        let done = state.clock.now();
        let id = row.id.clone();
        match outcome {
            Ok(()) => {
                delivered += 1;
                state
                    .db
                    .write(move |conn| {
                        Ok(outbox::delivered(conn, &id, to_db_time(done), None, Some("{}"))?)
                    })
                    .await?;
            }
            Err(failure) => {
                let retry = delivery::next_attempt(
                    row.attempts.max(1) as u32,
                    from_db_time(row.created_at),
                    done,
                );
                tracing::warn!(
                    message = %row.id, event = %row.event, attempts = row.attempts,
                    error = %failure.error, given_up = retry.is_none(),
                    "delivery failed"
                );
                state
                    .db
                    .write(move |conn| {
                        Ok(outbox::failed(
                            conn,
                            &id,
                            retry.map(to_db_time),
                            to_db_time(done),
                            failure.status,
                            &failure.error,
                        )?)
                    })
                    .await?;
            }
        }
    }
    Ok(delivered)
}

/// Why a delivery failed: the receiver's status, if it answered, and what happened.
pub struct Failure {
    pub status: Option<i32>,
    pub error: String,
}

async fn send_mail(state: &AppState, row: &OutboxRow) -> Result<(), Failure> {
    let fail = |error: String| Failure {
        status: None,
        error,
    };
    let mail: Rendered = serde_json::from_str(&row.payload).map_err(|e| fail(e.to_string()))?;
    let to = row.recipient.clone().unwrap_or_default();
    let (mailer, from, id) = (
        state.mailer.clone(),
        state.settings.messaging.mail_from.clone(),
        row.id.clone(),
    );
    web::block(move || mailer.send(&from, &to, &id, &mail))
        .await
        .map_err(|e| fail(e.to_string()))?
        .map_err(|e| fail(e.to_string()))
}

/// Runs [`deliver_due`] forever at the configured interval.
pub async fn deliver_forever(state: web::Data<AppState>) {
    let mut tick = actix_web::rt::time::interval(state.settings.messaging.outbox_interval);
    loop {
        tick.tick().await;
        loop {
            match deliver_due(&state).await {
                // A full batch may mean more are due at once.
                Ok(n) if n as i64 >= BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox delivery failed");
                    break;
                }
            }
        }
    }
}
