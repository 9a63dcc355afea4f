//! Each certificate gets a place in a published status list (W3C Bitstring Status List):
//! `status_index`, allocated from the `certificate_status` counter when the certificate
//! is issued, so that verifiers can tell a revoked credential without calling the API.
//! Certificates issued before get their places in the order they were issued.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Certificates {
    Table,
    StatusIndex,
}

#[derive(DeriveIden)]
enum Counters {
    Table,
    Name,
    NextValue,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Counters::Table)
                    .col(
                        ColumnDef::new(Counters::Name)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Counters::NextValue).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Certificates::Table)
                    .add_column(
                        ColumnDef::new(Certificates::StatusIndex)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The same statements on both databases (UPDATE … FROM and window functions).
        db.execute_unprepared(
            "UPDATE certificates SET status_index = numbered.n \
             FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS n FROM certificates) \
             AS numbered WHERE certificates.id = numbered.id",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO counters (name, next_value) \
             SELECT 'certificate_status', COUNT(*) FROM certificates",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_certificates_status_index")
                    .table(Certificates::Table)
                    .col(Certificates::StatusIndex)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_certificates_status_index")
                    .table(Certificates::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Certificates::Table)
                    .drop_column(Certificates::StatusIndex)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Counters::Table).to_owned())
            .await
    }
}
