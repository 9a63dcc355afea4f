//! Demo data: the academy's real shape on an empty database, for `academy serve --demo`.
//!
//! Loads the six municipalities of Flevoland, a dozen youth-care providers, the three
//! certified institutions, about sixty professionals with their register memberships,
//! trainers and HR, the academy's courses, and past (closed), upcoming (published) and
//! draft editions with their sessions and registrations, some of them full with a waiting
//! list. Everything but the registrations (dated in the past, which the API would not
//! accept) goes through the domain functions, so it is checked like API input.
//!
//! A database counts as empty when it holds no organisation other than the academy's own,
//! no course, and no user with one of the demo addresses; on any other database `load`
//! changes nothing. The domain functions commit one step at a time: should a step fail
//! (a database error, or another process loading at the same time), what was loaded
//! before it stays.

mod courses;
mod editions;
mod loader;
mod people;
mod summary;

pub use loader::load;
pub use people::{DEMO_ADMIN_EMAIL, DEMO_PASSWORD};
pub use summary::{DemoLogin, DemoSummary};
