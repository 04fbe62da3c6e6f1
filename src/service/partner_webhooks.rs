//! Partners' webhook endpoints: registering (the secret is shown once), listing,
//! deleting, the delivery log, and redelivery.

use crate::db::outbox::OutboxRow;
use crate::db::webhooks::{self, EndpointRow};
use crate::db::{self, from_db_time};
use crate::error::{ApiError, ApiResult};
use crate::notify::webhooks::{new_secret, resolve};
use crate::paging::{Cursor, Page, Paging};
use crate::state::AppState;
use crate::views::{instant, DeliveryView, WebhookEndpointView};

/// How many live endpoints one partner may have.
pub const MAX_ENDPOINTS: usize = 10;

fn view(row: EndpointRow, secret: Option<String>) -> WebhookEndpointView {
    WebhookEndpointView {
        id: row.id,
        url: row.url,
        certificates: if row.every_certificate {
            "all"
        } else {
            "verified"
        }
        .into(),
        created_at: instant(&from_db_time(row.created_at)),
        secret,
    }
}

/// Registers an endpoint after checking its target (HTTPS, public addresses). 400
/// `validation_failed` with the reason, or past [`MAX_ENDPOINTS`].
pub async fn register(
    state: &AppState,
    partner_id: String,
    url: String,
    every_certificate: bool,
) -> ApiResult<WebhookEndpointView> {
    let insecure = state.settings.messaging.webhook_allow_insecure;
    resolve(&url, insecure)
        .await
        .map_err(|why| ApiError::Validation(format!("url: {why}")))?;
    let row = EndpointRow {
        id: db::new_id(),
        partner_id,
        url,
        secret: new_secret(),
        every_certificate,
        created_at: db::to_db_time(state.clock.now()),
        deleted_at: None,
    };
    let stored = row.clone();
    state
        .db
        .write(move |conn| {
            if webhooks::for_partner(conn, &stored.partner_id)?.len() >= MAX_ENDPOINTS {
                return Err(ApiError::Validation(format!(
                    "a partner has at most {MAX_ENDPOINTS} webhook endpoints"
                )));
            }
            Ok(webhooks::insert(conn, &stored)?)
        })
        .await?;
    let secret = row.secret.clone();
    Ok(view(row, Some(secret)))
}

pub async fn list(state: &AppState, partner_id: String) -> ApiResult<Vec<WebhookEndpointView>> {
    let rows = state
        .db
        .read(move |conn| Ok(webhooks::for_partner(conn, &partner_id)?))
        .await?;
    Ok(rows.into_iter().map(|r| view(r, None)).collect())
}

/// Deletes an endpoint; its queued deliveries are given up. 404 for another partner's.
pub async fn delete(state: &AppState, partner_id: String, id: String) -> ApiResult<()> {
    let at = db::to_db_time(state.clock.now());
    let n = state
        .db
        .write(move |conn| Ok(webhooks::delete(conn, &partner_id, &id, at)?))
        .await?;
    if n == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

fn delivery_view(row: OutboxRow) -> DeliveryView {
    use crate::domain::delivery::DeliveryStatus;
    let status = match (&row.delivered_at, &row.abandoned_at, row.attempts) {
        (Some(_), _, _) => DeliveryStatus::Delivered,
        (_, Some(_), _) => DeliveryStatus::GivenUp,
        (_, _, 0) => DeliveryStatus::Pending,
        _ => DeliveryStatus::Retrying,
    }
    .as_str();
    DeliveryView {
        id: row.id,
        event: row.event,
        status: status.into(),
        attempts: row.attempts,
        created_at: instant(&from_db_time(row.created_at)),
        next_attempt_at: (row.delivered_at.is_none() && row.abandoned_at.is_none())
            .then(|| instant(&from_db_time(row.next_attempt_at))),
        delivered_at: row.delivered_at.map(|t| instant(&from_db_time(t))),
        last_status: row.last_status,
        last_error: row.last_error,
        payload: serde_json::from_str(&row.payload).unwrap_or_default(),
    }
}

/// An endpoint's deliveries, newest first. 404 for another partner's endpoint.
pub async fn deliveries(
    state: &AppState,
    partner_id: String,
    id: String,
    paging: Paging,
) -> ApiResult<Page<DeliveryView>> {
    state
        .db
        .read(move |conn| {
            webhooks::find(conn, &partner_id, &id)?.ok_or(ApiError::NotFound)?;
            let before = paging.after.clone().map(|c| (c.at, c.id));
            let rows = webhooks::deliveries(conn, &id, before, paging.limit)?;
            let page = Page::from_rows(rows, &paging, |r| Cursor {
                at: r.created_at,
                id: r.id.clone(),
            });
            Ok(page.map(delivery_view))
        })
        .await
}

/// Queues a delivery again now (with three more days of retries). 404 for an unknown
/// delivery or another partner's endpoint.
pub async fn redeliver(
    state: &AppState,
    partner_id: String,
    id: String,
    delivery_id: String,
) -> ApiResult<()> {
    let now = db::to_db_time(state.clock.now());
    let n = state
        .db
        .write(move |conn| {
            webhooks::find(conn, &partner_id, &id)?.ok_or(ApiError::NotFound)?;
            Ok(webhooks::redeliver(conn, &id, &delivery_id, now)?)
        })
        .await?;
    if n == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}
