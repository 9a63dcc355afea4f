//! Idempotency keys remember the outcome of the first registration request (the
//! registration's id, edition, person, status and waiting-list place) instead of the
//! rendered HTTP response, so the API renders a replay the way it renders the first
//! answer. Remembered responses of the last 24 hours are carried over.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::sea_orm::prelude::{DateTimeUtc, Uuid};

use crate::enum_string;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    SubjectId,
    Key,
    Fingerprint,
    StatusCode,
    Body,
    RegistrationId,
    EditionId,
    UserId,
    Status,
    WaitlistPosition,
    CreatedAt,
}

/// What a first answer said.
struct Outcome {
    subject_id: Uuid,
    key: String,
    fingerprint: String,
    registration_id: Uuid,
    edition_id: Uuid,
    user_id: Uuid,
    status: String,
    waitlist_position: Option<i32>,
    created_at: DateTimeUtc,
}

const STATUSES: [&str; 3] = ["pending_approval", "confirmed", "waitlisted"];

/// Reads the outcome out of a remembered response body (a registration as JSON).
fn outcome(
    subject_id: Uuid,
    key: String,
    fingerprint: String,
    body: &str,
    created_at: DateTimeUtc,
) -> Option<Outcome> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let id = |name: &str| v[name].as_str()?.parse::<Uuid>().ok();
    let status = v["status"].as_str().filter(|s| STATUSES.contains(s))?;
    Some(Outcome {
        subject_id,
        key,
        fingerprint,
        registration_id: id("id")?,
        edition_id: id("edition_id")?,
        user_id: id("user_id")?,
        status: status.to_owned(),
        waitlist_position: v["waitlist_position"]
            .as_i64()
            .and_then(|p| <i32 as TryFrom<i64>>::try_from(p).ok()),
        created_at,
    })
}

fn table(outcomes: bool) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(IdempotencyKeys::Table)
        .col(uuid(IdempotencyKeys::SubjectId))
        .col(string_len(IdempotencyKeys::Key, 255))
        .col(string_len(IdempotencyKeys::Fingerprint, 64));
    if outcomes {
        t.col(uuid(IdempotencyKeys::RegistrationId))
            .col(uuid(IdempotencyKeys::EditionId))
            .col(uuid(IdempotencyKeys::UserId))
            .col(enum_string(IdempotencyKeys::Status, 20, &STATUSES))
            .col(integer_null(IdempotencyKeys::WaitlistPosition));
    } else {
        t.col(integer(IdempotencyKeys::StatusCode))
            .col(text(IdempotencyKeys::Body));
    }
    t.col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
        .primary_key(
            Index::create()
                .col(IdempotencyKeys::SubjectId)
                .col(IdempotencyKeys::Key),
        )
        .to_owned()
}

fn created_at_index() -> IndexCreateStatement {
    Index::create()
        .name("ix_idempotency_keys_created_at")
        .table(IdempotencyKeys::Table)
        .col(IdempotencyKeys::CreatedAt)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too: the rows read are the rows written back, and no
    /// statement runs on another connection of the pool.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let select = Query::select()
            .columns([
                IdempotencyKeys::SubjectId,
                IdempotencyKeys::Key,
                IdempotencyKeys::Fingerprint,
                IdempotencyKeys::Body,
                IdempotencyKeys::CreatedAt,
            ])
            .from(IdempotencyKeys::Table)
            .to_owned();
        let mut kept = Vec::new();
        for row in db.query_all(&select).await? {
            let body: String = row.try_get("", "body")?;
            if let Some(o) = outcome(
                row.try_get("", "subject_id")?,
                row.try_get("", "key")?,
                row.try_get("", "fingerprint")?,
                &body,
                row.try_get("", "created_at")?,
            ) {
                kept.push(o);
            }
        }
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager.create_table(table(true)).await?;
        manager.create_index(created_at_index()).await?;
        for chunk in kept.chunks(100) {
            let mut insert = Query::insert();
            insert.into_table(IdempotencyKeys::Table).columns([
                IdempotencyKeys::SubjectId,
                IdempotencyKeys::Key,
                IdempotencyKeys::Fingerprint,
                IdempotencyKeys::RegistrationId,
                IdempotencyKeys::EditionId,
                IdempotencyKeys::UserId,
                IdempotencyKeys::Status,
                IdempotencyKeys::WaitlistPosition,
                IdempotencyKeys::CreatedAt,
            ]);
            for o in chunk {
                insert.values_panic([
                    o.subject_id.into(),
                    o.key.clone().into(),
                    o.fingerprint.clone().into(),
                    o.registration_id.into(),
                    o.edition_id.into(),
                    o.user_id.into(),
                    o.status.clone().into(),
                    o.waitlist_position.into(),
                    o.created_at.into(),
                ]);
            }
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    /// Back to remembered responses: the outcomes are forgotten (a repeated request
    /// within 24 hours then finds the registration and is told it exists).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager.create_table(table(false)).await?;
        manager.create_index(created_at_index()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_registration_gives_its_outcome() {
        let (subject, id, edition, user) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let body = format!(
            r#"{{"id":"{id}","edition_id":"{edition}","user_id":"{user}","status":"waitlisted","waitlist_position":3,"late":false}}"#
        );
        let at = DateTimeUtc::default();
        let o = outcome(subject, "k".into(), "f".into(), &body, at).unwrap();
        assert_eq!(
            (o.registration_id, o.edition_id, o.user_id),
            (id, edition, user)
        );
        assert_eq!(
            (o.status.as_str(), o.waitlist_position),
            ("waitlisted", Some(3))
        );
        assert!(outcome(subject, "k".into(), "f".into(), "{}", at).is_none());
        assert!(outcome(subject, "k".into(), "f".into(), "not json", at).is_none());
    }
}
