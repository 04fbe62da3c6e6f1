//! What invigil tells people, through a transactional outbox: a message is queued in the
//! transaction of the change that causes it (so a crash never loses one, and a rolled
//! back change sends none), then delivered by [`worker`] in every instance, each message
//! claimed by one of them at a time.
//!
//! Delivery is at least once: a process killed after sending and before recording it
//! sends again after the claim's lease. Each mail carries a stable `Message-ID` and each
//! webhook a stable `webhook-id`, so that a receiver can drop the repeat.

pub mod attempts;
pub mod certificates;
pub mod mailer;
pub mod renewals;
pub mod templates;
pub mod webhooks;
pub mod worker;

use crate::config::Messaging;
use crate::db::outbox::{self, OutboxRow};
use crate::db::{self, DbConn};
use crate::domain::delivery::Channel;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use templates::Template;

/// What a queued mail holds: its template and the template's own variables. It is
/// rendered when sent, with `to`, `program`, `public_url` (and `link`, from `page` and
/// `token`) added from the sending instance's settings.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct MailPayload {
    pub template: String,
    pub context: serde_json::Value,
}

/// Queues a mail to `to`, once per `dedupe_key`.
pub fn queue_mail(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dedupe_key: &str,
    to: &str,
    template: Template,
    context: serde_json::Value,
) -> ApiResult<()> {
    let payload = MailPayload {
        template: template.name().into(),
        context,
    };
    let at = db::to_db_time(now);
    outbox::enqueue(
        conn,
        &OutboxRow::queued(
            db::new_id(),
            Channel::Mail.as_str(),
            template.name(),
            dedupe_key.into(),
            (Some(to.into()), None),
            serde_json::to_string(&payload).map_err(ApiError::internal)?,
            at,
        ),
    )?;
    Ok(())
}

/// Queues a Standard Webhooks event (`{type, timestamp, data}`) for every endpoint that
/// follows certificate `number`, once per endpoint and `dedupe_key`.
pub fn queue_webhook(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dedupe_key: &str,
    number: &str,
    event_type: &str,
    data: serde_json::Value,
) -> ApiResult<()> {
    let body = serde_json::json!({
        "type": event_type,
        "timestamp": crate::views::instant(&now),
        "data": data,
    })
    .to_string();
    let at = db::to_db_time(now);
    for endpoint in crate::db::webhooks::following(conn, number)? {
        outbox::enqueue(
            conn,
            &OutboxRow::queued(
                format!("msg_{}", db::new_id()),
                Channel::Webhook.as_str(),
                event_type,
                format!("{dedupe_key}:{}", endpoint.id),
                (None, Some(endpoint.id)),
                body.clone(),
                at,
            ),
        )?;
    }
    Ok(())
}

/// Renders a queued mail with this instance's settings.
pub fn render(
    settings: &Messaging,
    to: &str,
    payload: &MailPayload,
) -> Result<templates::Rendered, String> {
    let template = Template::parse(&payload.template)
        .ok_or_else(|| format!("no mail template {:?}", payload.template))?;
    let mut context = payload.context.clone();
    let fields = context
        .as_object_mut()
        .ok_or("a mail's context is not an object")?;
    fields.insert("to".into(), to.into());
    fields.insert("program".into(), settings.program_name.clone().into());
    fields.insert("public_url".into(), settings.public_url.clone().into());
    if let (Some(page), Some(token)) = (fields.get("page"), fields.get("token")) {
        let link = format!(
            "{}{}?token={}",
            settings.public_url,
            page.as_str().unwrap_or_default(),
            token.as_str().unwrap_or_default()
        );
        fields.insert("link".into(), link.into());
    }
    templates::render(template, &context).map_err(|e| e.to_string())
}
