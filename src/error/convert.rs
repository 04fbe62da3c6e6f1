//! How the failures of other layers (the domain's refusals, diesel, the pool, blocking
//! threads) become what a client sees.

use super::ApiError;
use crate::domain::account::AccountError;

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::InvalidEmail(why)
            | AccountError::InvalidName(why)
            | AccountError::InvalidPassword(why)
            | AccountError::UnknownRole(why) => ApiError::Validation(why),
            AccountError::WeakPassword(why) => ApiError::WeakPassword(why),
            // Said at login: an impossible password is a wrong one, with no hint why.
            AccountError::ImpossiblePassword => ApiError::InvalidCredentials,
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            // Lookups a client can miss use `.optional()` and answer 404 themselves; a row
            // missing under a query that expects it is a fault of ours, never a 404.
            Error::NotFound => ApiError::Internal(format!("an expected row is missing: {e}")),
            // The connection is gone (the server restarted, the network cut it): the
            // pool replaces it, and the client may try again.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => ApiError::Unavailable(e.to_string()),
            Error::DatabaseError(_, info) if is_storage_failure(info.message()) => {
                ApiError::Unavailable(e.to_string())
            }
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

/// SQLite reports a missing, read-only or failing disk only through its message.
fn is_storage_failure(message: &str) -> bool {
    const SIGNS: [&str; 6] = [
        "unable to open database",
        "readonly database",
        "disk I/O error",
        "database or disk is full",
        "database is locked",
        "server closed the connection",
    ];
    SIGNS.iter().any(|s| message.contains(s))
}

/// A refused lifecycle transition is a 409 that names what conflicted.
impl From<crate::domain::lifecycle::Refusal> for ApiError {
    fn from(refusal: crate::domain::lifecycle::Refusal) -> Self {
        use crate::domain::lifecycle::Refusal;
        let detail = format!("{}.", capitalised(&refusal.to_string()));
        match refusal {
            Refusal::Paused => ApiError::AttemptPaused,
            Refusal::StillOpen | Refusal::NotPaused => ApiError::AttemptInProgress(detail),
            Refusal::Closed(_) | Refusal::NotHeld(_) => ApiError::AttemptClosed(detail),
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        ApiError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {e}"))
    }
}
