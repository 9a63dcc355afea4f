//! The HTTP API: one module per resource, each an `#[OpenApi]` impl with its request and
//! response types. Handlers parse, authorise, call the domain and map the result.

pub mod accounts;
pub mod attendance;
pub mod auth;
pub mod body;
pub mod calendar;
pub mod certificates;
pub mod clients;
pub mod courses;
pub mod document;
pub mod editions;
pub mod evaluations;
pub mod messages;
pub mod organizations;
pub mod paging;
pub mod privacy;
pub mod problem;
pub mod refusals;
pub mod registrations;
pub mod reports;
pub mod security;
pub mod sessions;
pub mod spec;
pub mod system;
pub mod tags;
pub mod teaching;
pub mod types;
pub mod users;
pub mod webhooks;
pub mod wire;

use poem_openapi::OpenApiService;

/// All operations of the service.
pub type Api = (
    auth::AuthApi,
    accounts::AccountsApi,
    organizations::OrganizationsApi,
    users::UsersApi,
    clients::ClientsApi,
    courses::CoursesApi,
    // An edition, its sessions and a trainer's editions: the catalogue's dated part.
    (
        editions::EditionsApi,
        sessions::SessionsApi,
        teaching::TeachingApi,
    ),
    registrations::RegistrationsApi,
    attendance::AttendanceApi,
    certificates::CertificatesApi,
    evaluations::EvaluationsApi,
    calendar::CalendarApi,
    reports::ReportsApi,
    // Tuples implement OpenApi up to 16 members: what reaches people and partners is one.
    (messages::MessagesApi, webhooks::WebhooksApi),
    privacy::PrivacyApi,
    system::SystemApi,
);

/// The OpenAPI service; `public_url` is the server listed in the document.
pub fn service(public_url: &str) -> OpenApiService<Api, ()> {
    let api = (
        auth::AuthApi,
        accounts::AccountsApi,
        organizations::OrganizationsApi,
        users::UsersApi,
        clients::ClientsApi,
        courses::CoursesApi,
        (
            editions::EditionsApi,
            sessions::SessionsApi,
            teaching::TeachingApi,
        ),
        registrations::RegistrationsApi,
        attendance::AttendanceApi,
        certificates::CertificatesApi,
        evaluations::EvaluationsApi,
        calendar::CalendarApi,
        reports::ReportsApi,
        (messages::MessagesApi, webhooks::WebhooksApi),
        privacy::PrivacyApi,
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

/// The OpenAPI document as served and committed: [`annotated_spec`], rewritten for
/// partners' code generators ([`document::for_partners`]).
pub fn spec_json(public_url: &str) -> String {
    let raw = annotated_spec(public_url);
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&raw) else {
        return raw;
    };
    document::for_partners(&mut doc);
    document::narrow_responses(&mut doc, refusals::REFUSALS);
    document::with_links(&mut doc);
    let token_url = format!("{}/api/v1/auth/token", public_url.trim_end_matches('/'));
    document::with_oauth2(&mut doc, &token_url);
    serde_json::to_string_pretty(&doc).unwrap_or(raw)
}

/// The `/docs` page: poem-openapi's Swagger UI, loading the served `/openapi.json` (the
/// document partners get, with its OAuth2 scheme for "Authorize") instead of embedding
/// poem-openapi's own copy.
pub fn docs_html(service: &OpenApiService<Api, ()>) -> String {
    let embedded = format!("let spec = {};", service.spec());
    service
        .swagger_ui_html()
        .replacen(&embedded, "", 1)
        .replacen("spec: spec,", "url: \"/openapi.json\",", 1)
        .replacen("<title>Swagger UI</title>", "<title>Academy API</title>", 1)
}

/// poem-openapi's document, before [`spec_json`]'s rewrites for partners. poem-openapi
/// does not mark request objects that refuse unknown fields; this
/// adds `additionalProperties: false` to every schema reachable from a JSON request
/// body, so the document tells the truth.
pub fn annotated_spec(public_url: &str) -> String {
    let raw = service(public_url).spec();
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&raw) else {
        return raw;
    };
    let mut pending = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values() {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                let content = op["requestBody"]["content"].as_object();
                for (media, body) in content.into_iter().flatten() {
                    if media.starts_with("application/json") {
                        spec::collect_refs(&body["schema"], &mut pending);
                    }
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    while let Some(reference) = pending.pop() {
        let Some(name) = reference.strip_prefix("#/components/schemas/") else {
            continue;
        };
        if !seen.insert(name.to_owned()) {
            continue;
        }
        let schema = &mut doc["components"]["schemas"][name];
        if schema["type"] == "object" {
            schema["additionalProperties"] = serde_json::Value::Bool(false);
        }
        spec::collect_refs(schema, &mut pending);
    }
    serde_json::to_string_pretty(&doc).unwrap_or(raw)
}

/// Which methods each path of the document takes, for the `Allow` header of 405s.
pub struct AllowTable(Vec<(Vec<String>, String)>);

impl AllowTable {
    /// Builds the table from a document made by [`spec_json`].
    pub fn from_spec(doc: &serde_json::Value) -> Self {
        let mut rows = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                let segments = path.split('/').map(str::to_owned).collect();
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|o| o.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                methods.sort();
                rows.push((segments, methods.join(", ")));
            }
        }
        Self(rows)
    }

    /// The `Allow` value for a request path, if the path exists.
    pub fn allow(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(segments, _)| spec::template_matches(segments, &parts))
            .map(|(_, methods)| methods.as_str())
    }
}
