//! Black-box tests over HTTP against a spawned app, on SQLite by default and on
//! PostgreSQL when `TEST_DATABASE_URL` is set.

mod access;
mod errors;
mod helpers;
mod migrations;
mod openapi;
mod system;
mod tokens;
mod users;
