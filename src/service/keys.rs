//! Credential-signing keys. Ed25519 (`EdDSA`) signs invigil's own credential; RSA 2048
//! (`RS256`) signs Open Badges 3.0 credentials and status lists, since RS256 is the one JWT
//! algorithm 1EdTech's conformance validator accepts. Keys live in the database so that
//! every instance signs alike; a rotation adds a key of each kind and keeps the earlier
//! public keys published.
//!
//! An RSA key's `kid` is the URL that serves that one public JWK
//! (`{INVIGIL_PUBLIC_URL}/v1/issuer/keys/{id}`), as Open Badges verifiers resolve it.

use crate::db::certificates::{self as rows, SigningKeyRow};
use crate::db::{to_db_time, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::{JwkView, JwksView};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

pub const EDDSA: &str = "EdDSA";
pub const RS256: &str = "RS256";
const RSA_BITS: usize = 2048;

/// Creates an RSA key and stores it; it signs Open Badges from now on. Returns its id.
pub fn create_rsa_key(conn: &mut DbConn, now: DateTime<Utc>) -> ApiResult<String> {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)
        .map_err(ApiError::internal)?;
    let der = key.to_pkcs1_der().map_err(ApiError::internal)?;
    let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
    let id = hex::encode(&Sha256::digest(&n)[..8]);
    rows::insert_signing_key(
        conn,
        &SigningKeyRow {
            kid: id.clone(),
            private_key: STANDARD.encode(der.as_bytes()),
            public_key: format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(n),
                URL_SAFE_NO_PAD.encode(e)
            ),
            created_at: to_db_time(now),
            algorithm: RS256.into(),
        },
    )?;
    Ok(id)
}

/// The key of `algorithm` that signs now (the newest).
pub fn current(conn: &mut DbConn, algorithm: &str) -> ApiResult<SigningKeyRow> {
    rows::signing_keys(conn, algorithm)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal(format!("no {algorithm} signing key")))
}

/// The URL of an RSA key, its `kid`.
pub fn key_url(public_url: &str, id: &str) -> String {
    format!("{public_url}/v1/issuer/keys/{id}")
}

/// A stored key as a public JWK.
pub fn jwk(row: &SigningKeyRow, public_url: &str) -> JwkView {
    if row.algorithm == RS256 {
        let (n, e) = row.public_key.split_once('.').unwrap_or_default();
        JwkView {
            kty: "RSA",
            crv: None,
            x: None,
            n: Some(n.to_string()),
            e: Some(e.to_string()),
            kid: key_url(public_url, &row.kid),
            alg: RS256,
            use_: "sig",
        }
    } else {
        JwkView {
            kty: "OKP",
            crv: Some("Ed25519"),
            x: Some(row.public_key.clone()),
            n: None,
            e: None,
            kid: row.kid.clone(),
            alg: EDDSA,
            use_: "sig",
        }
    }
}

/// Every public key, of both kinds, current and former.
pub async fn jwks(state: &AppState) -> ApiResult<JwksView> {
    let public_url = state.settings.messaging.public_url.clone();
    let keys = state
        .db
        .read(|conn| {
            let mut all = rows::signing_keys(conn, EDDSA)?;
            all.extend(rows::signing_keys(conn, RS256)?);
            Ok(all)
        })
        .await?;
    Ok(JwksView {
        keys: keys.iter().map(|k| jwk(k, &public_url)).collect(),
    })
}

/// One RSA public key by its id; 404 for any other.
pub async fn rsa_key(state: &AppState, id: String) -> ApiResult<JwkView> {
    let public_url = state.settings.messaging.public_url.clone();
    let row = state
        .db
        .read(move |conn| {
            Ok(rows::signing_keys(conn, RS256)?
                .into_iter()
                .find(|k| k.kid == id))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(jwk(&row, &public_url))
}

/// Signs `claims` as a JWT with `typ: JWT` and the key's `kid` (its URL for RSA).
pub fn sign_rs256(
    key: &SigningKeyRow,
    public_url: &str,
    claims: &impl serde::Serialize,
) -> ApiResult<String> {
    let der = STANDARD
        .decode(&key.private_key)
        .map_err(|_| ApiError::internal("stored RSA key is malformed"))?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.typ = Some("JWT".into());
    header.kid = Some(key_url(public_url, &key.kid));
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_rsa_der(&der),
    )
    .map_err(ApiError::internal)
}
