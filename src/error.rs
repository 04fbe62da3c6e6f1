//! What a client sees when something goes wrong: RFC 9457 problem+json with a stable `code`.
//!
//! Policy: handlers and use-cases return [`ApiError`]. The domain's own errors convert into
//! it here, the one place that gives them a status and a code. Diesel, pool and
//! blocking-thread failures convert into it too; their detail goes to the log (inside the
//! request's span, so with its request id) and never to the client, which gets an opaque
//! `internal` or `unavailable`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every error the API answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed: {0}")]
    Validation(String),
    #[error("weak password: {0}")]
    WeakPassword(String),
    #[error("email taken")]
    EmailTaken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many login attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("token expired")]
    TokenExpired,
    #[error("refresh token reused")]
    TokenReused,
    #[error("forbidden")]
    Forbidden,
    /// 403 at sign-in; 401 (`token: true`) for a token issued before the account was
    /// disabled, or a refresh token of its.
    #[error("account disabled")]
    AccountDisabled { token: bool },
    /// 403: the address must be verified before an exam starts.
    #[error("email unverified")]
    EmailUnverified,
    #[error("not found")]
    NotFound,
    #[error("payload too large")]
    PayloadTooLarge,
    /// 405: the path exists, under the methods in `allow`.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// 409: an attempt is open where this needs none (the detail says which and why).
    #[error("attempt in progress: {0}")]
    AttemptInProgress(String),
    #[error("attempt limit reached")]
    AttemptLimitReached { retry_after_secs: u64 },
    #[error("retake wait")]
    RetakeWait {
        retry_after_secs: u64,
        retry_at: chrono::DateTime<chrono::Utc>,
    },
    /// 409: the attempt has ended, or is not in the state this needs (the detail says).
    #[error("attempt closed: {0}")]
    AttemptClosed(String),
    /// 409: a proctor has paused the attempt.
    #[error("attempt paused")]
    AttemptPaused,
    /// 409: an attempt of this certification awaits a proctor's review.
    #[error("attempt under review")]
    AttemptUnderReview,
    #[error("invalid answer: {0}")]
    InvalidAnswer(String),
    #[error("prerequisite missing: {0}")]
    PrerequisiteMissing(String),
    #[error("already certified")]
    AlreadyCertified { renewal_opens_on: chrono::NaiveDate },
    #[error("malformed certificate number")]
    MalformedNumber,
    #[error("revoked")]
    Revoked,
    /// 503: the writer's queue is full; try again shortly.
    #[error("the writer's queue is full")]
    Busy { retry_after_secs: u64 },
    /// The database does not answer; the cause is for the log only.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected; the cause is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The problem+json body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable error code.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// When the request may be made again (RFC 3339), for waits measured in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<String>,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "validation_failed",
            ApiError::WeakPassword(_) => "weak_password",
            ApiError::EmailTaken => "email_taken",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::TokenExpired => "token_expired",
            ApiError::TokenReused => "token_reused",
            ApiError::Forbidden => "forbidden",
            ApiError::AccountDisabled { .. } => "account_disabled",
            ApiError::EmailUnverified => "email_unverified",
            ApiError::NotFound => "not_found",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::AttemptInProgress(_) => "attempt_in_progress",
            ApiError::AttemptLimitReached { .. } => "attempt_limit_reached",
            ApiError::RetakeWait { .. } => "retake_wait",
            ApiError::AttemptClosed(_) => "attempt_closed",
            ApiError::AttemptPaused => "attempt_paused",
            ApiError::AttemptUnderReview => "attempt_under_review",
            ApiError::InvalidAnswer(_) => "invalid_answer",
            ApiError::PrerequisiteMissing(_) => "prerequisite_missing",
            ApiError::AlreadyCertified { .. } => "already_certified",
            ApiError::MalformedNumber => "malformed_number",
            ApiError::Revoked => "revoked",
            ApiError::Unavailable(_) | ApiError::Busy { .. } => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "The request is not valid",
            ApiError::WeakPassword(_) => "The password is too weak",
            ApiError::EmailTaken => "An account with this email already exists",
            ApiError::InvalidCredentials => "Wrong email or password",
            ApiError::TooManyAttempts { .. } => "Too many failed logins",
            ApiError::Unauthorized(_) => "Authentication required",
            ApiError::TokenExpired => "The token has expired",
            ApiError::TokenReused => "The refresh token was already used",
            ApiError::Forbidden => "Not allowed for this role",
            ApiError::AccountDisabled { .. } => "The account is disabled",
            ApiError::EmailUnverified => "The email address is not verified",
            ApiError::NotFound => "Not found",
            ApiError::PayloadTooLarge => "The request body is too large",
            ApiError::MethodNotAllowed { .. } => "The method is not allowed here",
            ApiError::RateLimited { .. } => "Too many requests",
            ApiError::AttemptInProgress(_) => "An attempt is in progress",
            ApiError::AttemptLimitReached { .. } => "The yearly attempt limit is reached",
            ApiError::RetakeWait { .. } => "A retake must wait",
            ApiError::AttemptClosed(_) => "The attempt is closed",
            ApiError::AttemptPaused => "The attempt is paused",
            ApiError::AttemptUnderReview => "An attempt awaits review",
            ApiError::InvalidAnswer(_) => "The answer is not valid for this question",
            ApiError::PrerequisiteMissing(_) => "A prerequisite certification is missing",
            ApiError::AlreadyCertified { .. } => "Already certified",
            ApiError::MalformedNumber => "Not a valid certificate number",
            ApiError::Revoked => "The certificate is revoked",
            ApiError::Unavailable(_) | ApiError::Busy { .. } => {
                "The service is temporarily unavailable"
            }
            ApiError::Internal(_) => "Internal server error",
        }
    }

    pub(crate) fn detail(&self) -> String {
        match self {
            ApiError::Validation(d)
            | ApiError::WeakPassword(d)
            | ApiError::InvalidAnswer(d)
            | ApiError::AttemptInProgress(d)
            | ApiError::AttemptClosed(d) => d.clone(),
            ApiError::PrerequisiteMissing(code) => {
                format!("This exam requires an active {code} certificate.")
            }
            ApiError::AlreadyCertified { renewal_opens_on } => {
                format!("You hold this certification; a renewal attempt is possible from {renewal_opens_on}.")
            }
            ApiError::MalformedNumber => {
                "The number is mistyped: its check character does not match (e.g. MLOAF-7K3Q-9XPR-3).".into()
            }
            ApiError::AttemptPaused => {
                "A proctor has paused the attempt: answers and submission wait until it is resumed.".into()
            }
            ApiError::AttemptUnderReview => {
                "An attempt of this certification awaits a proctor's review; another may start once it is decided.".into()
            }
            ApiError::AttemptLimitReached { retry_after_secs } => {
                format!("The maximum number of attempts in 365 days is reached; the next is possible in {retry_after_secs} seconds.")
            }
            ApiError::RetakeWait { retry_at, .. } => {
                format!("After an unsuccessful attempt a retake is possible from {}.", crate::views::instant(retry_at))
            }
            ApiError::Unauthorized(d) => (*d).to_string(),
            ApiError::MethodNotAllowed { allow } => format!("This path answers {allow}."),
            ApiError::TooManyAttempts { retry_after_secs }
            | ApiError::RateLimited { retry_after_secs }
            | ApiError::Busy { retry_after_secs } => {
                format!("Try again in {retry_after_secs} seconds.")
            }
            ApiError::AccountDisabled { .. } => {
                "An administrator has disabled this account; contact the program to have it re-enabled.".into()
            }
            ApiError::EmailUnverified => {
                "Open the link sent to your email address to verify it before starting an exam; POST /v1/auth/verify-email/resend sends a new one.".into()
            }
            ApiError::TokenReused => {
                "This refresh token was already spent; every session of its family is now signed out."
                    .into()
            }
            // Opaque by design: internals stay in the log.
            _ => self.title().to_string(),
        }
    }

    pub(crate) fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::TooManyAttempts { retry_after_secs }
            | ApiError::RateLimited { retry_after_secs }
            | ApiError::AttemptLimitReached { retry_after_secs }
            | ApiError::Busy { retry_after_secs }
            | ApiError::RetakeWait {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    pub fn problem(&self) -> Problem {
        let code = self.code();
        Problem {
            kind: format!("https://invigil.dev/problems/{code}"),
            title: self.title().into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            code: code.into(),
            retry_after_seconds: self.retry_after(),
            retry_at: match self {
                ApiError::RetakeWait { retry_at, .. } => Some(crate::views::instant(retry_at)),
                _ => None,
            },
        }
    }

    /// 409 `attempt_in_progress` for a start while another attempt is open.
    pub fn another_attempt_open() -> Self {
        ApiError::AttemptInProgress(
            "Finish or submit the attempt that is open before starting another.".into(),
        )
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_)
            | ApiError::WeakPassword(_)
            | ApiError::InvalidAnswer(_)
            | ApiError::MalformedNumber => StatusCode::BAD_REQUEST,
            ApiError::EmailTaken
            | ApiError::AttemptInProgress(_)
            | ApiError::AttemptClosed(_)
            | ApiError::AttemptPaused
            | ApiError::AttemptUnderReview
            | ApiError::AlreadyCertified { .. } => StatusCode::CONFLICT,
            ApiError::PrerequisiteMissing(_)
            | ApiError::EmailUnverified
            | ApiError::AccountDisabled { token: false } => StatusCode::FORBIDDEN,
            ApiError::AccountDisabled { token: true } => StatusCode::UNAUTHORIZED,
            ApiError::Revoked => StatusCode::GONE,
            ApiError::InvalidCredentials
            | ApiError::Unauthorized(_)
            | ApiError::TokenExpired
            | ApiError::TokenReused => StatusCode::UNAUTHORIZED,
            ApiError::TooManyAttempts { .. }
            | ApiError::RateLimited { .. }
            | ApiError::AttemptLimitReached { .. }
            | ApiError::RetakeWait { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(cause = %cause, "request failed"),
            ApiError::Unavailable(cause) => tracing::warn!(cause = %cause, "database unavailable"),
            _ => {}
        }
        let mut resp = HttpResponse::build(self.status_code());
        resp.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(secs) = self.retry_after() {
            resp.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let ApiError::MethodNotAllowed { allow } = self {
            resp.insert_header((header::ALLOW, allow.clone()));
        }
        // RFC 6750 §3: a 401 names the scheme that would be accepted, and why a token failed.
        match self {
            ApiError::TokenExpired | ApiError::TokenReused => {
                resp.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!(
                        "Bearer realm=\"invigil\", error=\"invalid_token\", error_description=\"{}\"",
                        self.title()
                    ),
                ));
            }
            _ if self.status_code() == StatusCode::UNAUTHORIZED => {
                resp.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"invigil\""));
            }
            _ => {}
        }
        resp.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

mod convert;

/// Result of a request handler or use-case.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_errors_keep_the_status_code_and_detail_they_answer_with() {
        use crate::domain::account::AccountError::*;
        let invalid = [InvalidEmail, InvalidName, InvalidPassword, UnknownRole];
        let mut table: Vec<_> = invalid
            .map(|kind| (kind("why".into()), 400, "validation_failed", "why"))
            .into();
        table.push((WeakPassword("why".into()), 400, "weak_password", "why"));
        let wrong = "Wrong email or password";
        table.push((ImpossiblePassword, 401, "invalid_credentials", wrong));
        for (domain, status, code, detail) in table {
            let said = domain.to_string();
            let api = ApiError::from(domain);
            assert_eq!((api.status_code().as_u16(), api.code()), (status, code));
            assert_eq!(api.problem().detail, detail);
            // The command line prints the domain's error; it reads as it did before.
            if code != "invalid_credentials" {
                assert_eq!(said, api.to_string(), "{code}");
            }
        }
    }
}
