//! The rules, as functions over a connection or transaction. Nothing here knows HTTP.

pub mod accounts;
pub mod actor;
pub mod attendance;
pub mod auth;
pub mod calendar;
pub mod certificates;
pub mod clients;
pub mod completions;
pub mod courses;
pub mod editions;
pub mod evaluations;
pub mod limits;
pub mod messages;
pub mod organizations;
pub mod paging;
pub mod privacy;
pub mod registrations;
pub mod reports;
pub mod roles;
pub mod schedule;
pub mod sessions;
pub mod settings;
pub mod statistics;
pub mod time;
pub mod users;
pub mod values;
pub mod webhooks;

pub use time::now;
