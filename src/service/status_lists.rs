//! Revocation status lists, published as W3C Bitstring Status List credentials
//! (<https://www.w3.org/TR/vc-bitstring-status-list/>) signed as VC-JWTs with the issuer's
//! RS256 key. Every credential names its entry, so a verifier holding any copy of a
//! credential sees a revocation the next time it fetches the list.

use crate::db::status_lists::{self as rows, Entry};
use crate::db::to_db_time;
use crate::domain::status_list;
use crate::error::{ApiError, ApiResult};
use crate::service::{issuer, keys};
use crate::state::AppState;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

/// How long a fetched list may be used before it is fetched again (also its
/// `Cache-Control: max-age`): a revocation reaches every verifier within this.
pub const CACHE_SECONDS: i64 = 300;

pub fn list_url(public_url: &str, list_id: &str) -> String {
    format!("{public_url}/v1/status-lists/{list_id}")
}

/// The `credentialStatus` of a credential: a `BitstringStatusListEntry` (§2.1).
pub fn entry_json(public_url: &str, entry: &Entry) -> Value {
    let list = list_url(public_url, &entry.list_id);
    json!({
        "id": format!("{list}#{}", entry.index),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": entry.index.to_string(),
        "statusListCredential": list,
    })
}

/// Gives a newly issued certificate its entry, in the issuing transaction.
pub fn assign(conn: &mut crate::db::DbConn, number: &str, now: DateTime<Utc>) -> ApiResult<Entry> {
    Ok(rows::assign(conn, number, to_db_time(now))?)
}

/// A certificate's entry; one issued before status lists existed, and not yet given one
/// at start, gets it now.
pub async fn entry_of(state: &AppState, number: &str, found: Option<Entry>) -> ApiResult<Entry> {
    if let Some(entry) = found {
        return Ok(entry);
    }
    let (number, now) = (number.to_string(), to_db_time(state.clock.now()));
    state
        .db
        .write(move |conn| Ok(rows::assign(conn, &number, now)?))
        .await
}

fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The list `id` as a signed `BitstringStatusListCredential` (a VC-JWT: the credential's
/// members and the registered claims `iss`, `jti`, `sub`, `iat`, `nbf`, `exp`), valid
/// for a day from now; 404 for an unknown list.
pub async fn credential(state: &AppState, id: String) -> ApiResult<String> {
    let now = state.clock.now();
    let public_url = state.settings.messaging.public_url.clone();
    let (list, revoked, key) = state
        .db
        .read(move |conn| {
            let list = rows::find(conn, &id)?.ok_or(ApiError::NotFound)?;
            let revoked = rows::revoked_indices(conn, &list.id)?;
            Ok((list, revoked, keys::current(conn, keys::RS256)?))
        })
        .await?;
    let bits = status_list::bitstring(list.size as usize, revoked);
    let encoded = status_list::encode(&bits).map_err(ApiError::internal)?;
    let url = list_url(&public_url, &list.id);
    let issuer_id = issuer::issuer_id(&public_url);
    let until = now + Duration::days(1);
    let claims = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": instant(now),
        "validUntil": instant(until),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
        "iss": issuer_id,
        "jti": url,
        "sub": format!("{url}#list"),
        "iat": now.timestamp(),
        "nbf": now.timestamp(),
        "exp": until.timestamp(),
    });
    keys::sign_rs256(&key, &public_url, &claims)
}
