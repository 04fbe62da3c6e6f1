//! Proving an address and recovering an account: e-mail verification, password change,
//! and password reset by a one-time link.
//!
//! Links are 256 random bits, mailed once and stored only as their SHA-256; each works
//! once, for its purpose's lifetime. Asking for a reset answers the same whether or not
//! the address has an account, and a new link is mailed at most once a minute per account
//! (so the form cannot be used to flood a mailbox).

use crate::auth::{hashing, password, refresh, AuthUser};
use crate::db::account_tokens::{self, AccountTokenRow};
use crate::db::{self, throttle, tokens, users, DbConn};
use crate::domain::account::{Email, LinkPurpose, Password};
use crate::domain::throttle::retry_after;
use crate::error::{ApiError, ApiResult};
use crate::notify::{self, templates::Template};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// The least time between two links mailed to one account for one purpose.
const RESEND_AFTER: Duration = Duration::seconds(60);

/// Whom a message is for.
pub struct Addressee<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
}

/// Issues a one-time link for `purpose` and queues its mail, in the caller's transaction.
pub fn mail_link(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    to: &Addressee<'_>,
    purpose: LinkPurpose,
) -> ApiResult<()> {
    let (token, hash) = refresh::generate();
    let id = db::new_id();
    account_tokens::insert(
        conn,
        &AccountTokenRow {
            id: id.clone(),
            user_id: to.id.to_string(),
            purpose: purpose.as_str().into(),
            token_hash: hash,
            created_at: db::to_db_time(now),
            expires_at: db::to_db_time(now + purpose.lifetime()),
            used_at: None,
        },
    )?;
    let template = match purpose {
        LinkPurpose::PasswordReset => Template::PasswordReset,
        LinkPurpose::EmailVerification => Template::EmailVerification,
    };
    let context = json!({"name": to.name, "page": purpose.page(), "token": token});
    notify::queue_mail(
        conn,
        now,
        &format!("{}:{id}", purpose.as_str()),
        to.email,
        template,
        context,
    )
}

fn invalid_link() -> ApiError {
    ApiError::Validation(
        "the link is not valid: it was used already, it expired, or it was mistyped".into(),
    )
}

/// Marks the address of the link's account verified. 400 for a link that is not live.
pub async fn verify_email(state: &AppState, token: &str) -> ApiResult<()> {
    let hash = refresh::hash(token.trim());
    let now = db::to_db_time(state.clock.now());
    state
        .db
        .write(move |conn| {
            let purpose = LinkPurpose::EmailVerification.as_str();
            let user_id =
                account_tokens::spend(conn, &hash, purpose, now)?.ok_or_else(invalid_link)?;
            users::verify_email(conn, &user_id, now)?;
            Ok(())
        })
        .await
}

/// Mails a new verification link, unless the address is verified or a link went out in
/// the last minute.
pub async fn resend_verification(state: &AppState, user_id: String) -> ApiResult<()> {
    let now = state.clock.now();
    state
        .db
        .write(move |conn| {
            let user = users::find(conn, &user_id)?.ok_or(ApiError::NotFound)?;
            if user.email_verified_at.is_some()
                || recently_mailed(conn, &user.id, LinkPurpose::EmailVerification, now)?
            {
                return Ok(());
            }
            let to = Addressee {
                id: &user.id,
                email: &user.email,
                name: &user.full_name,
            };
            mail_link(conn, now, &to, LinkPurpose::EmailVerification)
        })
        .await
}

fn recently_mailed(
    conn: &mut DbConn,
    user_id: &str,
    purpose: LinkPurpose,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    let newest = account_tokens::newest(conn, user_id, purpose.as_str())?;
    Ok(newest.is_some_and(|at| db::from_db_time(at) + RESEND_AFTER > now))
}

/// Mails a reset link to the account of `email`, if there is one that is enabled. Says
/// nothing either way.
pub async fn request_reset(state: &AppState, email: &str) -> ApiResult<()> {
    let account = Email::normalise(email);
    let now = state.clock.now();
    state
        .db
        .write(move |conn| {
            let Some(user) = users::find_by_email(conn, &account)? else {
                return Ok(());
            };
            if user.disabled_at.is_some()
                || recently_mailed(conn, &user.id, LinkPurpose::PasswordReset, now)?
            {
                return Ok(());
            }
            let to = Addressee {
                id: &user.id,
                email: &user.email,
                name: &user.full_name,
            };
            mail_link(conn, now, &to, LinkPurpose::PasswordReset)
        })
        .await
}

