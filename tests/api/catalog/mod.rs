//! The catalogue: courses (topics, accreditations, completion rule, archive), editions
//! (lifecycle, visibility, trainers, seat figures), the public catalogue query (filters,
//! order, paging) and sessions (validation, revisions, removal).

mod cache;
mod courses;
mod editions;
mod listing;
mod sessions;
mod support;
