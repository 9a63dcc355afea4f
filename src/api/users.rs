//! `/api/v1/users` and `/api/v1/me`.

use std::sync::Arc;

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{Auth, StaffAuth, UserAuth};
use super::tags::ApiTags;
use super::types::Timestamp;
use super::wire::{ApprovalMailsName, LocaleName, RegisterName, RoleName};
use crate::api::types::{PageSize, page_size};
use crate::domain::paging::PageRequest;
use crate::domain::users::{
    self, NewUser as DomainNewUser, RegisterInput, UserPatch as DomainPatch, UserView,
};
use crate::state::AppState;

/// A register membership.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct RegisterMembership {
    /// The register.
    pub register: RegisterName,
    /// Registration number (1–64 characters).
    #[oai(validator(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    ))]
    #[oai(deserialize_with = "crate::api::types::strict_string")]
    pub number: String,
    /// Start of the current 5-year registration period (1900-01-01 to 2999-12-31, else 422).
    pub period_start: NaiveDate,
}

/// A user. Passwords are never returned.
#[derive(Debug, Object)]
pub struct User {
    /// Identifier.
    pub id: Uuid,
    /// E-mail address (lower-cased); `null` once erased.
    #[oai(nullable)]
    pub email: Option<String>,
    /// Full name.
    pub name: String,
    /// Organisation.
    pub organization_id: Uuid,
    /// Roles.
    pub roles: Vec<RoleName>,
    /// Register memberships.
    pub registers: Vec<RegisterMembership>,
    /// Whether sign-in is disabled.
    pub disabled: bool,
    /// The language of the person's mails.
    pub locale: LocaleName,
    /// Whether the person gets reminders before sessions.
    pub reminders: bool,
    /// How the person, as HR, hears of approvals waiting for them.
    pub approval_mails: ApprovalMailsName,
    /// Creation time (UTC).
    pub created_at: Timestamp,
    /// Last change (UTC).
    pub updated_at: Timestamp,
}

impl From<UserView> for User {
    fn from(v: UserView) -> Self {
        Self {
            id: v.user.id,
            email: v.user.email,
            name: v.user.name,
            organization_id: v.user.organization_id,
            roles: v.roles.into_iter().map(Into::into).collect(),
            registers: v
                .registers
                .into_iter()
                .map(|m| RegisterMembership {
                    register: m.register.into(),
                    number: m.number,
                    period_start: m.period_start,
                })
                .collect(),
            disabled: v.user.disabled_at.is_some(),
            locale: v.user.locale.into(),
            reminders: v.user.reminders,
            approval_mails: v.user.approval_mails.into(),
            created_at: v.user.created_at.into(),
            updated_at: v.user.updated_at.into(),
        }
    }
}

/// A new user.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewUser {
    /// E-mail address, unique regardless of case.
    #[oai(validator(
        max_length = 254,
        pattern = "^\\s*[^@\\s\\x00-\\x1f\\x7f-\\x9f]+@[^@\\s\\x00-\\x1f\\x7f-\\x9f.]+(\\.[^@\\s\\x00-\\x1f\\x7f-\\x9f.]+)+\\s*$"
    ))]
    #[oai(deserialize_with = "crate::api::types::strict_string")]
    pub email: String,
    /// Full name (1–200 characters).
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    ))]
    #[oai(deserialize_with = "crate::api::types::strict_string")]
    pub name: String,
    /// Organisation (HR: their own).
    pub organization_id: Uuid,
    /// Roles, at least one (HR cannot grant `admin`).
    #[oai(validator(min_items = 1, max_items = 4))]
    pub roles: Vec<RoleName>,
    /// Register memberships, one per register.
    #[oai(nullable, default, validator(max_items = 5))]
    pub registers: Vec<RegisterMembership>,
    /// Initial password (10–1024 characters); without one the user is mailed an
    /// invitation to choose one (the link works for 7 days).
    #[oai(
        nullable,
        validator(min_length = 10, max_length = 1024),
        deserialize_with = "crate::api::types::strict_opt_string"
    )]
    pub password: Option<String>,
    /// The language of the person's mails (default `nl`).
    #[oai(nullable)]
    pub locale: Option<LocaleName>,
}

/// Changes to one's own mail preferences; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PreferencesPatch {
    /// The language of mails and pages.
    #[oai(nullable)]
    pub locale: Option<LocaleName>,
    /// Reminders before sessions on or off (mails about one's registrations, dates and
    /// account cannot be turned off).
    #[oai(nullable)]
    pub reminders: Option<bool>,
    /// For HR: a mail per approval request or a daily digest.
    #[oai(nullable)]
    pub approval_mails: Option<ApprovalMailsName>,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UserPatch {
    /// New e-mail address.
    #[oai(validator(
        max_length = 254,
        pattern = "^\\s*[^@\\s\\x00-\\x1f\\x7f-\\x9f]+@[^@\\s\\x00-\\x1f\\x7f-\\x9f.]+(\\.[^@\\s\\x00-\\x1f\\x7f-\\x9f.]+)+\\s*$"
    ))]
    #[oai(nullable, deserialize_with = "crate::api::types::strict_opt_string")]
    pub email: Option<String>,
    /// New name.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    ))]
    #[oai(nullable, deserialize_with = "crate::api::types::strict_opt_string")]
    pub name: Option<String>,
    /// Move to another organisation (admins only).
    #[oai(nullable)]
    pub organization_id: Option<Uuid>,
    /// Replace the roles.
    #[oai(nullable, validator(min_items = 1, max_items = 4))]
    pub roles: Option<Vec<RoleName>>,
    /// Replace the register memberships.
    #[oai(nullable, validator(max_items = 5))]
    pub registers: Option<Vec<RegisterMembership>>,
    /// Set a new password; signs the user out everywhere.
    #[oai(
        nullable,
        validator(min_length = 10, max_length = 1024),
        deserialize_with = "crate::api::types::strict_opt_string"
    )]
    pub password: Option<String>,
    /// Disable (`true`) or re-enable (`false`) sign-in.
    #[oai(nullable)]
    pub disabled: Option<bool>,
}

