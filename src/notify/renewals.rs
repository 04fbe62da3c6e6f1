//! Reminders before a certificate expires, and the notice when it has: swept
//! periodically by every instance. Each message's key names the certificate, its expiry
//! date and the threshold, so that however many instances sweep, however often, each
//! is queued once; and a renewal, which moves the expiry date, starts the reminders of
//! the new period afresh.

use super::certificates::webhook_data;
use super::templates::Template;
use super::{queue_mail, queue_webhook};
use crate::db::{certificates as rows, users};
use crate::error::ApiResult;
use crate::service::issuing::today;
use crate::state::AppState;
use chrono::Duration;
use serde_json::json;

/// Days before expiry at which the holder is reminded.
pub const REMINDER_DAYS: [i64; 3] = [90, 30, 7];
/// How long after expiry the sweep still tells of it: a database that starts sweeping
/// does not mail about certificates that expired long ago.
pub const EXPIRED_NOTICE_DAYS: i64 = 30;

/// The reminder a certificate with `days_left` (to its last valid day) is due: the
/// nearest threshold it has reached. Only that one: a sweep that resumes after a long
/// pause sends the 7-day reminder, not all three at once.
pub fn reminder_due(days_left: i64) -> Option<i64> {
    REMINDER_DAYS
        .iter()
        .rev()
        .copied()
        .find(|threshold| (0..=*threshold).contains(&days_left))
}

/// Queues what is due today; returns how many certificates were looked at.
pub async fn sweep(state: &AppState) -> ApiResult<usize> {
    let now = state.clock.now();
    let today = today(now);
    state
        .db
        .write(move |conn| {
            let from = today - Duration::days(EXPIRED_NOTICE_DAYS);
            let to = today + Duration::days(REMINDER_DAYS[0]);
            let due = rows::expiring_between(conn, from, to)?;
            for record in &due {
                let row = &record.row;
                let Some(holder) = users::find(conn, &row.user_id)? else {
                    continue;
                };
                let days_left = (row.expires_on - today).num_days();
                let base = json!({
                    "name": holder.full_name, "number": row.number, "certification": record.title,
                    "code": row.certification_code, "expires_on": row.expires_on.to_string(),
                });
                if days_left < 0 {
                    let key = format!("expired:{}:{}", row.number, row.expires_on);
                    queue_mail(
                        conn,
                        now,
                        &key,
                        &holder.email,
                        Template::CertificateExpired,
                        base,
                    )?;
                    let data = webhook_data(record, now);
                    queue_webhook(conn, now, &key, &row.number, "certificate.expired", data)?;
                } else if let Some(threshold) = reminder_due(days_left) {
                    let opens_on =
                        row.expires_on - Duration::days(i64::from(row.renewal_window_days));
                    let mut context = base;
                    context["days"] = days_left.into();
                    context["window_open"] = (today >= opens_on).into();
                    context["window_opens_on"] = opens_on.to_string().into();
                    let key = format!(
                        "renewal_reminder:{}:{}:{threshold}",
                        row.number, row.expires_on
                    );
                    queue_mail(
                        conn,
                        now,
                        &key,
                        &holder.email,
                        Template::RenewalReminder,
                        context,
                    )?;
                }
            }
            Ok(due.len())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_threshold_reached_is_the_one_due() {
        assert_eq!(reminder_due(120), None);
        assert_eq!(reminder_due(91), None);
        assert_eq!(reminder_due(90), Some(90));
        assert_eq!(reminder_due(31), Some(90));
        assert_eq!(reminder_due(30), Some(30));
        assert_eq!(reminder_due(8), Some(30));
        assert_eq!(reminder_due(7), Some(7));
        assert_eq!(reminder_due(0), Some(7));
        assert_eq!(reminder_due(-1), None);
    }
}
