//! Users, their roles and their register memberships.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_string;
use crate::m20261123_000001_organizations::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Email,
    Name,
    OrganizationId,
    PasswordHash,
    DisabledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    Role,
}

#[derive(DeriveIden)]
enum RegisterMemberships {
    Table,
    UserId,
    Register,
    Number,
    PeriodStart,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len_null(Users::Email, 254))
                    .col(string_len(Users::Name, 200))
                    .col(uuid(Users::OrganizationId))
                    .col(string_len_null(Users::PasswordHash, 255))
                    .col(timestamp_with_time_zone_null(Users::DisabledAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_organization")
                            .from(Users::Table, Users::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_email")
                    .table(Users::Table)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_organization")
                    .table(Users::Table)
                    .col(Users::OrganizationId)
                    .col(Users::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserRoles::Table)
                    .col(uuid(UserRoles::UserId))
                    .col(enum_string(
                        UserRoles::Role,
                        32,
                        &["professional", "trainer", "hr", "admin"],
                    ))
                    .primary_key(Index::create().col(UserRoles::UserId).col(UserRoles::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_roles_user")
                            .from(UserRoles::Table, UserRoles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_user_roles_role")
                    .table(UserRoles::Table)
                    .col(UserRoles::Role)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RegisterMemberships::Table)
                    .col(uuid(RegisterMemberships::UserId))
                    .col(enum_string(
                        RegisterMemberships::Register,
                        16,
                        &["SKJ", "BIG", "NIP", "NVO", "other"],
                    ))
                    .col(string_len(RegisterMemberships::Number, 64))
                    .col(date(RegisterMemberships::PeriodStart))
                    .primary_key(
                        Index::create()
                            .col(RegisterMemberships::UserId)
                            .col(RegisterMemberships::Register),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_register_memberships_user")
                            .from(RegisterMemberships::Table, RegisterMemberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegisterMemberships::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UserRoles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
