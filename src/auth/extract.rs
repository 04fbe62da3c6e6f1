//! Extractors that authenticate a request and check its role before a handler runs, so
//! that a route's signature states who may call it. The role checked is the account's
//! current one, read through [`crate::auth::standing`], not the one the token was issued
//! with.

use crate::auth::standing::Standing;
use crate::domain::account::Role;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};
use std::future::{ready, Future, Ready};
use std::pin::Pin;

type Authenticating<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// A caller with a valid access token, whose account and session still stand.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: String,
    pub role: Role,
    /// The session (refresh-token family) the access token was issued in.
    pub session: Option<String>,
}

fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state is missing"))
}

/// Verifies the bearer token, then the account and session behind it.
fn authenticate(req: &HttpRequest) -> Authenticating<AuthUser> {
    let verified = verify_bearer(req).and_then(|claims| Ok((claims, state(req)?.clone())));
    Box::pin(async move {
        let (claims, state) = verified?;
        let now = state.clock.now();
        let session = claims.sid;
        let standing = match state.standings.recent(&claims.sub, session.as_deref(), now) {
            Some(standing) => standing,
            None => {
                let (user, sid) = (claims.sub.clone(), session.clone());
                let ticket = state.standings.ticket();
                let standing = state
                    .db
                    .read(move |conn| standing_of(conn, &user, sid.as_deref()))
                    .await?;
                state
                    .standings
                    .remember(&claims.sub, session.as_deref(), now, standing, ticket);
                standing
            }
        };
        match standing {
            Standing::Active(role) => Ok(AuthUser {
                id: claims.sub,
                role,
                session,
            }),
            Standing::Gone => Err(ApiError::Unauthorized("the account no longer exists")),
            Standing::Disabled => Err(ApiError::AccountDisabled { token: true }),
            Standing::SignedOut => Err(ApiError::Unauthorized(
                "the session has ended; sign in again",
            )),
        }
    })
}

fn standing_of(
    conn: &mut crate::db::DbConn,
    user_id: &str,
    session: Option<&str>,
) -> Result<Standing, ApiError> {
    Ok(match crate::db::users::standing(conn, user_id, session)? {
        (None, _) => Standing::Gone,
        (Some((_, true)), _) => Standing::Disabled,
        (Some(_), true) => Standing::SignedOut,
        (Some((role, false)), false) => Standing::Active(Role::parse(&role)?),
    })
}

fn verify_bearer(req: &HttpRequest) -> Result<crate::auth::tokens::Claims, ApiError> {
    let state = state(req)?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized(
            "an Authorization: Bearer token is required",
        ))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not valid"))?;
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthorized(
        "the Authorization header is not valid",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(
            "the Authorization scheme must be Bearer",
        ));
    }
    state.tokens.verify(token.trim(), state.clock.now())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Authenticating<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        authenticate(req)
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $($role:pat_param)|+) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(pub AuthUser);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Authenticating<Self>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let user = authenticate(req);
                Box::pin(async move {
                    let user = user.await?;
                    match user.role {
                        $($role)|+ => Ok($name(user)),
                        #[allow(unreachable_patterns)]
                        _ => Err(ApiError::Forbidden),
                    }
                })
            }
        }
    };
}

role_extractor!(
    /// Any signed-in user.
    AnyUser,
    Role::Candidate | Role::Proctor | Role::Admin
);
role_extractor!(
    /// An administrator of the program.
    AdminUser,
    Role::Admin
);
role_extractor!(
    /// A candidate taking exams.
    CandidateUser,
    Role::Candidate
);
role_extractor!(
    /// A proctor watching attempts.
    ProctorUser,
    Role::Proctor
);
role_extractor!(
    /// Who may read how an attempt was graded: its proctors and the program's admins.
    ReviewerUser,
    Role::Proctor | Role::Admin
);

/// A training partner, authenticated by its `X-Api-Key`.
#[derive(Clone, Debug)]
pub struct Partner {
    pub id: String,
    pub name: String,
}

impl FromRequest for Partner {
    type Error = ApiError;
    type Future = Authenticating<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req
            .headers()
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let state = state(req).cloned();
        Box::pin(async move {
            let state = state?;
            let key = key.ok_or(ApiError::Unauthorized("an X-Api-Key header is required"))?;
            let hash = crate::auth::refresh::hash(key.trim());
            let partner = state
                .db
                .read(move |conn| Ok(crate::db::certificates::partner_by_key_hash(conn, &hash)?))
                .await?
                .ok_or(ApiError::Unauthorized("the API key is not valid"))?;
            within_budget(&state, &partner.id).await?;
            Ok(Partner {
                id: partner.id,
                name: partner.name,
            })
        })
    }
}

/// Counts a partner's request against its budget per minute
/// (`INVIGIL_PARTNER_REQUESTS_PER_MINUTE`), in the database so that it holds however many
/// instances answer; past it, 429 `rate_limited` until the next minute.
async fn within_budget(state: &AppState, partner_id: &str) -> Result<(), ApiError> {
    use chrono::{DurationRound, Timelike};
    let now = state.clock.now();
    let window = now
        .duration_trunc(chrono::Duration::minutes(1))
        .map_err(ApiError::internal)?;
    let (id, at) = (partner_id.to_string(), crate::db::to_db_time(window));
    let count = state
        .db
        .write(move |conn| Ok(crate::db::partner_usage::count_request(conn, &id, at)?))
        .await?;
    if count as u64 > u64::from(state.settings.partner_requests_per_minute) {
        return Err(ApiError::RateLimited {
            retry_after_secs: u64::from(60 - now.second()).max(1),
        });
    }
    Ok(())
}

/// Where a request came from: its address and user agent, recorded with every answer
/// save and proctoring event.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    pub addr: String,
    pub user_agent: String,
}

impl FromRequest for ClientInfo {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let addr = match ClientAddr::from_request(req, payload).into_inner() {
            Ok(ClientAddr(addr)) => addr,
            Err(e) => return ready(Err(e)),
        };
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(300).collect())
            .unwrap_or_default();
        ready(Ok(ClientInfo { addr, user_agent }))
    }
}

/// The client's address: the peer, or, when the server is configured to sit behind
/// `INVIGIL_TRUSTED_PROXIES` load balancers, the `X-Forwarded-For` entry the outermost of
/// them appended (never one the client wrote itself).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl FromRequest for ClientAddr {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let hops = state(req)
            .ok()
            .filter(|s| s.settings.trust_forwarded_for)
            .map(|s| s.settings.trusted_proxies);
        let forwarded = hops.and_then(|hops| {
            let values = req
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok());
            crate::auth::forwarded::client_addr(values, hops)
        });
        let addr = forwarded
            .or_else(|| req.peer_addr().map(|a| a.ip().to_string()))
            .unwrap_or_else(|| "unknown".into());
        ready(Ok(ClientAddr(addr)))
    }
}
