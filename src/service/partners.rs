//! Training partners: API keys for bulk verification, shown once and kept as hashes.

use crate::auth::refresh;
use crate::db::certificates::{self as rows, PartnerRow};
use crate::db::{self, from_db_time, to_db_time};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::{instant, PartnerView};

/// Creates a partner; the view carries its API key, the only time it is shown. Errors:
/// 400 `validation_failed` for a name that is empty or over 200 characters.
pub async fn create(state: &AppState, name: &str) -> ApiResult<PartnerView> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::Validation(
            "name must be 1 to 200 characters".into(),
        ));
    }
    let (token, _) = refresh::generate();
    let api_key = format!("ivk_{token}");
    let row = PartnerRow {
        id: db::new_id(),
        name,
        api_key_hash: refresh::hash(&api_key),
        created_at: to_db_time(state.clock.now()),
        revoked_at: None,
    };
    let view = PartnerView {
        id: row.id.clone(),
        name: row.name.clone(),
        api_key: Some(api_key),
        revoked_at: None,
    };
    state
        .db
        .write(move |conn| Ok(rows::insert_partner(conn, &row)?))
        .await?;
    Ok(view)
}

/// Revokes a partner's key: its next call is 401. Errors: 404 for an unknown partner.
pub async fn revoke(state: &AppState, id: String) -> ApiResult<PartnerView> {
    let now = to_db_time(state.clock.now());
    let row = state
        .db
        .write(move |conn| Ok(rows::revoke_partner(conn, &id, now)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(PartnerView {
        id: row.id,
        name: row.name,
        api_key: None,
        revoked_at: row.revoked_at.map(|t| instant(&from_db_time(t))),
    })
}
