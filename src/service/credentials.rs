//! Signed credentials: a certificate as a compact JWS (EdDSA over Ed25519) that anyone
//! can verify offline with the published keys. Keys live in the database so that every
//! instance signs alike; rotation adds a key and keeps the old ones published.

use crate::db::certificates::{self as rows, SigningKeyRow};
use crate::db::{to_db_time, DbConn};
use crate::domain::certificate::CertificateNumber;
use crate::error::{ApiError, ApiResult};
use crate::service::certificates::{status, today};
use crate::service::{keys, status_lists};
use crate::state::AppState;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The claims of a credential.
#[derive(Debug, Serialize, Deserialize)]
pub struct CredentialClaims {
    pub iss: String,
    pub sub: String,
    pub iat: i64,
    pub nbf: i64,
    /// The end of the expiry day (UTC).
    pub exp: i64,
    pub number: String,
    pub holder_name: String,
    pub certification_code: String,
    pub certification_title: String,
    pub level: String,
    pub issued_on: String,
    pub expires_on: String,
    /// Where the certificate's revocation bit is (a `BitstringStatusListEntry`), so that
    /// a copy kept offline is checked against the list whenever the verifier is online.
    #[serde(rename = "credentialStatus")]
    pub credential_status: serde_json::Value,
}

/// Creates a signing key and stores it; it signs from now on.
pub fn create_key(conn: &mut DbConn, now: DateTime<Utc>) -> ApiResult<String> {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let public = key.verifying_key().to_bytes();
    // The kid is derived from the public key, so it never collides across instances.
    let kid = hex::encode(&Sha256::digest(public)[..8]);
    rows::insert_signing_key(
        conn,
        &SigningKeyRow {
            kid: kid.clone(),
            private_key: STANDARD.encode(seed),
            public_key: URL_SAFE_NO_PAD.encode(public),
            created_at: to_db_time(now),
            algorithm: keys::EDDSA.into(),
        },
    )?;
    Ok(kid)
}

/// Makes sure a key of each kind exists (first start), and that every certificate has a
/// status entry (those issued before status lists existed get theirs now).
pub fn ensure_key(conn: &mut DbConn, now: DateTime<Utc>) -> ApiResult<()> {
    if let DbConn::Pg(pg) = conn {
        // Instances starting together on an empty database make one key between them, not
        // one each. (SQLite's writer is one at a time already.)
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT pg_advisory_xact_lock(1952805749)").execute(pg)?;
    }
    if rows::signing_keys(conn, keys::EDDSA)?.is_empty() {
        create_key(conn, now)?;
    }
    if rows::signing_keys(conn, keys::RS256)?.is_empty() {
        keys::create_rsa_key(conn, now)?;
    }
    for number in crate::db::status_lists::without_entry(conn)? {
        crate::db::status_lists::assign(conn, &number, to_db_time(now))?;
    }
    Ok(())
}

/// The signed credential of a certificate; 410 `revoked` for a revoked one.
pub async fn credential(state: &AppState, raw: &str) -> ApiResult<String> {
    let number = CertificateNumber::parse(raw).ok_or(ApiError::MalformedNumber)?;
    let now = state.clock.now();
    // The issuer is named by its URL, which serves its profile.
    let issuer = crate::service::issuer::issuer_id(&state.settings.messaging.public_url);
    let public_url = state.settings.messaging.public_url.clone();
    let (record, key, entry) = state
        .db
        .read(move |conn| {
            let record = rows::find(conn, number.as_str())?.ok_or(ApiError::NotFound)?;
            let key = keys::current(conn, keys::EDDSA)?;
            let entry = crate::db::status_lists::entry(conn, number.as_str())?;
            Ok((record, key, entry))
        })
        .await?;
    let entry = status_lists::entry_of(state, &record.row.number, entry).await?;
    if record.row.revoked_at.is_some() || status(&record.row, today(now)).as_str() == "revoked" {
        return Err(ApiError::Revoked);
    }
    let end_of_expiry = record
        .row
        .expires_on
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp())
        .ok_or_else(|| ApiError::internal("expiry out of range"))?;
    let claims = CredentialClaims {
        iss: issuer,
        sub: record.row.number.clone(),
        iat: now.timestamp(),
        nbf: now.timestamp(),
        exp: end_of_expiry,
        number: record.row.number,
        holder_name: record.row.holder_name,
        certification_code: record.row.certification_code,
        certification_title: record.title,
        level: record.level,
        issued_on: record.row.issued_on.to_string(),
        expires_on: record.row.expires_on.to_string(),
        credential_status: status_lists::entry_json(&public_url, &entry),
    };
    sign(&key, &claims)
}

fn sign(key: &SigningKeyRow, claims: &CredentialClaims) -> ApiResult<String> {
    let seed: [u8; 32] = STANDARD
        .decode(&key.private_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ApiError::internal("stored signing key is malformed"))?;
    let der = SigningKey::from_bytes(&seed)
        .to_pkcs8_der()
        .map_err(ApiError::internal)?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
    )
    .map_err(ApiError::internal)
}
