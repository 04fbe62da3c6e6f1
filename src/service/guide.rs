//! The program guide served: paths, roles, and a candidate's next certifications with
//! whether they may start each now.

use crate::db::{catalog, DbConn};
use crate::domain::certificate::CertificateStatus;
use crate::domain::guide::{self, CertificationGuide, Holding, Offer, ProgramGuide};
use crate::error::{ApiError, ApiResult};
use crate::service::attempts::{may_start, settle_candidate};
use crate::service::certificates::{status, today};
use crate::service::issuing::current;
use crate::service::timing::Timing;
use crate::state::AppState;
use crate::views::{instant, BlockedView, RecommendationView, RecommendationsView};
use chrono::{DateTime, Utc};

pub async fn program_guide(state: &AppState) -> ApiResult<ProgramGuide> {
    state
        .db
        .read(|conn| Ok(catalog::program_guide(conn)?))
        .await
}

/// The next certifications for the candidate (see [`guide::recommend`] for the order),
/// each program one with whether they may start it now and, if not, why (the error code
/// a start would get) and from when. Errors: 400 `validation_failed` for a role the role
/// table does not list.
pub async fn recommendations(
    state: &AppState,
    user_id: String,
    role: Option<String>,
) -> ApiResult<RecommendationsView> {
    let timing = Timing::of(state);
    // An overdue attempt would otherwise read as "in progress".
    settle_candidate(&state.db, timing, &user_id).await?;
    let require_verified = state.settings.messaging.require_verified_email;
    state
        .db
        .read(move |conn| {
            let program = catalog::program_guide(conn)?;
            let role = match role.as_deref() {
                None | Some("") => None,
                Some(id) => Some(
                    program
                        .roles
                        .iter()
                        .find(|r| r.id == id)
                        .cloned()
                        .ok_or_else(|| {
                            ApiError::Validation(format!(
                                "unknown role {id:?}; GET /v1/roles lists the roles"
                            ))
                        })?,
                ),
            };
            let records = catalog::list(conn)?;
            let guides: Vec<CertificationGuide> = records
                .iter()
                .map(|r| serde_json::from_str(&r.row.guide).unwrap_or_default())
                .collect();
            let offers: Vec<Offer<'_>> = records
                .iter()
                .zip(&guides)
                .map(|(r, g)| Offer {
                    code: &r.row.code,
                    title: &r.row.title,
                    recommended_order: r.row.recommended_order,
                    prerequisites: &r.prerequisites,
                    next: &g.next,
                })
                .collect();
            let held = holdings(conn, &user_id, &records, timing.now)?;
            let suggestions = guide::recommend(&offers, &held, role.as_ref());
            let mut out = Vec::with_capacity(suggestions.len());
            for s in suggestions {
                let record = s
                    .code
                    .as_deref()
                    .and_then(|c| records.iter().find(|r| r.row.code == c));
                let (may_start_now, blocked) = match record {
                    None => (None, None),
                    Some(r) => {
                        match may_start(conn, &user_id, &r.row, require_verified, timing.now) {
                            Ok(()) => (Some(true), None),
                            Err(
                                e @ (ApiError::Unavailable(_)
                                | ApiError::Busy { .. }
                                | ApiError::Internal(_)),
                            ) => return Err(e),
                            Err(e) => (Some(false), Some(blocked(&e, timing.now))),
                        }
                    }
                };
                out.push(RecommendationView {
                    external: s.code.is_none(),
                    code: s.code,
                    title: s.title,
                    issuer: s.issuer,
                    reasons: s.reasons,
                    may_start: may_start_now,
                    blocked,
                });
            }
            Ok(RecommendationsView {
                role: role.map(|r| r.id),
                held: held.into_iter().map(|(c, _)| c).collect(),
                recommendations: out,
            })
        })
        .await
}

/// The certifications the candidate holds (active, or inside the renewal window).
fn holdings(
    conn: &mut DbConn,
    user_id: &str,
    records: &[catalog::CertificationRecord],
    now: DateTime<Utc>,
) -> ApiResult<Vec<(String, Holding)>> {
    let mut held = Vec::new();
    for r in records {
        let Some(row) = current(conn, user_id, &r.row.code)? else {
            continue;
        };
        match status(&row, today(now)) {
            CertificateStatus::Active => held.push((r.row.code.clone(), Holding::Active)),
            CertificateStatus::RenewalDue => held.push((r.row.code.clone(), Holding::RenewalDue)),
            CertificateStatus::Expired | CertificateStatus::Revoked => {}
        }
    }
    Ok(held)
}

/// Why a start would be refused, as its error code and text, and when it would not be.
fn blocked(e: &ApiError, now: DateTime<Utc>) -> BlockedView {
    let available_at = match e {
        ApiError::RetakeWait { retry_at, .. } => Some(instant(retry_at)),
        ApiError::AttemptLimitReached { retry_after_secs } => Some(instant(
            &(now + chrono::Duration::seconds(*retry_after_secs as i64)),
        )),
        ApiError::AlreadyCertified { renewal_opens_on } => Some(renewal_opens_on.to_string()),
        _ => None,
    };
    BlockedView {
        code: e.code().to_string(),
        detail: e.detail(),
        available_at,
    }
}
