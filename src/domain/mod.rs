//! Pure domain logic and the newtypes input is parsed into: no SQL, no HTTP.

pub mod account;
pub mod catalog;
pub mod certificate;
pub mod delivery;
pub mod form;
pub mod guide;
pub mod kinds;
pub mod labs;
pub mod lifecycle;
pub mod proctoring;
pub mod scoring;
pub mod statistics;
pub mod status_list;
pub mod throttle;
