//! `/api/v1/auth/password-reset` and its confirmation: choosing a password with the
//! single-use link of an invitation or a reset mail.

use std::sync::Arc;

use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::problem::ApiError;
use super::tags::ApiTags;
use super::types::strict_string;
use crate::domain::accounts;
use crate::state::AppState;

/// A request for a password-reset link.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ResetRequest {
    /// The account's e-mail address.
    #[oai(validator(max_length = 254), deserialize_with = "strict_string")]
    pub email: String,
}

/// A new password, set with the token of an invitation or reset link.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ResetConfirmation {
    /// The `token` of the link.
    #[oai(
        validator(min_length = 1, max_length = 100, pattern = "^[A-Za-z0-9_-]+$"),
        deserialize_with = "strict_string"
    )]
    pub token: String,
    /// The new password (10–1024 characters).
    #[oai(
        validator(min_length = 10, max_length = 1024),
        deserialize_with = "strict_string"
    )]
    pub password: String,
}

#[derive(ApiResponse)]
enum Accepted {
    /// Accepted. When the address belongs to an account, a link is on its way; the
    /// answer is the same when it does not.
    #[oai(status = 202)]
    Accepted,
}

#[derive(ApiResponse)]
enum PasswordSet {
    /// The password is set; every earlier sign-in of the account has ended.
    #[oai(status = 204)]
    Done,
}

/// Password-reset endpoints.
pub struct AccountsApi;

#[OpenApi(prefix_path = "/api/v1/auth", tag = "ApiTags::Auth")]
impl AccountsApi {
    /// Ask for a password-reset link
    ///
    /// Always 202, whether or not the address belongs to an account; an account that
    /// can sign in gets a mail with a link that works once, for an hour. Limited per
    /// client address and per account name (429 `rate_limited`).
    #[oai(
        path = "/password-reset",
        method = "post",
        operation_id = "requestPasswordReset"
    )]
    async fn request(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Json<ResetRequest>,
    ) -> Result<Accepted, ApiError> {
        accounts::request_reset(&state.db, &body.0.email, &state.client_key(req)).await?;
        Ok(Accepted::Accepted)
    }

    /// Set a password with a link's token
    ///
    /// For invitation and reset links alike. The token works once and only until it
    /// expires (422 `validation_failed` on `token` otherwise); the account's sessions all
    /// end.
    #[oai(
        path = "/password-reset/confirm",
        method = "post",
        operation_id = "confirmPasswordReset"
    )]
    async fn confirm(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<ResetConfirmation>,
    ) -> Result<PasswordSet, ApiError> {
        let person = accounts::set_password(&state.db, &body.0.token, &body.0.password).await?;
        state.access.advance(person.id, person.token_version);
        Ok(PasswordSet::Done)
    }
}
