//! Editions: scheduled runs of a course, their lifecycle (draft → published → closed, or
//! cancelled from draft or published), trainers, visibility and the catalogue query.

pub mod access;
pub mod catalogue;
pub mod lifecycle;
pub mod record;
pub mod teaching;
