//! Database migrations of the academy backend, one file per migration. Every migration
//! has a working `down`, so the schema can be taken down to empty and up again.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_organizations;
mod m20261123_000002_users;
mod m20261123_000003_auth;
mod m20261123_000004_catalog;
mod m20261123_000005_registrations;
mod m20261123_000006_registration_history;
mod m20261123_000007_registration_list_indexes;
mod m20261123_000008_attendance_certificates;
mod m20261123_000009_calendar_feeds;
mod m20261123_000010_evaluations;
mod m20261123_000011_erasures;
mod m20261201_000012_access;
mod m20261202_000013_messaging;
mod m20261203_000014_registration_notices;
mod m20261204_000015_certificate_status;
mod m20261205_000016_webhooks;
mod m20261206_000017_idempotency_outcomes;

/// All migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_organizations::Migration),
            Box::new(m20261123_000002_users::Migration),
            Box::new(m20261123_000003_auth::Migration),
            Box::new(m20261123_000004_catalog::Migration),
            Box::new(m20261123_000005_registrations::Migration),
            Box::new(m20261123_000006_registration_history::Migration),
            Box::new(m20261123_000007_registration_list_indexes::Migration),
            Box::new(m20261123_000008_attendance_certificates::Migration),
            Box::new(m20261123_000009_calendar_feeds::Migration),
            Box::new(m20261123_000010_evaluations::Migration),
            Box::new(m20261123_000011_erasures::Migration),
            Box::new(m20261201_000012_access::Migration),
            Box::new(m20261202_000013_messaging::Migration),
            Box::new(m20261203_000014_registration_notices::Migration),
            Box::new(m20261204_000015_certificate_status::Migration),
            Box::new(m20261205_000016_webhooks::Migration),
            Box::new(m20261206_000017_idempotency_outcomes::Migration),
        ]
    }
}

/// A string column that only accepts the given values: an enum in the database,
/// on SQLite and PostgreSQL alike.
pub(crate) fn enum_string<T: IntoIden + 'static>(name: T, len: u32, values: &[&str]) -> ColumnDef {
    let name = name.into_iden();
    let mut col = ColumnDef::new(name.clone());
    col.string_len(len)
        .not_null()
        .check(Expr::col(name).is_in(values.iter().map(|v| String::from(*v))));
    col
}
