//! A trainer teaching an edition.

use sea_orm::entity::prelude::*;

/// A row of `edition_trainers`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "edition_trainers")]
pub struct Model {
    /// The edition.
    #[sea_orm(primary_key, auto_increment = false)]
    pub edition_id: Uuid,
    /// The trainer (a user with the trainer role).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
}

/// Relations of a trainer row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The edition.
    #[sea_orm(
        belongs_to = "super::edition::Entity",
        from = "Column::EditionId",
        to = "super::edition::Column::Id",
        on_delete = "Cascade"
    )]
    Edition,
    /// The trainer.
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

impl ActiveModelBehavior for ActiveModel {}
