//! Organisations: municipalities, providers, certified institutions, the academy.

use entity::{OrganizationKind, organization};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::paging::PageRequest;
use super::values::text;
use crate::error::{DomainError, DomainResult};

/// Lists organisations by creation order.
pub async fn list(
    db: &impl ConnectionTrait,
    page: PageRequest,
    kind: Option<OrganizationKind>,
) -> DomainResult<(Vec<organization::Model>, Option<String>)> {
    let mut q = organization::Entity::find().order_by_asc(organization::Column::Id);
    if let Some(after) = page.after {
        q = q.filter(organization::Column::Id.gt(after));
    }
    if let Some(kind) = kind {
        q = q.filter(organization::Column::Kind.eq(kind));
    }
    let rows = q.limit(page.fetch()).all(db).await?;
    Ok(page.finish(rows, |o| o.id))
}

/// One organisation.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<organization::Model> {
    organization::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("organization"))
}

/// An organisation a request refers to as `organization_id`: a missing one is that
/// field's validation error, not a missing resource.
pub async fn referenced(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<organization::Model> {
    get(db, id).await.map_err(|e| match e {
        DomainError::NotFound(_) => DomainError::invalid("organization_id", "no such organization"),
        other => other,
    })
}

/// Creates an organisation; names are unique.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    kind: OrganizationKind,
) -> DomainResult<organization::Model> {
    let name = text("name", name, 200).map_err(|e| DomainError::Validation(vec![e]))?;
    ensure_name_free(db, &name, None).await?;
    let now = super::now();
    organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        kind: Set(kind),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(map_unique)
}

/// Changes name and/or kind.
pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    name: Option<&str>,
    kind: Option<OrganizationKind>,
) -> DomainResult<organization::Model> {
    let current = get(db, id).await?;
    let mut model: organization::ActiveModel = current.into();
    if let Some(name) = name {
        let name = text("name", name, 200).map_err(|e| DomainError::Validation(vec![e]))?;
        ensure_name_free(db, &name, Some(id)).await?;
        model.name = Set(name);
    }
    if let Some(kind) = kind {
        model.kind = Set(kind);
    }
    model.updated_at = Set(super::now());
    model.update(db).await.map_err(map_unique)
}

async fn ensure_name_free(
    db: &impl ConnectionTrait,
    name: &str,
    except: Option<Uuid>,
) -> DomainResult<()> {
    let mut q = organization::Entity::find().filter(organization::Column::Name.eq(name));
    if let Some(id) = except {
        q = q.filter(organization::Column::Id.ne(id));
    }
    if q.one(db).await?.is_some() {
        return Err(organization_exists());
    }
    Ok(())
}

fn organization_exists() -> DomainError {
    DomainError::conflict(
        "organization_exists",
        "an organization with this name already exists",
    )
}

fn map_unique(err: sea_orm::DbErr) -> DomainError {
    match DomainError::from_db(err) {
        DomainError::Conflict {
            code: "conflict", ..
        } => organization_exists(),
        other => other,
    }
}

/// The academy's own organisation, created when missing (admins belong to it).
pub async fn academy(db: &impl ConnectionTrait) -> DomainResult<organization::Model> {
    if let Some(org) = organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrganizationKind::Academy))
        .order_by_asc(organization::Column::Id)
        .one(db)
        .await?
    {
        return Ok(org);
    }
    create(db, "Flevo Academie Jeugd", OrganizationKind::Academy).await
}