fn registers_in(list: &[RegisterMembership]) -> Vec<RegisterInput> {
    list.iter()
        .map(|r| RegisterInput {
            register: r.register.into(),
            number: r.number.clone(),
            period_start: r.period_start,
        })
        .collect()
}

super::paging::page_type!(UserPage, User, "A page of users.");

#[derive(ApiResponse)]
enum UserList {
    /// A page of users.
    #[oai(status = 200)]
    Ok(Json<UserPage>),
}

#[derive(ApiResponse)]
enum UserOne {
    /// The user.
    #[oai(status = 200)]
    Ok(Json<User>),
}

#[derive(ApiResponse)]
enum UserCreated {
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<User>,
        /// URL of the new user.
        #[oai(header = "Location")]
        String,
    ),
}

/// User endpoints.
pub struct UsersApi;

#[OpenApi(prefix_path = "/api/v1")]
impl UsersApi {
    /// The signed-in user
    ///
    /// Own profile, roles, organisation and register memberships.
    #[oai(
        path = "/me",
        method = "get",
        operation_id = "getMe",
        tag = "ApiTags::Auth"
    )]
    async fn me(&self, state: Data<&Arc<AppState>>, auth: UserAuth) -> Result<UserOne, ApiError> {
        let view = users::get(&state.db, &auth.0, auth.0.id)
            .await
            .map_err(|e| match e {
                crate::error::DomainError::NotFound(_) => {
                    ApiError::invalid_token("the token's user no longer exists")
                }
                other => other.into(),
            })?;
        Ok(UserOne::Ok(Json(view.into())))
    }

    /// Change one's own preferences
    ///
    /// The language of mails, reminders on or off, and (for HR) how approval requests are
    /// mailed.
    #[oai(
        path = "/me",
        method = "patch",
        operation_id = "updateMe",
        tag = "ApiTags::Auth"
    )]
    async fn update_me(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        body: Json<PreferencesPatch>,
    ) -> Result<UserOne, ApiError> {
        let body = body.0;
        let view = users::set_preferences(
            &state.db,
            auth.0.id,
            users::Preferences {
                locale: body.locale.map(Into::into),
                reminders: body.reminders,
                approval_mails: body.approval_mails.map(Into::into),
            },
        )
        .await?;
        Ok(UserOne::Ok(Json(view.into())))
    }

    /// List users
    ///
    /// Admins see everyone (optionally of one organisation); HR and partner clients with
    /// `users:read` the people of their own organisation.
    #[oai(
        path = "/users",
        method = "get",
        operation_id = "listUsers",
        tag = "ApiTags::Users"
    )]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        /// Only users of this organisation.
        organization_id: Query<Option<Uuid>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<UserList, ApiError> {
        let page = PageRequest::parse(page_size(limit.0), cursor.0.as_deref())?;
        let (items, next_cursor) = users::list(&state.db, &auth.0, organization_id.0, page).await?;
        Ok(UserList::Ok(Json(UserPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// Create a user
    ///
    /// Admins create anyone; HR creates people of their own organisation, without `admin`.
    #[oai(
        path = "/users",
        method = "post",
        operation_id = "createUser",
        tag = "ApiTags::Users"
    )]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        auth: StaffAuth,
        body: Json<NewUser>,
    ) -> Result<UserCreated, ApiError> {
        let body = body.0;
        let input = DomainNewUser {
            email: body.email,
            name: body.name,
            organization_id: body.organization_id,
            roles: body.roles.into_iter().map(Into::into).collect(),
            registers: registers_in(&body.registers),
            invite: body.password.is_none(),
            password: body.password,
            locale: body.locale.map(Into::into),
        };
        let view = users::create(&state.db, &auth.0, input).await?;
        let location = format!("/api/v1/users/{}", view.user.id);
        Ok(UserCreated::Created(Json(view.into()), location))
    }

    /// Get a user
    ///
    /// Admins any user, HR and partner clients with `users:read` the people of their
    /// organisation, everyone themself.
    #[oai(
        path = "/users/:id",
        method = "get",
        operation_id = "getUser",
        tag = "ApiTags::Users"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
    ) -> Result<UserOne, ApiError> {
        let view = users::get(&state.db, &auth.0, id.0).await?;
        Ok(UserOne::Ok(Json(view.into())))
    }

    /// Change a user
    ///
    /// Admins change anyone; HR the non-admin people of their own organisation. Disabling,
    /// a new password, roles or organisation end the person's access tokens at once
    /// (their next request is 401). An erased person cannot be changed or restored
    /// (409 `user_erased`).
    #[oai(
        path = "/users/:id",
        method = "patch",
        operation_id = "updateUser",
        tag = "ApiTags::Users"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        auth: StaffAuth,
        id: Path<Uuid>,
        body: Json<UserPatch>,
    ) -> Result<UserOne, ApiError> {
        let body = body.0;
        let patch = DomainPatch {
            email: body.email,
            name: body.name,
            organization_id: body.organization_id,
            roles: body.roles.map(|r| r.into_iter().map(Into::into).collect()),
            registers: body.registers.as_deref().map(registers_in),
            password: body.password,
            disabled: body.disabled,
        };
        let view = users::update(&state.db, &auth.0, id.0, patch).await?;
        state.access.advance(view.user.id, view.user.token_version);
        Ok(UserOne::Ok(Json(view.into())))
    }
}
