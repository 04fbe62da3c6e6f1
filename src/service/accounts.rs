//! Registering, signing in, rotating refresh tokens, signing out.

use crate::auth::{hashing, password, refresh};
use crate::db::{self, throttle, tokens, users, Db, DbConn};
use crate::domain::account::LinkPurpose;
use crate::domain::account::{Email, FullName, Password, Role};
use crate::domain::throttle::retry_after;
use crate::error::{ApiError, ApiResult};
use crate::service::recovery::{self, Addressee};
use crate::state::AppState;
use crate::views::{TokenPair, UserView};
use chrono::{DateTime, Utc};

/// Creates an account with a checked email, name and password. With `verify_by_mail`,
/// the address is to be proven: a link is mailed in the same transaction. Without (an
/// admin or the CLI vouches for it), it counts as verified.
pub async fn create_user(
    db: &Db,
    now: DateTime<Utc>,
    email: Email,
    full_name: FullName,
    password: Password,
    role: Role,
    verify_by_mail: bool,
) -> ApiResult<UserView> {
    let verified = !verify_by_mail;
    let hash = hashing::run(move || password::hash(&password))
        .await
        .ok_or_else(|| ApiError::internal("the hashing pool is gone"))??;
    let instant = now;
    let now = db::to_db_time(now);
    db.write(move |conn| {
        let id = db::new_id();
        users::insert(
            conn,
            &users::NewUser {
                id: &id,
                email: email.as_str(),
                full_name: full_name.as_str(),
                role: role.as_str(),
                password_hash: &hash,
                created_at: now,
                email_verified_at: verified.then_some(now),
            },
        )?;
        if verify_by_mail {
            let who = Addressee {
                id: &id,
                email: email.as_str(),
                name: full_name.as_str(),
            };
            recovery::mail_link(conn, instant, &who, LinkPurpose::EmailVerification)?;
        }
        Ok(UserView {
            id,
            email: email.to_string(),
            full_name: full_name.as_str().to_string(),
            role: role.as_str().to_string(),
            email_verified: verified,
            disabled: false,
        })
    })
    .await
}

/// Signs a user in. Every attempt is first recorded as a failure inside the same
/// transaction that checks the limits, so that parallel guesses cannot all slip under
/// them; a right password then takes the record back.
///
/// A client presenting a device token this account issued it (see `auth::device`) is
/// throttled on its own failures only; any other client also meets the account-wide and
/// address-wide limits. The answer carries the client's device token either way.
pub async fn login(
    state: &AppState,
    email: &str,
    password: Password,
    client: String,
    device_token: Option<String>,
) -> ApiResult<TokenPair> {
    // Throttle by what was typed, account or not, so the answer reveals nothing; in the
    // form addresses are stored in, so that every way of typing one finds its account.
    let account = Email::normalise(email);
    // Accounts registered before addresses were normalised are stored as typed then.
    let as_typed = email.trim().to_lowercase();
    let now = state.clock.now();
    let device = device_token
        .as_deref()
        .and_then(|token| state.devices.verify(token, &account));
    let client = match &device {
        Some(name) => format!("device:{name}"),
        None => client,
    };
    let known_device = device.is_some();
    let (acct, cli) = (account.clone(), client.clone());
    let user = state
        .db
        .write(move |conn| {
            throttle::lock_account(conn, &acct)?;
            let mut counts = throttle::counts(conn, &acct, &cli, now)?;
            if known_device {
                counts = counts.for_known_device();
            }
            if let Some(retry_after_secs) = retry_after(&counts, now) {
                return Err(ApiError::TooManyAttempts { retry_after_secs });
            }
            throttle::record(conn, &acct, &cli, now)?;
            match users::find_by_email(conn, &acct)? {
                Some(user) => Ok(Some(user)),
                None if as_typed != acct => Ok(users::find_by_email(conn, &as_typed)?),
                None => Ok(None),
            }
        })
        .await?;

    // An unknown account costs the same hashing work as a wrong password.
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let matches = hashing::run(move || password::verify(&stored, &password))
        .await
        .ok_or_else(|| ApiError::internal("the hashing pool is gone"))?;
    let user = match user {
        Some(user) if matches => user,
        _ => return Err(ApiError::InvalidCredentials),
    };
    let role = Role::parse(&user.role)?;
    let lifetimes = Lifetimes::of(state);
    let user_id = user.id.clone();
    let session = db::new_id();
    let family = session.clone();
    let (acct, disabled) = (account.clone(), user.disabled_at.is_some());
    let refresh_token = state
        .db
        .write(move |conn| {
            throttle::forgive_pair(conn, &acct, &client)?;
            // Said only to whoever knows the password.
            if disabled {
                return Err(ApiError::AccountDisabled { token: false });
            }
            issue_refresh(conn, &user_id, &family, now, lifetimes.expiry(now, now)?)
        })
        .await?;
    let mut pair = token_pair(state, &user.id, role, &session, refresh_token, now)?;
    pair.device_token = Some(match device {
        Some(_) => device_token.unwrap_or_default(),
        None => state.devices.issue(&account),
    });
    Ok(pair)
}

enum Rotation {
    Rotated {
        user_id: String,
        role: Role,
        session: String,
        refresh_token: String,
    },
    Reused {
        user_id: String,
    },
}

