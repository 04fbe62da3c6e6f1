//! What invigil tells people, through a transactional outbox: a message is queued in the
//! transaction of the change that causes it (so a crash never loses one, and a rolled
//! back change sends none), then delivered by [`worker`] in every instance, each message
//! claimed by one of them at a time.
//!
//! Delivery is at least once: a process killed after sending and before recording it
//! sends again after the claim's lease. Each mail carries a stable `Message-ID` and each
//! webhook a stable `webhook-id`, so that a receiver can drop the repeat.

pub mod mailer;
pub mod templates;
pub mod worker;

use crate::config::Messaging;
use crate::db::outbox::{self, OutboxRow};
use crate::db::{self, DbConn};
use crate::domain::delivery::Channel;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use templates::Template;

/// Renders and queues a mail to `to`, once per `dedupe_key`; `context` holds the
/// template's own variables (`to` and `program` are added).
pub fn queue_mail(
    conn: &mut DbConn,
    settings: &Messaging,
    now: DateTime<Utc>,
    dedupe_key: &str,
    to: &str,
    template: Template,
    mut context: serde_json::Value,
) -> ApiResult<()> {
    if let Some(fields) = context.as_object_mut() {
        fields.insert("to".into(), to.into());
        fields.insert("program".into(), settings.program_name.clone().into());
    }
    let rendered = templates::render(template, &context).map_err(ApiError::internal)?;
    let at = db::to_db_time(now);
    outbox::enqueue(
        conn,
        &OutboxRow {
            id: db::new_id(),
            channel: Channel::Mail.as_str().into(),
            event: template.name().into(),
            dedupe_key: dedupe_key.into(),
            recipient: Some(to.into()),
            endpoint_id: None,
            payload: serde_json::to_string(&rendered).map_err(ApiError::internal)?,
            created_at: at,
            next_attempt_at: at,
            attempts: 0,
            claimed_until: None,
            delivered_at: None,
            abandoned_at: None,
            last_status: None,
            last_error: None,
        },
    )?;
    Ok(())
}

/// A link into the browser client, under `INVIGIL_PUBLIC_URL`.
pub fn link(settings: &Messaging, path: &str, token: &str) -> String {
    format!("{}{path}?token={token}", settings.public_url)
}
