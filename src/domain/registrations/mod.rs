//! Registrations and the waiting list.
//!
//! Every change to an edition's registrations runs in one write transaction that first
//! locks the edition (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite `BEGIN IMMEDIATE` holds
//! the database's write lock), so the seat count, the waiting-list positions and the
//! "already registered" check are read and written by one transaction at a time per
//! edition, across any number of service instances. The database's own constraints (one
//! active registration per person and edition, one holder per waiting-list position, a
//! position exactly while waitlisted) are the last line of defence. Busy and serialisation
//! failures are retried here ([`crate::db::retrying`]), never returned to the user.
//!
//! Invariants kept by every operation: never more confirmed than capacity; no free seat
//! while someone waits (of a published edition); positions 1..n without gaps or repeats.

pub mod approvals;
pub mod changes;
pub mod combiner;
pub mod decisions;
pub mod idempotency;
pub mod lists;
pub mod seats;
pub mod standing;
