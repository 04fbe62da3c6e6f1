//! A certificate as an Open Badges 3.0 `OpenBadgeCredential`
//! (<https://www.imsglobal.org/spec/ob/v3p0/>), secured as a VC-JWT (§8.2): the JWT's
//! payload is the credential itself with the registered claims `iss` = `issuer.id`,
//! `jti` = `id`, `sub` = `credentialSubject.id`, `nbf` = `validFrom` and `exp` =
//! `validUntil`; its header is `alg: RS256`, `typ: JWT` and a `kid` that is the URL of the
//! signing key's JWK.
//!
//! The holder is named by a salted SHA-256 of the e-mail address (an `IdentityObject`),
//! never by the address itself.

use crate::db::catalog::CertificationRecord;
use crate::db::certificates as rows;
use crate::db::{catalog, status_lists as entries, users};
use crate::domain::certificate::CertificateNumber;
use crate::error::{ApiError, ApiResult};
use crate::service::certificates::{status, today};
use crate::service::{issuer, keys, status_lists};
use crate::state::AppState;
use chrono::NaiveDate;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The URL of a certification's achievement: its catalog entry.
pub fn achievement_id(public_url: &str, code: &str) -> String {
    format!("{public_url}/v1/certifications/{code}")
}

/// The certification as an `Achievement` (type certification), described from the
/// catalog: what it covers, and what earning it takes (the criteria narrative).
pub fn achievement(public_url: &str, cert: &CertificationRecord) -> Value {
    let c = &cert.row;
    let domains: Vec<String> = cert.domains.iter().map(|d| d.name.to_lowercase()).collect();
    let needs = if cert.prerequisites.is_empty() {
        String::new()
    } else {
        format!(
            " It requires an active {} certificate.",
            cert.prerequisites.join(" and ")
        )
    };
    json!({
        "id": achievement_id(public_url, &c.code),
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": c.title,
        "description": format!(
            "The {} certification, {} level of the {} track, covers {}.{needs}",
            c.title, c.level, c.track, domains.join(", ")
        ),
        "criteria": {
            "narrative": format!(
                "Pass the proctored {} exam: {} questions, practical tasks included, in {} minutes, \
                 with at least {}% of the points. The certificate is valid for {} months and \
                 renewed by passing the exam again in the last {} days.",
                c.code,
                c.question_count,
                c.duration_minutes,
                f64::from(c.pass_mark_tenths) / 10.0,
                c.validity_months,
                c.renewal_window_days
            ),
        },
        "humanCode": c.code,
    })
}

/// The salted hash of an address, as OB 3.0's `IdentityObject` gives it:
/// `sha256$` and the hex SHA-256 of the address followed by the salt.
pub fn identity_hash(email: &str, salt: &str) -> String {
    format!(
        "sha256${}",
        hex::encode(Sha256::digest(format!("{email}{salt}")))
    )
}

fn day_start(d: NaiveDate) -> String {
    format!("{d}T00:00:00Z")
}

fn day_end(d: NaiveDate) -> String {
    format!("{d}T23:59:59Z")
}

fn timestamp(instant: &str) -> ApiResult<i64> {
    chrono::DateTime::parse_from_rfc3339(instant)
        .map(|t| t.timestamp())
        .map_err(ApiError::internal)
}

/// The Open Badges 3.0 credential of a certificate, as a VC-JWT; 410 `revoked` for a
/// revoked one (its status list says so to anyone holding an earlier copy).
pub async fn credential(state: &AppState, raw: &str) -> ApiResult<String> {
    let number = CertificateNumber::parse(raw).ok_or(ApiError::MalformedNumber)?;
    let now = state.clock.now();
    let public_url = state.settings.messaging.public_url.clone();
    let (record, holder, cert, entry, key) = state
        .db
        .read(move |conn| {
            let record = rows::find(conn, number.as_str())?.ok_or(ApiError::NotFound)?;
            let holder = users::find(conn, &record.row.user_id)?
                .ok_or_else(|| ApiError::internal("a certificate's holder is not stored"))?;
            let cert = catalog::stored(conn, &record.row.certification_code)?
                .ok_or_else(|| ApiError::internal("a certificate's certification is gone"))?;
            let entry = entries::entry(conn, number.as_str())?;
            Ok((
                record,
                holder,
                cert,
                entry,
                keys::current(conn, keys::RS256)?,
            ))
        })
        .await?;
    let entry = status_lists::entry_of(state, &record.row.number, entry).await?;
    let row = &record.row;
    if row.revoked_at.is_some() || status(row, today(now)).as_str() == "revoked" {
        return Err(ApiError::Revoked);
    }
    let id = format!("{public_url}/v1/certificates/{}/openbadge", row.number);
    let subject_id = format!("urn:uuid:{}", holder.id);
    let salt = hex::encode(&Sha256::digest(format!("{}:{}", row.number, holder.id))[..8]);
    let (valid_from, valid_until) = (day_start(row.issued_on), day_end(row.expires_on));
    let issuer_id = issuer::issuer_id(&public_url);
    let mut profile = issuer::profile(&state.settings.messaging);
    if let Some(p) = profile.as_object_mut() {
        p.remove("@context");
    }
    let claims = json!({
        "@context": issuer::CONTEXTS,
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": profile,
        "validFrom": valid_from,
        "validUntil": valid_until,
        "name": record.title,
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": true,
                "identityHash": identity_hash(&holder.email, &salt),
                "salt": salt,
            }],
            "achievement": achievement(&public_url, &cert),
        },
        "credentialStatus": status_lists::entry_json(&public_url, &entry),
        "iss": issuer_id,
        "jti": id,
        "sub": subject_id,
        "nbf": timestamp(&valid_from)?,
        "exp": timestamp(&valid_until)?,
        "iat": now.timestamp(),
    });
    keys::sign_rs256(&key, &public_url, &claims)
}
