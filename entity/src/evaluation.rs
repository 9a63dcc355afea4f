//! A participant's evaluation of an edition: a score from 1 to 10 and an optional comment,
//! one per registration.

use sea_orm::entity::prelude::*;

/// A row of `evaluations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluations")]
pub struct Model {
    /// Identifier (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The edition evaluated.
    pub edition_id: Uuid,
    /// The registration it was given under; one evaluation per registration.
    #[sea_orm(unique)]
    pub registration_id: Uuid,
    /// The participant.
    pub user_id: Uuid,
    /// The score, 1 to 10 (checked by the database).
    pub score: i32,
    /// The comment (at most 2,000 characters, checked by the domain).
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    /// When it was submitted (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of an evaluation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The edition.
    #[sea_orm(
        belongs_to = "super::edition::Entity",
        from = "Column::EditionId",
        to = "super::edition::Column::Id"
    )]
    Edition,
    /// The registration.
    #[sea_orm(
        belongs_to = "super::registration::Entity",
        from = "Column::RegistrationId",
        to = "super::registration::Column::Id",
        on_delete = "Cascade"
    )]
    Registration,
    /// The participant.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl Related<super::edition::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Edition.def()
    }
}

impl Related<super::registration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Registration.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
