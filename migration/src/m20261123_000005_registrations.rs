//! Registrations. One active registration (pending, confirmed or waitlisted) per person
//! and edition, and one waiting-list position per edition, are enforced by the database.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_string;
use crate::m20261123_000002_users::Users;
use crate::m20261123_000004_catalog::Editions;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    EditionId,
    UserId,
    Status,
    WaitlistPosition,
    LateCancellation,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Registrations::Table)
                    .col(pk_uuid(Registrations::Id))
                    .col(uuid(Registrations::EditionId))
                    .col(uuid(Registrations::UserId))
                    .col(enum_string(
                        Registrations::Status,
                        20,
                        &[
                            "pending_approval",
                            "confirmed",
                            "waitlisted",
                            "cancelled",
                            "declined",
                        ],
                    ))
                    .col(integer_null(Registrations::WaitlistPosition))
                    .col(boolean(Registrations::LateCancellation))
                    .col(timestamp_with_time_zone(Registrations::CreatedAt))
                    .col(timestamp_with_time_zone(Registrations::UpdatedAt))
                    .check(
                        Expr::col(Registrations::Status)
                            .eq("waitlisted")
                            .eq(Expr::col(Registrations::WaitlistPosition).is_not_null()),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_registrations_edition")
                            .from(Registrations::Table, Registrations::EditionId)
                            .to(Editions::Table, Editions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_registrations_user")
                            .from(Registrations::Table, Registrations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Partial unique indexes: the same statement on SQLite and PostgreSQL.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_registrations_active ON registrations (edition_id, user_id) \
             WHERE status IN ('pending_approval', 'confirmed', 'waitlisted')",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_registrations_waitlist ON registrations \
             (edition_id, waitlist_position) WHERE waitlist_position IS NOT NULL",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_edition_status")
                    .table(Registrations::Table)
                    .col(Registrations::EditionId)
                    .col(Registrations::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_user")
                    .table(Registrations::Table)
                    .col(Registrations::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Registrations::Table).to_owned())
            .await
    }
}
