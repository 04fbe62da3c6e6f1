//! invigil: exam delivery and proctoring.

pub mod auth;
pub mod bank;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod housekeeping;
pub mod notify;
pub mod paging;
pub mod ratelimit;
pub mod routes;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
