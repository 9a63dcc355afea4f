//! Registration history (every status change: from, to, by whom, when, why) and the
//! idempotency keys that let a client repeat a registration request safely.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_string;

#[derive(DeriveIden)]
enum Registrations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RegistrationEvents {
    Table,
    Id,
    RegistrationId,
    FromStatus,
    ToStatus,
    ActorKind,
    ActorId,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    SubjectId,
    Key,
    Fingerprint,
    StatusCode,
    Body,
    CreatedAt,
}

const STATUSES: [&str; 5] = [
    "pending_approval",
    "confirmed",
    "waitlisted",
    "cancelled",
    "declined",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut from = ColumnDef::new(RegistrationEvents::FromStatus);
        from.string_len(20)
            .null()
            .check(Expr::col(RegistrationEvents::FromStatus).is_in(STATUSES.map(String::from)));
        manager
            .create_table(
                Table::create()
                    .table(RegistrationEvents::Table)
                    .col(pk_uuid(RegistrationEvents::Id))
                    .col(uuid(RegistrationEvents::RegistrationId))
                    .col(from)
                    .col(enum_string(RegistrationEvents::ToStatus, 20, &STATUSES))
                    .col(enum_string(
                        RegistrationEvents::ActorKind,
                        10,
                        &["user", "client", "system"],
                    ))
                    .col(uuid_null(RegistrationEvents::ActorId))
                    .col(string_len_null(RegistrationEvents::Reason, 500))
                    .col(timestamp_with_time_zone(RegistrationEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_registration_events_registration")
                            .from(
                                RegistrationEvents::Table,
                                RegistrationEvents::RegistrationId,
                            )
                            .to(Registrations::Table, Registrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registration_events_registration")
                    .table(RegistrationEvents::Table)
                    .col(RegistrationEvents::RegistrationId)
                    .col(RegistrationEvents::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::SubjectId))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::Fingerprint, 64))
                    .col(integer(IdempotencyKeys::StatusCode))
                    .col(text(IdempotencyKeys::Body))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::SubjectId)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_idempotency_keys_created_at")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RegistrationEvents::Table).to_owned())
            .await
    }
}
