//! Indexes that serve the registration lists in their order: a person's registrations
//! newest first, an edition's by id. With the filter column alone, PostgreSQL's generic plan
//! for `… WHERE user_id = $1 ORDER BY id DESC LIMIT $2` walks the whole primary key
//! backwards; with `(user_id, id)` it reads just that person's rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
    UserId,
    EditionId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_registrations_user")
                    .table(Registrations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_user_id")
                    .table(Registrations::Table)
                    .col(Registrations::UserId)
                    .col(Registrations::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_edition_id")
                    .table(Registrations::Table)
                    .col(Registrations::EditionId)
                    .col(Registrations::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_registrations_edition_id")
                    .table(Registrations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_registrations_user_id")
                    .table(Registrations::Table)
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
}
