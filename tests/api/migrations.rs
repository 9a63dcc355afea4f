//! Every migration goes up from empty, down to empty and up again.

use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

use crate::helpers::TestDb;

async fn table_count(db: &sea_orm::DatabaseConnection, postgres: bool) -> i64 {
    let sql = if postgres {
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'"
    } else {
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn up_down_up() {
    let (test_db, url) = TestDb::create().await;
    let pg = test_db.is_postgres();
    // One connection: SQLite connections cache the schema, and this test changes it.
    let db = academy::db::connect(&url, 1).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let tables = table_count(&db, pg).await;
    assert!(tables >= 7, "{tables} tables");
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::down(&db, None).await.unwrap();
    assert_eq!(table_count(&db, pg).await, 0);
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(table_count(&db, pg).await, tables);
    db.close().await.unwrap();
}

#[tokio::test]
async fn enums_are_enforced_by_the_database() {
    let (_test_db, url) = TestDb::create().await;
    let db = academy::db::connect(&url, 2).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let result = db
        .execute_unprepared(
            "INSERT INTO organizations (id, name, kind, created_at, updated_at) \
             VALUES ('0192e0a0-0000-7000-8000-000000000001', 'X', 'castle', \
             '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .await;
    assert!(result.is_err(), "an unknown kind must be refused");
}

#[tokio::test]
async fn remembered_registration_answers_are_kept_as_their_outcome() {
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::{Alias, Query};
    let (_test_db, url) = TestDb::create().await;
    let db = academy::db::connect(&url, 1).await.unwrap();
    Migrator::up(&db, Some(16)).await.unwrap();
    let (subject, id, edition, user) = (
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
    );
    let at = academy::domain::now();
    let body = format!(
        r#"{{"id":"{id}","edition_id":"{edition}","user_id":"{user}","status":"waitlisted","waitlist_position":4,"late":false,"created_at":"{at}","updated_at":"{at}"}}"#
    );
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("idempotency_keys"))
        .columns(
            [
                "subject_id",
                "key",
                "fingerprint",
                "status_code",
                "body",
                "created_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            subject.into(),
            "retry-1".into(),
            "f".repeat(64).into(),
            201.into(),
            body.into(),
            at.into(),
        ])
        .values_panic([
            subject.into(),
            "broken".into(),
            "f".repeat(64).into(),
            201.into(),
            "<html>".into(),
            at.into(),
        ]);
    db.execute(&insert).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let kept = entity::idempotency_key::Entity::find()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let k = &kept[0];
    assert_eq!((k.subject_id, k.key.as_str()), (subject, "retry-1"));
    assert_eq!(
        (k.registration_id, k.edition_id, k.user_id),
        (id, edition, user)
    );
    assert_eq!(k.status, entity::RegistrationStatus::Waitlisted);
    assert_eq!(k.waitlist_position, Some(4));
    assert_eq!(k.created_at, at);
    db.close().await.unwrap();
}
