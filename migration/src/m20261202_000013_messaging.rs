//! Messaging: the outbox of e-mails (written in the transaction of the change that causes
//! each one, sent by a background worker), single-use account links (invitations and
//! password resets, stored hashed), a person's mail preferences, and the service's own
//! settings chosen once (the calendar UID domain).

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_string;
use crate::m20261123_000002_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    Kind,
    UserId,
    ToAddress,
    AboutId,
    Payload,
    DedupKey,
    Status,
    Attempts,
    DueAt,
    LastError,
    Recipient,
    Subject,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum AccountTokens {
    Table,
    TokenHash,
    UserId,
    Purpose,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Editions {
    Table,
    ReminderDaysFirst,
    ReminderDaysLater,
}

#[derive(DeriveIden)]
enum Preferences {
    Locale,
    Reminders,
    ApprovalMails,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(pk_uuid(Messages::Id))
                    .col(string_len(Messages::Kind, 64))
                    .col(uuid_null(Messages::UserId))
                    .col(string_len_null(Messages::ToAddress, 254))
                    .col(uuid_null(Messages::AboutId))
                    .col(text(Messages::Payload))
                    .col(string_len_null(Messages::DedupKey, 200).unique_key())
                    .col(enum_string(
                        Messages::Status,
                        16,
                        &["queued", "sent", "failed", "skipped"],
                    ))
                    .col(integer(Messages::Attempts).default(0))
                    .col(timestamp_with_time_zone(Messages::DueAt))
                    .col(string_len_null(Messages::LastError, 500))
                    .col(string_len_null(Messages::Recipient, 254))
                    .col(string_len_null(Messages::Subject, 300))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .col(timestamp_with_time_zone_null(Messages::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_status_due")
                    .table(Messages::Table)
                    .col(Messages::Status)
                    .col(Messages::DueAt)
                    .to_owned(),
            )
            .await?;
        // A person's queued messages, for the claim's "oldest first" rule and erasure.
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_user")
                    .table(Messages::Table)
                    .col(Messages::UserId)
                    .col(Messages::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountTokens::Table)
                    .col(string_len(AccountTokens::TokenHash, 64).primary_key())
                    .col(uuid(AccountTokens::UserId))
                    .col(enum_string(
                        AccountTokens::Purpose,
                        16,
                        &["invitation", "reset"],
                    ))
                    .col(timestamp_with_time_zone(AccountTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AccountTokens::UsedAt))
                    .col(timestamp_with_time_zone(AccountTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_tokens_user")
                            .from(AccountTokens::Table, AccountTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_account_tokens_user")
                    .table(AccountTokens::Table)
                    .col(AccountTokens::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 64).primary_key())
                    .col(string_len(Settings::Value, 500))
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        enum_string(Preferences::Locale, 8, &["nl", "en"])
                            .default("nl")
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Preferences::Reminders).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        enum_string(
                            Preferences::ApprovalMails,
                            16,
                            &["per_request", "daily_digest"],
                        )
                        .default("per_request")
                        .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Editions::Table)
                    .add_column(integer(Editions::ReminderDaysFirst).default(2))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Editions::Table)
                    .add_column(integer(Editions::ReminderDaysLater).default(1))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Editions::ReminderDaysLater, Editions::ReminderDaysFirst] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Editions::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        for col in [
            Preferences::ApprovalMails,
            Preferences::Reminders,
            Preferences::Locale,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Settings::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AccountTokens::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Messages::Table).to_owned())
            .await
    }
}
