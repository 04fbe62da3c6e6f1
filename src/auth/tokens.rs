//! Access tokens: HS256 JWTs, one algorithm pinned, checked against the server's clock.

use crate::config::TOKEN_AUDIENCE;
use crate::domain::account::Role;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// The session (refresh-token family) the token was issued in, so that signing out
    /// or a revoked family ends the access token too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Signs and checks access tokens. Cloned into every worker.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    ttl: Duration,
}

/// Tolerated difference between instances' clocks for `iat`/`nbf`.
const CLOCK_SKEW_SECS: i64 = 30;

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, ttl: Duration) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_string(),
            ttl,
        }
    }

    pub fn ttl_seconds(&self) -> u64 {
        self.ttl.as_secs()
    }

    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        session: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<String> {
        let iat = now.timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: TOKEN_AUDIENCE.to_string(),
            sub: user_id.to_string(),
            role,
            iat,
            nbf: iat,
            exp: iat + self.ttl.as_secs() as i64,
            jti: uuid::Uuid::new_v4().to_string(),
            sid: Some(session.to_string()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    /// Checks signature, algorithm, issuer and audience with the library, and the times
    /// against our own clock (the library would read the system clock).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> ApiResult<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[TOKEN_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| ApiError::Unauthorized("the access token is not valid"))?;
        let claims = data.claims;
        let now = now.timestamp();
        if claims.nbf > now + CLOCK_SKEW_SECS || claims.iat > now + CLOCK_SKEW_SECS {
            return Err(ApiError::Unauthorized("the access token is not valid yet"));
        }
        if now >= claims.exp {
            return Err(ApiError::TokenExpired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], "invigil", Duration::from_secs(900))
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let k = keys();
        let t = k.issue("u1", Role::Proctor, "s1", now()).unwrap();
        let c = k
            .verify(&t, now() + chrono::Duration::seconds(899))
            .unwrap();
        assert_eq!(c.sub, "u1");
        assert_eq!(c.role, Role::Proctor);
        assert_eq!(c.sid.as_deref(), Some("s1"));
        assert!(matches!(
            k.verify(&t, now() + chrono::Duration::seconds(900)),
            Err(ApiError::TokenExpired)
        ));
    }

    #[test]
    fn another_secret_or_issuer_is_refused() {
        let t = keys().issue("u1", Role::Admin, "s1", now()).unwrap();
        let other = TokenKeys::new(&[8u8; 32], "invigil", Duration::from_secs(900));
        assert!(matches!(
            other.verify(&t, now()),
            Err(ApiError::Unauthorized(_))
        ));
        let other_iss = TokenKeys::new(&[7u8; 32], "elsewhere", Duration::from_secs(900));
        assert!(matches!(
            other_iss.verify(&t, now()),
            Err(ApiError::Unauthorized(_))
        ));
    }

    #[test]
    fn alg_none_is_refused() {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let t = keys().issue("u1", Role::Admin, "s1", now()).unwrap();
        let payload = t.split('.').nth(1).unwrap();
        let forged = format!("{header}.{payload}.");
        assert!(matches!(
            keys().verify(&forged, now()),
            Err(ApiError::Unauthorized(_))
        ));
    }

    #[test]
    fn a_token_from_the_future_is_refused() {
        let t = keys()
            .issue(
                "u1",
                Role::Admin,
                "s1",
                now() + chrono::Duration::minutes(5),
            )
            .unwrap();
        assert!(matches!(
            keys().verify(&t, now()),
            Err(ApiError::Unauthorized(_))
        ));
    }
}