/// Sets a new password with a reset link: every session of the account ends, every other
/// reset link with it, and the address counts as verified (the link proved the mailbox).
/// 400 `validation_failed` for a link that is not live; 400 `weak_password`.
pub async fn confirm_reset(state: &AppState, token: &str, new_password: &str) -> ApiResult<()> {
    let hash = refresh::hash(token.trim());
    let now = state.clock.now();
    let at = db::to_db_time(now);
    let purpose = LinkPurpose::PasswordReset.as_str();
    let lookup = hash.clone();
    let user = state
        .db
        .read(move |conn| {
            let row = account_tokens::live(conn, &lookup, purpose, at)?.ok_or_else(invalid_link)?;
            users::find(conn, &row.user_id)?.ok_or_else(invalid_link)
        })
        .await?;
    let email = Email::parse(&user.email)?;
    let password = Password::parse_new(new_password, &email)?;
    let new_hash = hashing::run(move || password::hash(&password))
        .await
        .ok_or_else(|| ApiError::internal("the hashing pool is gone"))??;
    let user_id = user.id.clone();
    state
        .db
        .write(move |conn| {
            if account_tokens::spend(conn, &hash, purpose, at)?.as_deref() != Some(user.id.as_str())
            {
                return Err(invalid_link());
            }
            users::set_password_hash(conn, &user.id, &new_hash)?;
            account_tokens::spend_all(conn, &user.id, purpose, at)?;
            tokens::revoke_user(conn, &user.id, None, at)?;
            users::verify_email(conn, &user.id, at)?;
            password_changed_notice(conn, now, &user)
        })
        .await?;
    state.standings.forget(&user_id);
    Ok(())
}

/// Changes the signed-in user's password, given the current one: the other sessions end,
/// this one stays. Guessing the current password is throttled like signing in.
/// 401 `invalid_credentials`; 429 `too_many_attempts`; 400 `weak_password`.
pub async fn change_password(
    state: &AppState,
    user: AuthUser,
    current: Password,
    new_password: &str,
) -> ApiResult<()> {
    let now = state.clock.now();
    let user_id = user.id.clone();
    let client = format!("session:{}", user.session.clone().unwrap_or_default());
    let cli = client.clone();
    let row = state
        .db
        .write(move |conn| {
            let row = users::find(conn, &user_id)?
                .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
            throttle::lock_account(conn, &row.email)?;
            let counts = throttle::counts(conn, &row.email, &cli, now)?.for_known_device();
            if let Some(retry_after_secs) = retry_after(&counts, now) {
                return Err(ApiError::TooManyAttempts { retry_after_secs });
            }
            throttle::record(conn, &row.email, &cli, now)?;
            Ok(row)
        })
        .await?;
    let stored = row.password_hash.clone();
    let matches = hashing::run(move || password::verify(&stored, &current))
        .await
        .ok_or_else(|| ApiError::internal("the hashing pool is gone"))?;
    if !matches {
        return Err(ApiError::InvalidCredentials);
    }
    let email = Email::parse(&row.email)?;
    let password = Password::parse_new(new_password, &email)?;
    let new_hash = hashing::run(move || password::hash(&password))
        .await
        .ok_or_else(|| ApiError::internal("the hashing pool is gone"))??;
    let at = db::to_db_time(now);
    state
        .db
        .write(move |conn| {
            throttle::forgive_pair(conn, &row.email, &client)?;
            users::set_password_hash(conn, &row.id, &new_hash)?;
            tokens::revoke_user(conn, &row.id, user.session.as_deref(), at)?;
            password_changed_notice(conn, now, &row)
        })
        .await?;
    state.standings.forget(&user.id);
    Ok(())
}

fn password_changed_notice(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    user: &users::UserRow,
) -> ApiResult<()> {
    let context = json!({
        "name": user.full_name,
        "at": now.format("%Y-%m-%d %H:%M UTC").to_string(),
    });
    let key = format!("password_changed:{}", db::new_id());
    notify::queue_mail(
        conn,
        now,
        &key,
        &user.email,
        Template::PasswordChanged,
        context,
    )
}
