//! One integration binary, mirroring the URL tree. Every test runs on SQLite and, when
//! `INVIGIL_TEST_DATABASE_URL` is set, on PostgreSQL too.

mod helpers;

mod account_security;
mod accounts;
mod attempts;
mod bank;
mod binary;
mod certificates;
mod durability;
mod edges;
mod errors;
mod faults;
mod guide;
mod instances;
mod labs;
mod lifecycle;
mod notices;
mod openbadges;
mod operations;
mod pages;
mod practice;
mod proctoring;
mod quick_save;
mod recovery;
mod rule_state;
mod smtp;
mod statistics;
mod throttling;
mod tokens;
mod webhooks;