/// Spends a refresh token for a new pair. A token presented twice means it was stolen
/// (or replayed): its whole family is revoked, the thief's copies and the owner's alike.
pub async fn refresh(state: &AppState, presented: &str) -> ApiResult<TokenPair> {
    let hash = refresh::hash(presented);
    let now = state.clock.now();
    let lifetimes = Lifetimes::of(state);
    let outcome = state
        .db
        .write(move |conn| {
            let row = tokens::find_by_hash(conn, &hash)?
                .ok_or(ApiError::Unauthorized("the refresh token is not valid"))?;
            let at = db::to_db_time(now);
            if row.spent_at.is_some() {
                tokens::revoke_family(conn, &row.family_id, at)?;
                return Ok(Rotation::Reused {
                    user_id: row.user_id,
                });
            }
            if row.revoked_at.is_some() {
                return Err(ApiError::Unauthorized("the refresh token was revoked"));
            }
            if db::from_db_time(row.expires_at) <= now {
                return Err(ApiError::TokenExpired);
            }
            if !tokens::spend(conn, &row.id, at)? {
                tokens::revoke_family(conn, &row.family_id, at)?;
                return Ok(Rotation::Reused {
                    user_id: row.user_id,
                });
            }
            let user = users::find(conn, &row.user_id)?
                .ok_or(ApiError::Unauthorized("the account no longer exists"))?;
            if user.disabled_at.is_some() {
                return Err(ApiError::AccountDisabled { token: true });
            }
            let role = Role::parse(&user.role)?;
            // A session ends at its absolute lifetime, however often it was renewed.
            let started =
                tokens::family_started(conn, &row.family_id)?.map_or(now, db::from_db_time);
            let expires_at = lifetimes.expiry(started, now)?;
            if expires_at <= now {
                return Err(ApiError::TokenExpired);
            }
            let refresh_token = issue_refresh(conn, &user.id, &row.family_id, now, expires_at)?;
            Ok(Rotation::Rotated {
                user_id: user.id,
                role,
                session: row.family_id,
                refresh_token,
            })
        })
        .await?;
    match outcome {
        Rotation::Rotated {
            user_id,
            role,
            session,
            refresh_token,
        } => token_pair(state, &user_id, role, &session, refresh_token, now),
        Rotation::Reused { user_id } => {
            // The access tokens of the revoked family end with it.
            state.standings.forget(&user_id);
            tracing::warn!("a spent refresh token was presented again; its family is revoked");
            Err(ApiError::TokenReused)
        }
    }
}

/// Revokes the session the refresh token belongs to, if it is the caller's, and with it
/// every access token issued in it. Always succeeds, so that signing out twice is
/// harmless.
pub async fn logout(state: &AppState, user_id: String, presented: &str) -> ApiResult<()> {
    let hash = refresh::hash(presented);
    let at = db::to_db_time(state.clock.now());
    let user = user_id.clone();
    state
        .db
        .write(move |conn| {
            if let Some(row) = tokens::find_by_hash(conn, &hash)? {
                if row.user_id == user {
                    tokens::revoke_family(conn, &row.family_id, at)?;
                }
            }
            Ok(())
        })
        .await?;
    state.standings.forget(&user_id);
    Ok(())
}

pub async fn me(state: &AppState, user_id: String) -> ApiResult<UserView> {
    state
        .db
        .read(move |conn| {
            users::find(conn, &user_id)?
                .map(UserView::from)
                .ok_or(ApiError::Unauthorized("the account no longer exists"))
        })
        .await
}

/// How long refresh tokens and the sessions they renew last.
#[derive(Clone, Copy)]
struct Lifetimes {
    token: std::time::Duration,
    session: std::time::Duration,
}

impl Lifetimes {
    fn of(state: &AppState) -> Lifetimes {
        Lifetimes {
            token: state.settings.refresh_token_ttl,
            session: state.settings.session_max,
        }
    }

    /// When a refresh token issued `now`, in a session begun at `started`, expires: its
    /// own lifetime, cut at the session's end.
    fn expiry(self, started: DateTime<Utc>, now: DateTime<Utc>) -> ApiResult<DateTime<Utc>> {
        let token = chrono::Duration::from_std(self.token).map_err(ApiError::internal)?;
        let session = chrono::Duration::from_std(self.session).map_err(ApiError::internal)?;
        Ok((now + token).min(started + session))
    }
}

fn issue_refresh(
    conn: &mut DbConn,
    user_id: &str,
    family_id: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> ApiResult<String> {
    let (token, hash) = refresh::generate();
    tokens::insert(
        conn,
        &tokens::NewRefreshToken {
            id: &db::new_id(),
            user_id,
            family_id,
            token_hash: &hash,
            issued_at: db::to_db_time(now),
            expires_at: db::to_db_time(expires_at),
        },
    )?;
    Ok(token)
}

fn token_pair(
    state: &AppState,
    user_id: &str,
    role: Role,
    session: &str,
    refresh_token: String,
    now: DateTime<Utc>,
) -> ApiResult<TokenPair> {
    Ok(TokenPair {
        access_token: state.tokens.issue(user_id, role, session, now)?,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.ttl_seconds(),
        device_token: None,
    })
}
