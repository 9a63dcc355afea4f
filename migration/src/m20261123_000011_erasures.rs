//! Erasures of personal data: who was erased, by whom, when and why (the audit trail of
//! the right to erasure; the person's rows stay, anonymised, for the statistics).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000002_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Erasures {
    Table,
    UserId,
    ErasedBy,
    ErasedAt,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Erasures::Table)
                    .col(pk_uuid(Erasures::UserId))
                    .col(uuid(Erasures::ErasedBy))
                    .col(timestamp_with_time_zone(Erasures::ErasedAt))
                    .col(string_len_null(Erasures::Reason, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_erasures_user")
                            .from(Erasures::Table, Erasures::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Erasures::Table).to_owned())
            .await
    }
}
