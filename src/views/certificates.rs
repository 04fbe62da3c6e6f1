//! Certificates as holders, the public and partners see them: never an email, never an
//! attempt's detail.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CertificateView {
    pub number: String,
    pub certification_code: String,
    pub level: String,
    pub holder_name: String,
    /// `active`, `renewal_due`, `expired` or `revoked`, as of today.
    #[schema(value_type = crate::domain::certificate::CertificateStatus)]
    pub status: String,
    pub issued_on: String,
    pub expires_on: String,
    pub renewal_opens_on: String,
    pub revoked_reason: Option<String>,
    pub certification_title: String,
    /// Every issue, renewal and recertification, oldest first.
    pub history: Vec<CertificateEventView>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CertificateEventView {
    /// `issued`, `renewed`, `recertified` or `revoked`.
    pub kind: String,
    pub at: String,
    pub expires_on: String,
}

/// `GET /v1/verify/{number}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    pub number: String,
    #[schema(value_type = crate::domain::certificate::CertificateStatus)]
    pub status: String,
    pub holder_name: String,
    pub certification_code: String,
    pub certification_title: String,
    pub level: String,
    pub issued_on: String,
    pub expires_on: String,
    pub renewal_opens_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerVerificationsView {
    pub results: Vec<PartnerVerificationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerVerificationView {
    pub number: String,
    pub found: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::domain::certificate::CertificateStatus>)]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certification_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    /// `malformed_number` when the number's check character is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerView {
    pub id: String,
    pub name: String,
    /// Shown once, at creation; only its hash is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    /// A compact JWS (EdDSA over Ed25519), verifiable with `GET /.well-known/jwks.json`.
    pub credential: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JwksView {
    pub keys: Vec<JwkView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JwkView {
    /// `OKP` (Ed25519) or `RSA`.
    pub kty: &'static str,
    /// `Ed25519`, for an OKP key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<&'static str>,
    /// An OKP key's public key, base64url.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// An RSA key's modulus, base64url.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// An RSA key's public exponent, base64url.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// For an RSA key, the URL that serves this key alone.
    pub kid: String,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
}

/// A partner's webhook endpoint. `secret` appears once, in the answer that registers it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointView {
    pub id: String,
    pub url: String,
    /// `verified`: events about certificates the partner has verified through the API;
    /// `all`: about every certificate.
    pub certificates: String,
    pub created_at: String,
    /// `whsec_…`: the key of the `webhook-signature` HMAC (Standard Webhooks). Shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One event sent (or being sent) to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The `webhook-id` header: the same on every try, for the receiver to deduplicate.
    pub id: String,
    /// `certificate.revoked`, `certificate.renewed` or `certificate.expired`.
    pub event: String,
    /// `pending`, `retrying`, `delivered` or `failed` (given up after three days).
    pub status: String,
    pub attempts: i32,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
    /// The endpoint's last HTTP status, if it answered.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    /// The body posted: `{type, timestamp, data}`.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}
