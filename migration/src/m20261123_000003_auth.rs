//! Partner clients, refresh tokens and failed sign-ins.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_organizations::Organizations;
use crate::m20261123_000002_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    Name,
    SecretHash,
    OrganizationId,
    Scopes,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    FamilyId,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Email,
    FailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiClients::Table)
                    .col(pk_uuid(ApiClients::Id))
                    .col(string_len(ApiClients::Name, 200))
                    .col(string_len(ApiClients::SecretHash, 64))
                    .col(uuid_null(ApiClients::OrganizationId))
                    .col(string_len(ApiClients::Scopes, 1000))
                    .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiClients::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_clients_organization")
                            .from(ApiClients::Table, ApiClients::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(pk_uuid(RefreshTokens::Id))
                    .col(uuid(RefreshTokens::FamilyId))
                    .col(uuid(RefreshTokens::UserId))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RotatedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_tokens_user")
                            .from(RefreshTokens::Table, RefreshTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_tokens_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::FamilyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_tokens_user")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(pk_uuid(LoginFailures::Id))
                    .col(string_len(LoginFailures::Email, 254))
                    .col(timestamp_with_time_zone(LoginFailures::FailedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_failures_email_time")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::Email)
                    .col(LoginFailures::FailedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginFailures::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RefreshTokens::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiClients::Table).to_owned())
            .await
    }
}
