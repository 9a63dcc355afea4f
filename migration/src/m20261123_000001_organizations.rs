//! Organisations.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_string;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Organizations {
    Table,
    Id,
    Name,
    Kind,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(pk_uuid(Organizations::Id))
                    .col(string_len_uniq(Organizations::Name, 200))
                    .col(enum_string(
                        Organizations::Kind,
                        32,
                        &[
                            "municipality",
                            "provider",
                            "certified_institution",
                            "academy",
                            "other",
                        ],
                    ))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Organizations::Table).to_owned())
            .await
    }
}
