//! A user's membership of a quality register (SKJ, BIG, …).

use sea_orm::entity::prelude::*;

use crate::enums::Register;

/// A row of `register_memberships`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "register_memberships")]
pub struct Model {
    /// The member.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The register; one membership per register and user.
    #[sea_orm(primary_key, auto_increment = false)]
    pub register: Register,
    /// Registration number in that register.
    pub number: String,
    /// Start of the current registration period.
    pub period_start: Date,
}

/// Relations of a membership.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The member.
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
