//! Use-cases: what a request does, independent of how it arrived (HTTP or the CLI).

pub mod accounts;
pub mod attempts;
pub mod certificates;
pub mod credentials;
pub mod known_clients;
pub mod proctoring;
