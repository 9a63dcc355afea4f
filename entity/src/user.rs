//! A person who signs in: professional, trainer, HR or admin.

use sea_orm::entity::prelude::*;

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Identifier (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// E-mail address, stored lower-cased; unique. `None` once erased.
    pub email: Option<String>,
    /// Full name.
    pub name: String,
    /// The organisation the user belongs to.
    pub organization_id: Uuid,
    /// Argon2id PHC string; `None` when the user cannot sign in with a password.
    pub password_hash: Option<String>,
    /// Set when the account is disabled; such users cannot sign in.
    pub disabled_at: Option<DateTimeUtc>,
    /// Carried by every access token; bumped to end all of them (disabling, erasure,
    /// a change of roles, organisation or password).
    pub token_version: i32,
    /// The language of the person's mails and pages.
    pub locale: crate::enums::Locale,
    /// Whether the person gets reminders before sessions.
    pub reminders: bool,
    /// How the person, as HR, hears of approvals waiting for them.
    pub approval_mails: crate::enums::ApprovalMails,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of a user.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user's organisation.
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
    /// The user's roles.
    #[sea_orm(has_many = "super::user_role::Entity")]
    Roles,
    /// The user's register memberships.
    #[sea_orm(has_many = "super::register_membership::Entity")]
    Registers,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::user_role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Roles.def()
    }
}

impl Related<super::register_membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Registers.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
