//! Black-box tests over HTTP against a spawned app, on SQLite by default and on
//! PostgreSQL when `TEST_DATABASE_URL` is set.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the first surprise"
)]

mod access;
mod access_attendance;
mod access_catalog;
mod access_registrations;
mod access_reports;
mod access_scopes;
mod attendance;
mod calendar;
mod catalog;
mod certificates;
mod conformance;
mod demo;
mod errors;
mod evaluations;
mod helpers;
mod mail;
mod mail_letters;
mod mail_schedule;
mod matrix;
mod migrations;
mod openapi;
mod pages;
mod privacy;
mod registrations;
mod reports;
mod security;
mod security_attendance;
mod smtp;
mod system;
mod tokens;
mod users;
mod webhooks;
mod webhooks_matrix;
