//! Settings the service chooses once and keeps, the same for every instance.

use entity::setting;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::error::{DomainError, DomainResult};

/// The domain of calendar event UIDs.
pub const UID_DOMAIN: &str = "calendar_uid_domain";

/// The setting's value: the one stored, or else `proposed`, stored now. Two instances
/// starting together agree (the first insert wins, both read it back).
pub async fn chosen_once(
    db: &impl ConnectionTrait,
    key: &str,
    proposed: &str,
) -> DomainResult<String> {
    setting::Entity::insert(setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(proposed.to_owned()),
    })
    .on_conflict_do_nothing_on([setting::Column::Key])
    .exec(db)
    .await?;
    setting::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .map(|s| s.value)
        .ok_or_else(|| DomainError::Internal(format!("the setting {key} vanished")))
}
