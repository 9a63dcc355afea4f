//! Sign-in: the OAuth 2.0 grants (password, client credentials, refresh token), refresh
//! token rotation with reuse detection, and the brute-force limits. All state is in the
//! database, so any number of instances agree on it.
//!
//! Failed passwords are counted per (account, client address) and per client address
//! across accounts: an attacker at one address can neither lock the owner out from
//! another address nor try many accounts freely. The account name is stored only as a
//! hash.

use chrono::{DateTime, Duration, Utc};
use entity::{login_failure, refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{clients, roles};
use crate::auth::password;
use crate::auth::secret;
use crate::auth::tokens::{ACCESS_TOKEN_SECONDS, SubjectKind, TokenService};
use crate::db::begin_write;
use crate::error::DomainError;

/// Failed passwords allowed per account and client address within the window.
pub const MAX_FAILURES: usize = 5;
/// Failed passwords allowed per client address within the window, whatever the accounts.
pub const MAX_FAILURES_PER_ADDRESS: usize = 30;
/// The brute-force window.
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Lifetime of a refresh token.
pub const REFRESH_TOKEN_DAYS: i64 = 30;

/// Tokens handed out by a grant.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The JWT.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: i64,
    /// A refresh token (people only).
    pub refresh_token: Option<String>,
    /// Granted scopes (clients only).
    pub scope: Option<String>,
}

/// Why a grant was refused, in RFC 6749 §5.2 terms.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// Wrong credentials, or an expired, revoked or reused refresh token.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// Unknown client or wrong secret.
    #[error("client authentication failed")]
    InvalidClient,
    /// Too many wrong passwords for this account.
    #[error("too many failed sign-ins; retry after {retry_after} s")]
    RateLimited {
        /// Seconds until the window passes.
        retry_after: u64,
    },
    /// Anything else.
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<sea_orm::DbErr> for GrantError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Domain(DomainError::Db(e))
    }
}

/// `grant_type=password`, from a client at `client` (the key of [`crate::http::limit_key`]).
pub async fn password_grant(
    db: &DatabaseConnection,
    tokens: &TokenService,
    username: &str,
    password_plain: &str,
    client: &str,
) -> Result<Grant, GrantError> {
    let account: String = username.trim().to_lowercase().chars().take(254).collect();
    if account.is_empty() || account.chars().any(char::is_control) {
        // Not an address any account can have (and PostgreSQL cannot compare NUL bytes).
        return Err(GrantError::InvalidGrant("wrong e-mail address or password"));
    }
    let account_hash = secret::sha256_hex(&account);
    // Claim an attempt before checking the password: the counts and the claim happen in
    // one step serialised per address and per account, so parallel guesses cannot all
    // slip under the limits.
    let now = super::now();
    let window_start = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let txn = begin_write(db).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Always the address first, then the account: one order, no deadlock.
        for key in [format!("sign-in address {client}"), account_hash.clone()] {
            txn.query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                [key.into()],
            ))
            .await?;
        }
    }
    let from_address = login_failure::Entity::find()
        .filter(login_failure::Column::ClientAddr.eq(client))
        .filter(login_failure::Column::FailedAt.gt(window_start));
    let per_address = from_address
        .clone()
        .order_by_desc(login_failure::Column::FailedAt)
        .limit(MAX_FAILURES_PER_ADDRESS as u64)
        .all(&txn)
        .await?;
    if per_address.len() >= MAX_FAILURES_PER_ADDRESS {
        return Err(GrantError::RateLimited {
            retry_after: retry_after(per_address[MAX_FAILURES_PER_ADDRESS - 1].failed_at, now),
        });
    }
    let per_account = from_address
        .filter(login_failure::Column::AccountHash.eq(account_hash.as_str()))
        .order_by_desc(login_failure::Column::FailedAt)
        .limit(MAX_FAILURES as u64)
        .all(&txn)
        .await?;
    if per_account.len() >= MAX_FAILURES {
        return Err(GrantError::RateLimited {
            retry_after: retry_after(per_account[MAX_FAILURES - 1].failed_at, now),
        });
    }
    let attempt = Uuid::now_v7();
    login_failure::ActiveModel {
        id: Set(attempt),
        account_hash: Set(account_hash),
        client_addr: Set(client.to_owned()),
        failed_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;

    let found = user::Entity::find()
        .filter(user::Column::Email.eq(account.as_str()))
        .one(db)
        .await?;
    let hash = found
        .as_ref()
        .filter(|u| u.disabled_at.is_none())
        .and_then(|u| u.password_hash.clone());
    let ok = password::verify(password_plain.to_owned(), hash).await;
    let user = match (ok, found) {
        (true, Some(user)) => user,
        // The claimed attempt stays as the recorded failure.
        _ => return Err(GrantError::InvalidGrant("wrong e-mail address or password")),
    };
    let txn = begin_write(db).await?;
    login_failure::Entity::delete_by_id(attempt)
        .exec(&txn)
        .await?;
    let grant = issue_for_user(&txn, tokens, &user, Uuid::now_v7()).await?;
    txn.commit().await?;
    Ok(grant)
}

