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
    /// Public certificate verification, per client address.
    pub verify_limiter: crate::ratelimit::RateLimiter,
}
