//! A JSON body larger than the application-wide limit, for the one route that takes one: a
//! lab's artifact may be 64 KiB of text, which JSON escaping can make several times longer.

use crate::error::ApiError;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

/// The largest answer body: a 64 KiB artifact escaped at worst six bytes per byte
/// (`\u0001`), with room for the field name.
pub const ANSWER_BODY_BYTES: usize = 6 * crate::domain::labs::MAX_ARTIFACT_BYTES + 1024;

/// Reads `payload` as JSON of `T`, refusing more than `limit` bytes with 413
/// `payload_too_large` and anything that is not JSON of `T` with 400 `validation_failed`,
/// as the application's own JSON extractor does.
pub async fn json_up_to<T: DeserializeOwned>(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let is_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !is_json {
        return Err(ApiError::Validation(
            "the body must be application/json".into(),
        ));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::Validation(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| ApiError::Validation(e.to_string()))
}
