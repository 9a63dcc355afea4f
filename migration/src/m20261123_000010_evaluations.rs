//! Evaluations: a participant's score (1 to 10) and optional comment on an edition, one
//! per registration (enforced by the database, so two racing submissions cannot both land).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000002_users::Users;
use crate::m20261123_000004_catalog::Editions;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    Id,
    EditionId,
    RegistrationId,
    UserId,
    Score,
    Comment,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Evaluations::Table)
                    .col(pk_uuid(Evaluations::Id))
                    .col(uuid(Evaluations::EditionId))
                    .col(uuid_uniq(Evaluations::RegistrationId))
                    .col(uuid(Evaluations::UserId))
                    .col(
                        integer(Evaluations::Score)
                            .check(Expr::col(Evaluations::Score).between(1, 10)),
                    )
                    .col(text_null(Evaluations::Comment))
                    .col(timestamp_with_time_zone(Evaluations::CreatedAt))
                    .col(timestamp_with_time_zone(Evaluations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evaluations_edition")
                            .from(Evaluations::Table, Evaluations::EditionId)
                            .to(Editions::Table, Editions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evaluations_registration")
                            .from(Evaluations::Table, Evaluations::RegistrationId)
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evaluations_user")
                            .from(Evaluations::Table, Evaluations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_evaluations_edition")
                    .table(Evaluations::Table)
                    .col(Evaluations::EditionId)
                    .col(Evaluations::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Evaluations::Table).to_owned())
            .await
    }
}
