//! A valid secret token of a person's calendar feed, kept only as its hash.

use sea_orm::entity::prelude::*;

/// A row of `calendar_feeds`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_feeds")]
pub struct Model {
    /// SHA-256 (hex) of the token in the feed's URL.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// Whose feed it is.
    pub user_id: Uuid,
    /// Bumped on every rotation; the token is derived from the person and this number.
    pub generation: i32,
    /// When the token became valid (UTC).
    pub created_at: DateTimeUtc,
}

/// Relations of a feed token.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The person.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
