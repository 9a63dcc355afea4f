//! The OpenAPI document as partners' code generators read it. poem-openapi writes a few
//! things generators trip over; this rewrites them in the generated document (so the
//! committed file stays generated):
//!
//! - A property's description beside a `$ref` comes as `allOf: [{$ref}, {description}]`,
//!   which openapi-python-client cannot merge (it drops the schema): a plain `$ref`
//!   instead, the description living on the referenced schema.
//! - A nullable reference to an enum comes as an `allOf` whose enum has no `null`, so a
//!   strict validator refuses the `null` the service sends: the enum is written out with
//!   `null` among its values.
//! - Rust's integer and date formats (`uint32`, `naive-date` …) are not OpenAPI's:
//!   `int32`/`int64` with `minimum: 0`, and `date`. An `int64` whose bounds fit 32 bits is
//!   `int32`, so TypeScript generators do not make it a `bigint`.

use serde_json::{Map, Value, json};

use super::clients::Scope;

/// Every operation of the document.
fn operations_mut(doc: &mut Value) -> impl Iterator<Item = &mut Value> {
    doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
}

/// Rewrites the document in place.
pub fn for_partners(doc: &mut Value) {
    let schemas = doc["components"]["schemas"].clone();
    rewrite(doc, &schemas);
}

/// Gives each operation exactly the problem responses it can return, each listing its
/// codes (in the description, and machine-readable as `x-problem-codes`): the
/// framework's, following from the operation's shape, and the domain's from `refusals`.
/// poem-openapi gives every operation returning the shared error type all twelve.
///
/// - a parameter: 400 `invalid_parameter`; a query parameter (the domain checks their
///   combination) or one with bounds also 422 `validation_failed`;
/// - a body: 413 `payload_too_large`, 415 `unsupported_media_type`; a JSON body also 400
///   `malformed_body` and 422 `validation_failed`;
/// - a token: 401 `invalid_token`;
/// - always 500 `internal_error`, and 503 `database_unavailable` where the database is
///   used.
pub fn narrow_responses(doc: &mut Value, refusals: super::refusals::Refusals) {
    for op in operations_mut(doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        let mut allowed: Vec<(u16, Vec<&str>)> = Vec::new();
        let mut allow = |status: u16, codes: &[&'static str]| match allowed
            .iter_mut()
            .find(|(s, _)| *s == status)
        {
            Some((_, known)) => {
                for c in codes {
                    if !known.contains(c) {
                        known.push(c);
                    }
                }
            }
            None => allowed.push((status, codes.to_vec())),
        };
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        if !params.is_empty() {
            allow(400, &["invalid_parameter"]);
        }
        let constrained = |p: &Value| {
            ["minimum", "maximum", "minLength", "maxLength", "pattern"]
                .iter()
                .any(|k| p["schema"].get(*k).is_some())
        };
        if params.iter().any(|p| p["in"] == "query" || constrained(p)) {
            allow(422, &["validation_failed"]);
        }
        let body = op["requestBody"]["content"].as_object();
        if body.is_some() {
            allow(413, &["payload_too_large"]);
            allow(415, &["unsupported_media_type"]);
        }
        if body.is_some_and(|c| c.keys().any(|k| k.starts_with("application/json"))) {
            allow(400, &["malformed_body"]);
            allow(422, &["validation_failed"]);
        }
        if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
            allow(401, &["invalid_token"]);
        }
        for (_, statuses) in refusals.iter().filter(|(op_id, _)| *op_id == id) {
            for (status, codes) in *statuses {
                allow(*status, codes);
            }
        }
        allow(500, &["internal_error"]);
        if !matches!(id.as_str(), "health" | "metrics" | "getJwks") {
            allow(503, &["database_unavailable"]);
        }
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        responses.retain(|status, response| {
            let problem = response["content"]
                .as_object()
                .is_some_and(|c| c.contains_key("application/problem+json"));
            if !problem {
                return true;
            }
            let Some((_, codes)) = status
                .parse::<u16>()
                .ok()
                .and_then(|s| allowed.iter().find(|(a, _)| *a == s))
            else {
                return false;
            };
            let listed = codes
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let description = response["description"].as_str().unwrap_or_default();
            response["description"] = Value::from(format!("{description} Codes: {listed}."));
            response["x-problem-codes"] = json!(codes);
            true
        });
    }
}

