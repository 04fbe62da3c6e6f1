//! The issuer's identity: an absolute URL under `INVIGIL_PUBLIC_URL`, and its Open Badges
//! 3.0 `Profile` (name, URL, e-mail for questions) served at that URL.

use crate::config::Messaging;
use serde_json::{json, Value};

/// The VC 2.0 and Open Badges 3.0 JSON-LD contexts, in the order OB 3.0 requires.
pub const CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// `issuer.id`, and the URL its profile is served at.
pub fn issuer_id(public_url: &str) -> String {
    format!("{public_url}/v1/issuer")
}

/// The issuer's `Profile`: `INVIGIL_PROGRAM_NAME`, `INVIGIL_PUBLIC_URL`, and
/// `INVIGIL_ISSUER_EMAIL` (by default the address of `INVIGIL_MAIL_FROM`).
pub fn profile(messaging: &Messaging) -> Value {
    json!({
        "@context": CONTEXTS,
        "id": issuer_id(&messaging.public_url),
        "type": ["Profile"],
        "name": messaging.program_name,
        "url": messaging.public_url,
        "email": messaging.issuer_email(),
    })
}
