//! Delivers what the outbox holds: every instance runs this loop; the database decides
//! which of them sends each message.

use super::{webhooks, MailPayload};
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
            Some(Channel::Webhook) => send_webhook(state, &row).await,
            None => Err(Failure::permanent(format!(
                "no deliverer for channel {}",
                row.channel
            ))),
        };
        let done = state.clock.now();
        let id = row.id.clone();
        match outcome {
            Ok(status) => {
                delivered += 1;
                // A delivered mail keeps only its envelope: no one-time link outlives
                // its sending. A webhook keeps its body, for the delivery log.
                let scrub = (status.is_none()).then_some("{}");
                state
                    .db
                    .write(move |conn| {
                        Ok(outbox::delivered(
                            conn,
                            &id,
                            to_db_time(done),
                            status,
                            scrub,
                        )?)
                    })
                    .await?;
            }
            Err(failure) => {
                let retry = delivery::next_attempt(
                    row.attempts.max(1) as u32,
                    from_db_time(row.created_at),
                    done,
                )
                .filter(|_| !failure.permanent);
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

/// Why a delivery failed: the receiver's status, if it answered, and what happened;
/// `permanent` when trying again cannot help.
pub struct Failure {
    pub status: Option<i32>,
    pub error: String,
    pub permanent: bool,
}

impl Failure {
    fn new(error: String) -> Failure {
        Failure {
            status: None,
            error,
            permanent: false,
        }
    }

    fn permanent(error: String) -> Failure {
        Failure {
            permanent: true,
            ..Failure::new(error)
        }
    }
}

/// Sends a mail; `Ok(None)`: SMTP has no status worth keeping.
async fn send_mail(state: &AppState, row: &OutboxRow) -> Result<Option<i32>, Failure> {
    let fail = Failure::new;
    let payload: MailPayload =
        serde_json::from_str(&row.payload).map_err(|e| fail(e.to_string()))?;
    let to = row.recipient.clone().unwrap_or_default();
    let mail = super::render(&state.settings.messaging, &to, &payload).map_err(fail)?;
    let (mailer, from, id) = (
        state.mailer.clone(),
        state.settings.messaging.mail_from.clone(),
        row.id.clone(),
    );
    web::block(move || mailer.send(&from, &to, &id, &mail))
        .await
        .map_err(|e| fail(e.to_string()))?
        .map_err(|e| fail(e.to_string()))?;
    Ok(None)
}

/// Posts a webhook to its endpoint, signed, to the address checked; `Ok(status)` for a
/// 2xx answer.
async fn send_webhook(state: &AppState, row: &OutboxRow) -> Result<Option<i32>, Failure> {
    let endpoint_id = row.endpoint_id.clone().unwrap_or_default();
    let endpoint = state
        .db
        .read(move |conn| Ok(crate::db::webhooks::by_id(conn, &endpoint_id)?))
        .await
        .map_err(|e| Failure::new(e.to_string()))?
        .filter(|e| e.deleted_at.is_none())
        .ok_or_else(|| Failure::permanent("the endpoint was deleted".into()))?;
    let insecure = state.settings.messaging.webhook_allow_insecure;
    let target = webhooks::resolve(&endpoint.url, insecure)
        .await
        .map_err(Failure::new)?;
    let client = reqwest::Client::builder()
        .resolve(&target.host, target.addr)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| Failure::new(e.to_string()))?;
    let timestamp = state.clock.now().timestamp();
    let signature = webhooks::sign(&endpoint.secret, &row.id, timestamp, &row.payload);
    let response = client
        .post(target.url)
        .header("content-type", "application/json")
        .header("webhook-id", &row.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(row.payload.clone())
        .send()
        .await
        .map_err(|e| Failure::new(format!("{e}")))?;
    let status = i32::from(response.status().as_u16());
    if response.status().is_success() {
        Ok(Some(status))
    } else {
        Err(Failure {
            status: Some(status),
            ..Failure::new(format!("the endpoint answered {status}"))
        })
    }
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