/// Where one operation's answer feeds another: `(from, status, to, parameter, value)`,
/// the value a runtime expression on the answer (OpenAPI links), so that clients and
/// stateful testers (schemathesis) can follow a resource from its creation.
const LINKS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "createOrganization",
        "201",
        "getOrganization",
        "id",
        "$response.body#/id",
    ),
    (
        "createOrganization",
        "201",
        "updateOrganization",
        "id",
        "$response.body#/id",
    ),
    ("createUser", "201", "getUser", "id", "$response.body#/id"),
    (
        "createUser",
        "201",
        "updateUser",
        "id",
        "$response.body#/id",
    ),
    (
        "createUser",
        "201",
        "listUserRegistrations",
        "id",
        "$response.body#/id",
    ),
    (
        "createClient",
        "201",
        "revokeClient",
        "id",
        "$response.body#/client_id",
    ),
    (
        "createCourse",
        "201",
        "getCourse",
        "id",
        "$response.body#/id",
    ),
    (
        "createCourse",
        "201",
        "updateCourse",
        "id",
        "$response.body#/id",
    ),
    (
        "createCourse",
        "201",
        "createEdition",
        "id",
        "$response.body#/id",
    ),
    (
        "createCourse",
        "201",
        "listCourseEditions",
        "id",
        "$response.body#/id",
    ),
    (
        "createCourse",
        "201",
        "archiveCourse",
        "id",
        "$response.body#/id",
    ),
    (
        "createEdition",
        "201",
        "getEdition",
        "id",
        "$response.body#/id",
    ),
    (
        "createEdition",
        "201",
        "updateEdition",
        "id",
        "$response.body#/id",
    ),
    (
        "createEdition",
        "201",
        "createSession",
        "id",
        "$response.body#/id",
    ),
    (
        "createEdition",
        "201",
        "listSessions",
        "id",
        "$response.body#/id",
    ),
    (
        "createEdition",
        "201",
        "publishEdition",
        "id",
        "$response.body#/id",
    ),
    (
        "createEdition",
        "201",
        "createRegistration",
        "id",
        "$response.body#/id",
    ),
    (
        "createEdition",
        "201",
        "listEditionRegistrations",
        "id",
        "$response.body#/id",
    ),
    (
        "createEdition",
        "201",
        "cancelEdition",
        "id",
        "$response.body#/id",
    ),
    (
        "createSession",
        "201",
        "getSession",
        "id",
        "$response.body#/id",
    ),
    (
        "createSession",
        "201",
        "updateSession",
        "id",
        "$response.body#/id",
    ),
    (
        "createSession",
        "201",
        "listAttendance",
        "id",
        "$response.body#/id",
    ),
    (
        "createSession",
        "201",
        "deleteSession",
        "id",
        "$response.body#/id",
    ),
    (
        "createRegistration",
        "201",
        "getRegistration",
        "id",
        "$response.body#/id",
    ),
    (
        "createRegistration",
        "201",
        "getRegistrationHistory",
        "id",
        "$response.body#/id",
    ),
    (
        "createRegistration",
        "201",
        "cancelRegistration",
        "id",
        "$response.body#/id",
    ),
    (
        "createRegistration",
        "201",
        "approveRegistration",
        "id",
        "$response.body#/id",
    ),
    (
        "createRegistration",
        "201",
        "declineRegistration",
        "id",
        "$response.body#/id",
    ),
];

/// Adds [`LINKS`] to the answers they start from.
pub fn with_links(doc: &mut Value) {
    for op in operations_mut(doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        for (_, status, to, parameter, value) in LINKS.iter().filter(|l| l.0 == id) {
            let Some(response) = op["responses"].get_mut(*status) else {
                continue;
            };
            let mut name = String::from(*to);
            if let Some(first) = name.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            response["links"][name] = json!({
                "operationId": to,
                "parameters": { *parameter: value },
            });
        }
    }
}

/// Adds the OAuth2 scheme of the token endpoint (`token_url`): the password grant for
/// people and client credentials for partner clients, so `/docs`'s "Authorize" signs in.
/// Every operation that takes the bearer token takes it obtained this way too.
pub fn with_oauth2(doc: &mut Value, token_url: &str) {
    let scopes: Map<String, Value> = Scope::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), Value::from(s.description())))
        .collect();
    doc["components"]["securitySchemes"]["oauth2"] = json!({
        "type": "oauth2",
        "description": "The token endpoint: people sign in with the password grant (their \
            rights come from their roles), partner clients with client credentials (their \
            rights are the scopes they were granted).",
        "flows": {
            "password": {"tokenUrl": token_url, "scopes": {}},
            "clientCredentials": {"tokenUrl": token_url, "scopes": scopes},
        },
    });
    for op in operations_mut(doc) {
        let Some(security) = op.get_mut("security").and_then(Value::as_array_mut) else {
            continue;
        };
        if let Some(at) = security.iter().position(|r| r.get("bearerAuth").is_some()) {
            security.insert(at + 1, json!({"oauth2": []}));
        }
    }
}

