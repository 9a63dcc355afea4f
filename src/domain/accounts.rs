//! Single-use account links: the invitation a new account gets (choose a password,
//! 7 days) and the password reset anyone may ask for (1 hour). The link carries 256
//! random bits; only their hash is stored. Using a link sets the password, ends every
//! session of the account and every other link it had.

use chrono::{DateTime, Duration, Utc};
use entity::{AccountTokenPurpose, account_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use uuid::Uuid;

use super::limits::{self, Limit};
use super::messages::{self, Kind, Outgoing};
use super::values::{Email, Password};
use crate::auth::password;
use crate::auth::secret::{random_token, sha256_hex};
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult};

/// How long an invitation link works.
pub const INVITATION_VALID: Duration = Duration::days(7);
/// How long a password-reset link works.
pub const RESET_VALID: Duration = Duration::hours(1);

/// Reset requests from one client address.
const RESETS_PER_ADDRESS: Limit = Limit {
    max: 10,
    window: Duration::minutes(15),
    code: "rate_limited",
    detail: "too many password-reset requests from this address; try again later",
};

/// Reset requests for one account name (known or not, so the answer reveals nothing).
const RESETS_PER_ACCOUNT: Limit = Limit {
    max: 3,
    window: Duration::hours(1),
    code: "rate_limited",
    detail: "a reset link was sent for this address a moment ago; check the inbox or try again later",
};

/// Makes a link for the person and queues the mail that carries it (in the caller's
/// transaction). Earlier unused links of the same purpose stop working.
pub async fn send_link(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: AccountTokenPurpose,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    account_token::Entity::delete_many()
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::Purpose.eq(purpose))
        .exec(db)
        .await?;
    let token = random_token();
    let valid = match purpose {
        AccountTokenPurpose::Invitation => INVITATION_VALID,
        AccountTokenPurpose::Reset => RESET_VALID,
    };
    account_token::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        purpose: Set(purpose),
        expires_at: Set(now + valid),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let kind = match purpose {
        AccountTokenPurpose::Invitation => Kind::AccountInvitation,
        AccountTokenPurpose::Reset => Kind::AccountReset,
    };
    messages::enqueue(
        db,
        vec![Outgoing::new(
            kind,
            user_id,
            None,
            json!({ "token": token, "expires_at": now + valid }),
        )],
        now,
    )
    .await
}

/// Asks for a password-reset link. Answers the same whether or not the address belongs
/// to an account; only an enabled account with an address gets a mail.
pub async fn request_reset(db: &DatabaseConnection, email: &str, client: &str) -> DomainResult<()> {
    let now = super::now();
    limits::hit(db, &format!("reset-addr:{client}"), RESETS_PER_ADDRESS, now).await?;
    let Ok(email) = Email::parse("email", email) else {
        // Not an address at all: nothing to send, and nothing to tell.
        return Ok(());
    };
    let address = email.into_inner();
    limits::hit(
        db,
        &format!("reset-account:{}", sha256_hex(&address)),
        RESETS_PER_ACCOUNT,
        now,
    )
    .await?;
    retrying(|| async {
        let txn = begin_write(db).await?;
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(address.clone()))
            .filter(user::Column::DisabledAt.is_null())
            .one(&txn)
            .await?;
        // Erased people have no address and are disabled: never found here.
        if let Some(person) = found {
            send_link(&txn, person.id, AccountTokenPurpose::Reset, now).await?;
        }
        txn.commit().await?;
        Ok(())
    })
    .await
}

/// What a link opens, without using it (the form shows whose account it is).
pub async fn peek(
    db: &DatabaseConnection,
    token: &str,
) -> DomainResult<(account_token::Model, user::Model)> {
    let now = super::now();
    let found = account_token::Entity::find_by_id(sha256_hex(token))
        .one(db)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now)
        .ok_or_else(invalid_link)?;
    let person = user::Entity::find_by_id(found.user_id)
        .one(db)
        .await?
        .filter(|u| u.disabled_at.is_none() && u.email.is_some())
        .ok_or_else(invalid_link)?;
    Ok((found, person))
}

/// Sets the password with a link, once: the link and every other of the account end,
/// and so do all the account's sessions. Returns the person and their new token version.
pub async fn set_password(
    db: &DatabaseConnection,
    token: &str,
    new_password: &str,
) -> DomainResult<user::Model> {
    let password =
        Password::parse("password", new_password).map_err(|e| DomainError::Validation(vec![e]))?;
    // Check the link before the (deliberately slow) hashing, and again after it.
    peek(db, token).await?;
    let hash = password::hash(password.expose().to_owned())
        .await
        .map_err(DomainError::Internal)?;
    let hashed = sha256_hex(token);
    retrying(|| async {
        let txn = begin_write(db).await?;
        let now = super::now();
        // Claiming the link is the first write: of two uses at the same moment one wins.
        let claimed = account_token::Entity::update_many()
            .col_expr(account_token::Column::UsedAt, Expr::value(Some(now)))
            .filter(account_token::Column::TokenHash.eq(hashed.clone()))
            .filter(account_token::Column::UsedAt.is_null())
            .filter(account_token::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed != 1 {
            return Err(invalid_link());
        }
        let link = account_token::Entity::find_by_id(hashed.clone())
            .one(&txn)
            .await?
            .ok_or_else(invalid_link)?;
        let person = user::Entity::find_by_id(link.user_id)
            .one(&txn)
            .await?
            .filter(|u| u.disabled_at.is_none() && u.email.is_some())
            .ok_or_else(invalid_link)?;
        let mut model: user::ActiveModel = person.into();
        model.password_hash = Set(Some(hash.clone()));
        model.updated_at = Set(now);
        model.update(&txn).await?;
        account_token::Entity::delete_many()
            .filter(account_token::Column::UserId.eq(link.user_id))
            .filter(account_token::Column::TokenHash.ne(hashed.clone()))
            .exec(&txn)
            .await?;
        super::auth::revoke_all_for_user(&txn, link.user_id).await?;
        crate::auth::access::end_access(&txn, link.user_id).await?;
        // Read again: ending the access moved the account's token version on.
        let person = user::Entity::find_by_id(link.user_id)
            .one(&txn)
            .await?
            .ok_or_else(invalid_link)?;
        txn.commit().await?;
        Ok(person)
    })
    .await
}

fn invalid_link() -> DomainError {
    DomainError::invalid(
        "token",
        "this link does not work (any more): it was used, it expired, or a newer one was sent",
    )
}

/// Deletes used and expired links (the hourly clean-up).
pub async fn forget_old(db: &impl ConnectionTrait, now: DateTime<Utc>) -> DomainResult<u64> {
    Ok(account_token::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(account_token::Column::ExpiresAt.lte(now))
                .add(account_token::Column::UsedAt.is_not_null()),
        )
        .exec(db)
        .await?
        .rows_affected)
}
