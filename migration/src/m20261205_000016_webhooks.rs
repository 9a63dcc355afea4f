//! Webhooks: partner clients' endpoints, the events they hear of and the deliveries to
//! each endpoint with every attempt, all beside the e-mail outbox.
//!
//! A registration's change is an event without a row of its own: its history entry
//! (`registration_events`) is the event, and carries `webhook_pending`, true by default,
//! so the registration path writes nothing more than it did; the webhook worker turns
//! pending entries into deliveries for the endpoints that want them and clears the flag.
//! Other changes (editions, sessions, attendance, certificates, erasure) write a
//! `webhook_events` row in their transaction, pending until the worker fans it out. A
//! delivery's `event_id` is therefore one or the other.

use sea_orm_migration::{prelude::*, schema::*};

use crate::enum_string;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    ClientId,
    Url,
    Description,
    Events,
    Enabled,
    DisabledReason,
    SecretSalt,
    PreviousSalt,
    PreviousUntil,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    FailingSince,
    LeaseUntil,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    Kind,
    ResourceId,
    UserId,
    Data,
    OccurredAt,
    Pending,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    EventId,
    ResourceId,
    Status,
    Attempts,
    DueAt,
    CreatedAt,
    FinishedAt,
    LastStatus,
    LastError,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    At,
    StatusCode,
    DurationMs,
    Error,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    ContactEmail,
}

#[derive(DeriveIden)]
enum RegistrationEvents {
    Table,
    WebhookPending,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiClients::Table)
                    .add_column(string_len_null(ApiClients::ContactEmail, 254))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(pk_uuid(WebhookEndpoints::Id))
                    .col(uuid(WebhookEndpoints::ClientId))
                    .col(string_len(WebhookEndpoints::Url, 2000))
                    .col(string_len_null(WebhookEndpoints::Description, 500))
                    .col(text(WebhookEndpoints::Events))
                    .col(boolean(WebhookEndpoints::Enabled))
                    .col(string_len_null(WebhookEndpoints::DisabledReason, 500))
                    .col(string_len(WebhookEndpoints::SecretSalt, 64))
                    .col(string_len_null(WebhookEndpoints::PreviousSalt, 64))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::PreviousUntil,
                    ))
                    .col(uuid_null(WebhookEndpoints::CreatedBy))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::FailingSince,
                    ))
                    .col(timestamp_with_time_zone_null(WebhookEndpoints::LeaseUntil))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_endpoints_client")
                            .from(WebhookEndpoints::Table, WebhookEndpoints::ClientId)
                            .to(ApiClients::Table, ApiClients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_endpoints_client")
                    .table(WebhookEndpoints::Table)
                    .col(WebhookEndpoints::ClientId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .col(pk_uuid(WebhookEvents::Id))
                    .col(string_len(WebhookEvents::Kind, 64))
                    .col(uuid(WebhookEvents::ResourceId))
                    .col(uuid_null(WebhookEvents::UserId))
                    .col(text(WebhookEvents::Data))
                    .col(timestamp_with_time_zone(WebhookEvents::OccurredAt))
                    .col(boolean(WebhookEvents::Pending))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(pk_uuid(WebhookDeliveries::Id))
                    .col(uuid(WebhookDeliveries::EndpointId))
                    .col(uuid(WebhookDeliveries::EventId))
                    .col(uuid(WebhookDeliveries::ResourceId))
                    .col(enum_string(
                        WebhookDeliveries::Status,
                        16,
                        &["queued", "delivered", "failed"],
                    ))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(WebhookDeliveries::DueAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::FinishedAt))
                    .col(integer_null(WebhookDeliveries::LastStatus))
                    .col(string_len_null(WebhookDeliveries::LastError, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The claim: an endpoint's due deliveries, and the "oldest of its resource" rule.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_endpoint_resource")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::EndpointId)
                    .col(WebhookDeliveries::ResourceId)
                    .col(WebhookDeliveries::EventId)
                    .to_owned(),
            )
            .await?;
        // The log of one endpoint.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_endpoint_id")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::EndpointId)
                    .col(WebhookDeliveries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(pk_uuid(WebhookAttempts::Id))
                    .col(uuid(WebhookAttempts::DeliveryId))
                    .col(timestamp_with_time_zone(WebhookAttempts::At))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(integer(WebhookAttempts::DurationMs))
                    .col(string_len_null(WebhookAttempts::Error, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempts_delivery")
                            .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                            .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_attempts_delivery")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::DeliveryId)
                    .col(WebhookAttempts::Id)
                    .to_owned(),
            )
            .await?;
        // New history entries are pending by default (the registration path sets nothing);
        // the entries written before webhooks existed are not.
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationEvents::Table)
                    .add_column(
                        ColumnDef::new(RegistrationEvents::WebhookPending)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE registration_events SET webhook_pending = FALSE")
            .await?;
        // Partial (sea-query has no builder for them; the same statements on both databases):
        // the entries still to fan out, the events still to fan out, the deliveries still
        // to send.
        db.execute_unprepared(
            "CREATE INDEX ix_registration_events_webhook ON registration_events (id) \
             WHERE webhook_pending",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_webhook_deliveries_queued ON webhook_deliveries \
             (endpoint_id, due_at) WHERE status = 'queued'",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX ix_webhook_events_pending ON webhook_events (id) WHERE pending",
        )
        .await?;
        // The row one instance at a time holds while it fans events out, so that a
        // resource's events become deliveries in the order they happened.
        db.execute_unprepared(
            "INSERT INTO counters (name, next_value) VALUES ('webhook_fan_out', 0)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM counters WHERE name = 'webhook_fan_out'")
            .await?;
        db.execute_unprepared("DROP INDEX ix_registration_events_webhook")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationEvents::Table)
                    .drop_column(RegistrationEvents::WebhookPending)
                    .to_owned(),
            )
            .await?;
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ApiClients::Table)
                    .drop_column(ApiClients::ContactEmail)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