fn rewrite(value: &mut Value, schemas: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(plain) = plain_reference(map, schemas) {
                *value = plain;
                return;
            }
            standard_format(map);
            for v in map.values_mut() {
                rewrite(v, schemas);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, schemas)),
        _ => {}
    }
}

/// `allOf: [{$ref}, {description, nullable?}]` as generators read it, or none when the
/// schema is something else.
fn plain_reference(map: &Map<String, Value>, schemas: &Value) -> Option<Value> {
    let [reference, extra] = map.get("allOf")?.as_array()?.as_slice() else {
        return None;
    };
    let target = reference.get("$ref")?.as_str()?;
    let extra = extra.as_object()?;
    if !extra.keys().all(|k| k == "description" || k == "nullable") {
        return None;
    }
    let nullable = map
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || extra
            .get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false);
    if !nullable {
        return Some(json!({ "$ref": target }));
    }
    let description = map.get("description").or_else(|| extra.get("description"));
    let name = target.strip_prefix("#/components/schemas/")?;
    let referenced = &schemas[name];
    let mut out = Map::new();
    match referenced["enum"].as_array() {
        Some(values) => {
            let mut values = values.clone();
            values.push(Value::Null);
            out.insert("type".into(), referenced["type"].clone());
            out.insert("enum".into(), Value::Array(values));
        }
        None => {
            out.insert("allOf".into(), json!([{ "$ref": target }]));
        }
    }
    out.insert("nullable".into(), Value::Bool(true));
    if let Some(d) = description {
        out.insert("description".into(), d.clone());
    }
    Some(Value::Object(out))
}

fn standard_format(map: &mut Map<String, Value>) {
    let Some(format) = map.get("format").and_then(Value::as_str) else {
        return;
    };
    let (standard, unsigned) = match format {
        "naive-date" => ("date", false),
        "uint8" | "uint16" | "uint32" => ("int32", true),
        "uint64" => ("int64", true),
        "int64" if fits_32_bits(map) => ("int32", false),
        _ => return,
    };
    map.insert("format".into(), Value::from(standard));
    if unsigned {
        let floor = map.get("minimum").and_then(Value::as_f64).unwrap_or(0.0);
        map.insert("minimum".into(), Value::from(floor.max(0.0) as i64));
    }
}

fn fits_32_bits(map: &Map<String, Value>) -> bool {
    let bound = |key: &str| map.get(key).and_then(Value::as_f64);
    matches!(
        (bound("minimum"), bound("maximum")),
        (Some(low), Some(high)) if low >= f64::from(i32::MIN) && high <= f64::from(i32::MAX)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_plain_and_nullable_enums_take_null() {
        let mut doc = json!({
            "components": {"schemas": {
                "Kind": {"type": "string", "enum": ["a", "b"], "description": "A kind."},
                "Thing": {"type": "object", "properties": {
                    "kind": {"allOf": [{"$ref": "#/components/schemas/Kind"}, {"description": "The kind."}], "description": "The kind."},
                    "was": {"allOf": [{"$ref": "#/components/schemas/Kind"}, {"description": "Before.", "nullable": true}], "description": "Before.", "nullable": true},
                    "other": {"allOf": [{"$ref": "#/components/schemas/Other"}, {"description": "An other.", "nullable": true}], "nullable": true},
                    "day": {"type": "string", "format": "naive-date"},
                    "count": {"type": "integer", "format": "uint32"},
                    "seats": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 100000},
                    "big": {"type": "integer", "format": "int64"}
                }},
                "Other": {"type": "object", "properties": {}}
            }}
        });
        for_partners(&mut doc);
        let p = &doc["components"]["schemas"]["Thing"]["properties"];
        assert_eq!(p["kind"], json!({"$ref": "#/components/schemas/Kind"}));
        assert_eq!(
            p["was"],
            json!({"type": "string", "enum": ["a", "b", null], "nullable": true, "description": "Before."})
        );
        assert_eq!(
            p["other"],
            json!({"allOf": [{"$ref": "#/components/schemas/Other"}], "nullable": true, "description": "An other."})
        );
        assert_eq!(p["day"]["format"], "date");
        assert_eq!(
            p["count"],
            json!({"type": "integer", "format": "int32", "minimum": 0})
        );
        assert_eq!(p["seats"]["format"], "int32");
        assert_eq!(p["big"]["format"], "int64");
    }
}
