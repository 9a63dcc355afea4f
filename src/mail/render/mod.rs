//! From an outbox row to a [`Letter`]: the database's current state (the person, the
//! edition, its sessions), the row's payload (what changed), in the person's language.
//! The calendar part holds the events exactly as the person's feed shows them.

mod accounts;
mod certificates;
mod parts;
mod registrations;
mod row;
mod sessions;

pub use parts::{EditionFacts, Ready, Unsendable, edition_facts};
pub use row::render;
