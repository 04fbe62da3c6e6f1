//! What holders and partners are told when a certificate changes: issued, renewed or
//! recertified, revoked, and (from the sweep in [`super::renewals`]) nearing expiry or
//! expired. Queued in the transaction of the change.

use super::templates::Template;
use super::{queue_mail, queue_webhook};
use crate::db::certificates::{self as rows, CertificateRecord};
use crate::db::{from_db_time, users, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::service::issuing;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// The `data` of a partner's certificate event: what a verification shows, no more.
pub fn webhook_data(record: &CertificateRecord, now: DateTime<Utc>) -> Value {
    let row = &record.row;
    json!({
        "number": row.number,
        "certification_code": row.certification_code,
        "certification": record.title,
        "holder_name": row.holder_name,
        "status": issuing::status(row, issuing::today(now)).as_str(),
        "issued_on": row.issued_on.to_string(),
        "expires_on": row.expires_on.to_string(),
        "revoked_at": row.revoked_at.map(|t| crate::views::instant(&from_db_time(t))),
        "revoked_reason": row.revoked_reason,
    })
}

/// Queues the holder's mail and the partners' webhooks for one certificate event
/// (`kind`: issued, renewed, recertified or revoked; `event_id` names it, so that it is
/// told once).
pub fn on_event(
    conn: &mut DbConn,
    event_id: &str,
    number: &str,
    kind: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let record = rows::find(conn, number)?
        .ok_or_else(|| ApiError::internal("a certificate with an event is not stored"))?;
    let holder = users::find(conn, &record.row.user_id)?
        .ok_or_else(|| ApiError::internal("a certificate's holder is not stored"))?;
    let row = &record.row;
    let key = format!("certificate:{event_id}");
    let (template, context) = if kind == "revoked" {
        (
            Template::CertificateRevoked,
            json!({
                "name": holder.full_name, "number": row.number, "certification": record.title,
                "at": now.format("%Y-%m-%d %H:%M UTC").to_string(),
                "reason": row.revoked_reason.clone().unwrap_or_default(),
            }),
        )
    } else {
        (
            Template::CertificateIssued,
            json!({
                "name": holder.full_name, "number": row.number, "certification": record.title,
                "kind": kind, "expires_on": row.expires_on.to_string(),
            }),
        )
    };
    queue_mail(conn, now, &key, &holder.email, template, context)?;
    let event_type = match kind {
        "revoked" => "certificate.revoked",
        "renewed" | "recertified" => "certificate.renewed",
        _ => return Ok(()),
    };
    queue_webhook(
        conn,
        now,
        &key,
        number,
        event_type,
        webhook_data(&record, now),
    )
}