/// `grant_type=client_credentials`.
pub async fn client_credentials_grant(
    db: &DatabaseConnection,
    tokens: &TokenService,
    client_id: &str,
    client_secret: &str,
) -> Result<Grant, GrantError> {
    let client = clients::authenticate(db, client_id, client_secret)
        .await?
        .ok_or(GrantError::InvalidClient)?;
    let access_token = tokens
        .issue(
            client.id,
            SubjectKind::Client,
            &[],
            client.organization_id,
            Some(client.scopes.clone()),
            0,
        )
        .map_err(|e| DomainError::Internal(e.to_string()))?;
    Ok(Grant {
        access_token,
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: None,
        scope: Some(client.scopes),
    })
}

/// `grant_type=refresh_token`: rotates the token. A token used a second time means it
/// was stolen or replayed, so its whole chain is revoked.
pub async fn refresh_grant(
    db: &DatabaseConnection,
    tokens: &TokenService,
    presented: &str,
) -> Result<Grant, GrantError> {
    let hash = secret::sha256_hex(presented);
    let txn = begin_write(db).await?;
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
    else {
        return Err(GrantError::InvalidGrant("unknown refresh token"));
    };
    let now = super::now();
    if row.revoked_at.is_some() {
        return Err(GrantError::InvalidGrant("the refresh token was revoked"));
    }
    if row.rotated_at.is_some() {
        revoke_family(&txn, row.family_id, now).await?;
        txn.commit().await?;
        return Err(GrantError::InvalidGrant(
            "the refresh token was already used; its sign-in has been revoked",
        ));
    }
    if row.expires_at <= now {
        return Err(GrantError::InvalidGrant("the refresh token has expired"));
    }
    // Claim the token: only one concurrent use can succeed.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        revoke_family(&txn, row.family_id, now).await?;
        txn.commit().await?;
        return Err(GrantError::InvalidGrant(
            "the refresh token was already used",
        ));
    }
    let user = user::Entity::find_by_id(row.user_id)
        .one(&txn)
        .await?
        .filter(|u| u.disabled_at.is_none() && u.email.is_some())
        .ok_or(GrantError::InvalidGrant(
            "the account can no longer sign in",
        ))?;
    let grant = issue_for_user(&txn, tokens, &user, row.family_id).await?;
    txn.commit().await?;
    Ok(grant)
}

/// RFC 7009: revokes the refresh token's whole chain. Unknown tokens are not an error.
pub async fn revoke(db: &DatabaseConnection, presented: &str) -> Result<(), DomainError> {
    let hash = secret::sha256_hex(presented);
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(db)
        .await?
    {
        revoke_family(db, row.family_id, super::now()).await?;
    }
    Ok(())
}

/// Revokes every refresh token of a user (password change, disabling, erasure).
pub async fn revoke_all_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<(), DomainError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(super::now()))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn issue_for_user(
    db: &impl ConnectionTrait,
    tokens: &TokenService,
    user: &user::Model,
    family_id: Uuid,
) -> Result<Grant, GrantError> {
    let roles = roles::roles_of(db, user.id).await?;
    let access_token = tokens
        .issue(
            user.id,
            SubjectKind::User,
            &roles,
            Some(user.organization_id),
            None,
            user.token_version,
        )
        .map_err(|e| DomainError::Internal(e.to_string()))?;
    let plain = secret::random_token();
    let now = super::now();
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        user_id: Set(user.id),
        token_hash: Set(secret::sha256_hex(&plain)),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(REFRESH_TOKEN_DAYS)),
        rotated_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(Grant {
        access_token,
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: Some(plain),
        scope: None,
    })
}

async fn revoke_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// How long a revoked refresh token is kept after its revocation (an expired one goes at
/// the next clean-up).
pub const REVOKED_REFRESH_KEPT_DAYS: i64 = 1;

/// The hourly clean-up: refresh tokens that expired, or were revoked more than
/// [`REVOKED_REFRESH_KEPT_DAYS`] ago, and failed sign-ins older than the brute-force
/// window. Returns the rows deleted of each.
pub async fn forget_old(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(u64, u64), sea_orm::DbErr> {
    let tokens = refresh_token::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(refresh_token::Column::ExpiresAt.lte(now))
                .add(
                    refresh_token::Column::RevokedAt
                        .lte(now - Duration::days(REVOKED_REFRESH_KEPT_DAYS)),
                ),
        )
        .exec(db)
        .await?
        .rows_affected;
    let failures = login_failure::Entity::delete_many()
        .filter(
            login_failure::Column::FailedAt.lte(now - Duration::minutes(FAILURE_WINDOW_MINUTES)),
        )
        .exec(db)
        .await?
        .rows_affected;
    Ok((tokens, failures))
}

/// Removes a person's sign-in rows (erasure): their refresh tokens, and the failed
/// sign-ins under their address.
pub async fn forget_person(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    email: Option<&str>,
) -> Result<(), sea_orm::DbErr> {
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if let Some(email) = email {
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::AccountHash.eq(secret::sha256_hex(email)))
            .exec(db)
            .await?;
    }
    Ok(())
}

fn retry_after(oldest_failure: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let until = oldest_failure + Duration::minutes(FAILURE_WINDOW_MINUTES);
    let secs = (until - now).num_milliseconds().max(0);
    u64::try_from((secs + 999) / 1000).unwrap_or(1).max(1)
}
