//! A refresh token, stored as a hash; tokens of one sign-in form a family (chain).

use sea_orm::entity::prelude::*;

/// A row of `refresh_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    /// Identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The chain this token belongs to (one per sign-in).
    pub family_id: Uuid,
    /// The user it was issued to.
    pub user_id: Uuid,
    /// SHA-256 of the token (hex), unique.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Issue time (UTC).
    pub created_at: DateTimeUtc,
    /// Expiry (UTC).
    pub expires_at: DateTimeUtc,
    /// When it was exchanged for a new one; a second use revokes the family.
    pub rotated_at: Option<DateTimeUtc>,
    /// When it (or its family) was revoked.
    pub revoked_at: Option<DateTimeUtc>,
}

/// Relations of a refresh token.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user.
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
