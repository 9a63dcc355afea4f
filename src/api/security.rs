//! Authentication as types. `Auth` is the bearer-JWT security scheme: obtaining one *is*
//! the token check. The narrower extractors (`AdminAuth`, `UserAuth`, `StaffAuth`) are the
//! role checks; a handler that takes one cannot run for anyone else.

use std::sync::Arc;

use entity::Role;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::api::problem::ApiError;
use crate::auth::tokens::{Principal, SubjectKind};
use crate::state::AppState;

async fn verify(req: &Request, bearer: &Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<Arc<AppState>>()
        .ok_or_else(|| poem::Error::from_status(poem::http::StatusCode::INTERNAL_SERVER_ERROR))?;
    Ok(verify_token(state, &bearer.token).await?)
}

/// A token's subject, if the token is valid and its access was not ended since it was
/// issued (a person disabled, erased, or changed in roles, organisation or password).
async fn verify_token(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let principal = state
        .tokens
        .verify(token)
        .ok_or_else(|| ApiError::invalid_token("the token is invalid or expired"))?;
    if principal.kind == SubjectKind::User
        && !state
            .access
            .admits(&state.db, principal.id, principal.version)
            .await
            .map_err(ApiError::from)?
    {
        return Err(ApiError::invalid_token(
            "the token's access has ended; sign in again",
        ));
    }
    Ok(principal)
}

/// Any valid access token: a user or a partner client.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_any"
)]
pub struct Auth(pub Principal);

async fn check_any(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    verify(req, &bearer).await
}

/// A signed-in person (not a partner client).
#[derive(SecurityScheme)]
#[oai(
    rename = "bearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_user"
)]
pub struct UserAuth(pub Principal);

async fn check_user(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let p = verify(req, &bearer).await?;
    if p.kind != SubjectKind::User {
        return Err(
            ApiError::forbidden("this operation is for signed-in people, not clients").into(),
        );
    }
    Ok(p)
}

/// An admin.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_admin"
)]
pub struct AdminAuth(pub Principal);

async fn check_admin(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let p = verify(req, &bearer).await?;
    if !p.is_admin() {
        return Err(ApiError::forbidden("this operation is for admins").into());
    }
    Ok(p)
}

/// An admin or HR of an organisation (who manage people).
#[derive(SecurityScheme)]
#[oai(
    rename = "bearerAuth",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_staff"
)]
pub struct StaffAuth(pub Principal);

async fn check_staff(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let p = verify(req, &bearer).await?;
    if !(p.is_admin() || p.has_role(Role::Hr)) {
        return Err(ApiError::forbidden("this operation is for admins and HR").into());
    }
    Ok(p)
}

/// Signing in is optional: the document declares the bearer token or nothing
/// (`security: [{bearerAuth: []}, {}]`), so generated clients send the token they have.
/// Read it with [`optional_principal`].
#[derive(SecurityScheme)]
pub enum MaybeAuth {
    /// A valid token.
    Signed(Auth),
    /// No token, or one that failed: [`optional_principal`] tells them apart.
    #[oai(fallback)]
    Anonymous,
}

/// The caller of a public operation, if they sent a token. A token that is sent must be
/// valid: a bad one is 401, not silently anonymous.
pub async fn optional_principal(
    req: &Request,
    state: &AppState,
    auth: MaybeAuth,
) -> Result<Option<Principal>, ApiError> {
    if let MaybeAuth::Signed(Auth(principal)) = auth {
        return Ok(Some(principal));
    }
    // No token, or a bad one: which, and why.
    let Some(value) = req.headers().get(poem::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or_else(|| {
            ApiError::invalid_token("the Authorization header must be a bearer token")
        })?;
    verify_token(state, token.trim()).await.map(Some)
}
