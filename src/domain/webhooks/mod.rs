//! Webhooks: partner clients are told of changes by signed HTTP deliveries, from the same
//! transactional outbox as e-mail. Changes record events in their transaction
//! ([`events`]; a registration's history entry is its event); the worker fans them out to
//! the endpoints whose client may read them ([`fan_out`]), claims the deliveries per
//! endpoint and records every attempt ([`deliveries`]).
//! Admins manage the endpoints ([`endpoints`]); [`address`] keeps them outside the
//! academy's network.

pub mod address;
pub mod deliveries;
pub mod endpoints;
pub mod events;
pub mod fan_out;

pub use events::{Event, EventType, emit};
