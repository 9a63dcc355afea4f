//! The message a registration's status change sends to its person travels on the history
//! entry the change writes anyway (`notice_kind`, `notice_payload`), instead of as a row of
//! its own: the outbox's cost on the registration path is two columns and an entry in a
//! partial index of the entries still to be handed to the outbox. The mail worker moves
//! them into `messages` in bulk and clears them.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum RegistrationEvents {
    Table,
    NoticeKind,
    NoticePayload,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(RegistrationEvents::NoticeKind)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(RegistrationEvents::NoticePayload)
                .text()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(RegistrationEvents::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // Partial (sea-query has no builder for it; the same statement on both databases).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_registration_events_notice ON registration_events (id) \
                 WHERE notice_kind IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_registration_events_notice")
            .await?;
        for column in [
            RegistrationEvents::NoticePayload,
            RegistrationEvents::NoticeKind,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(RegistrationEvents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
