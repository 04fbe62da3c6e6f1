//! What every handler can reach.

use crate::auth::tokens::TokenKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use std::sync::Arc;

pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub tokens: TokenKeys,
    pub devices: crate::auth::device::DeviceKeys,
    /// What this instance last read about each signed-in account and session.
    pub standings: crate::auth::standing::Standings,
    /// Public certificate verification, per client address.
    pub verify_limiter: crate::ratelimit::RateLimiter,
    /// Clients already seen saving to an attempt (a cache of the database's record).
    pub known_clients: crate::service::known_clients::KnownClients,
    /// Drawn forms, as saves check selections against them (PostgreSQL's one-statement save).
    pub forms: crate::service::form_cache::FormCache,
    /// Rule states as this instance last stored or read them (PostgreSQL's one-statement
    /// event, which writes only if the database still holds the same).
    pub rule_states: crate::service::form_cache::RuleStateCache,
    /// Where mail goes: SMTP, or `.eml` files.
    pub mailer: crate::notify::mailer::Mailer,
}
