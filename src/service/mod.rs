//! Use-cases: what a request does, independent of how it arrived (HTTP or the CLI).
//!
//! Layers, each calling only those below it: `proctoring` and `certificates` (requests) →
//! `attempts` (taking an exam; its `finalise` closes and scores) → `flags` and `issuing`
//! (called from below by whatever touches an attempt or passes one) → `timing`.

pub mod accounts;
pub mod attempts;
pub mod certificates;
pub mod credentials;
pub mod flags;
pub mod form_cache;
pub mod guide;
pub mod issuer;
pub mod issuing;
pub mod keys;
pub mod known_clients;
pub mod openbadge;
pub mod partner_webhooks;
pub mod partners;
pub mod proctoring;
pub mod recovery;
pub mod statistics;
pub mod status_lists;
pub mod timing;
pub mod user_admin;

/// The actor of what no person did (expiry, the sweeper, issuing).
pub const SYSTEM: &str = "system";
