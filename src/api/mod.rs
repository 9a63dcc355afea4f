//! The HTTP API: one module per resource, each an `#[OpenApi]` impl with its request and
//! response types. Handlers parse, authorise, call the domain and map the result.

pub mod auth;
pub mod clients;
pub mod organizations;
pub mod paging;
pub mod problem;
pub mod security;
pub mod system;
pub mod types;
pub mod users;

use poem_openapi::{OpenApiService, Tags};

/// Groups of operations in the document.
#[derive(Tags)]
pub enum ApiTags {
    /// Tokens, the signing keys, the caller's own profile.
    Auth,
    /// Municipalities, providers, certified institutions and the academy.
    Organizations,
    /// People and their roles and register memberships.
    Users,
    /// Partner clients (client credentials).
    Clients,
    /// Liveness, readiness and metrics.
    Operations,
}

/// All operations of the service.
pub type Api = (
    auth::AuthApi,
    organizations::OrganizationsApi,
    users::UsersApi,
    clients::ClientsApi,
    system::SystemApi,
);

/// The OpenAPI service; `public_url` is the server listed in the document.
pub fn service(public_url: &str) -> OpenApiService<Api, ()> {
    let api = (
        auth::AuthApi,
        organizations::OrganizationsApi,
        users::UsersApi,
        clients::ClientsApi,
        system::SystemApi,
    );
    OpenApiService::new(api, "Academy API", env!("CARGO_PKG_VERSION"))
        .description(
            "Learning-management backend of the regional youth-care academy: catalogue, \
             registrations, attendance, certificates, calendars and reports. Errors are \
             RFC 9457 problem+json with a stable `code`.",
        )
        .server(public_url.to_owned())
}
