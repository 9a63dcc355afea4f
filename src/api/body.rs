//! JSON request bodies an operation cannot read, checked against the operation's own
//! schema in the served document: every problem named by its field path
//! (`records[3].status`) in the service's own words (`must be a whole number`), from
//! the kind of each schema violation, never from another crate's message text.
//!
//! The document is OpenAPI 3.0; its schemas are turned into JSON Schema 2019-09 for the
//! check (`nullable` becomes a `null` alternative, boolean `exclusiveMinimum` a bound).

use std::collections::HashSet;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, Validator};
use serde_json::{Map, Value, json};

use crate::error::FieldError;

/// The body checks of every operation that takes a JSON body.
pub struct BodyRules {
    /// (method in lower case, path template split at `/`) and its check.
    rules: Vec<(String, Vec<String>, Validator)>,
}

/// What a body is, for its operation.
pub enum Checked {
    /// Not JSON at all: the parser's position of the first error.
    Malformed(String),
    /// JSON, but not what the operation takes.
    Invalid(Vec<FieldError>),
    /// As the operation takes it (or an operation without a JSON body).
    Fine,
}

impl BodyRules {
    /// The checks of the request bodies in a document made by [`super::spec_json`].
    pub fn from_spec(spec: &str) -> Self {
        let doc: Value = serde_json::from_str(spec).unwrap_or_default();
        let schemas = doc["components"]["schemas"].clone();
        let mut rules = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let content = op["requestBody"]["content"].as_object();
                let Some(schema) = content
                    .into_iter()
                    .flatten()
                    .find(|(media, _)| media.starts_with("application/json"))
                    .map(|(_, body)| body["schema"].clone())
                else {
                    continue;
                };
                let Some(validator) = compile(&schema, &schemas) else {
                    tracing::warn!(method, path, "a request body schema does not compile");
                    continue;
                };
                let segments = path.split('/').map(str::to_owned).collect();
                rules.push((method.clone(), segments, validator));
            }
        }
        Self { rules }
    }

    /// Checks a JSON body sent to `method path`.
    pub fn check(&self, method: &str, path: &str, body: &[u8]) -> Checked {
        let parts: Vec<&str> = path.split('/').collect();
        let method = method.to_ascii_lowercase();
        let Some((_, _, validator)) = self.rules.iter().find(|(m, segments, _)| {
            *m == method
                && segments.len() == parts.len()
                && segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| s == p || (s.starts_with('{') && !p.is_empty()))
        }) else {
            return Checked::Fine;
        };
        // An empty body is read as `null`, as the operations read it.
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            body
        };
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return Checked::Malformed(format!(
                    "the body is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                ));
            }
        };
        let mut errors = Vec::new();
        for error in validator.iter_errors(&value) {
            let field = field_of(&error.instance_path().to_string());
            describe(&field, error.kind(), &mut errors);
        }
        let mut seen = HashSet::new();
        errors.retain(|e| seen.insert((e.field.clone(), e.message.clone())));
        if errors.is_empty() {
            Checked::Fine
        } else {
            Checked::Invalid(errors)
        }
    }
}

/// A body schema and the component schemas it reaches, as JSON Schema 2019-09.
fn compile(schema: &Value, schemas: &Value) -> Option<Validator> {
    let mut reached = HashSet::new();
    let mut pending = Vec::new();
    refs(schema, &mut pending);
    let mut defs = Map::new();
    while let Some(name) = pending.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        let def = schemas.get(&name)?;
        refs(def, &mut pending);
        defs.insert(name, to_json_schema(def));
    }
    let mut root = to_json_schema(schema);
    root["$schema"] = json!("https://json-schema.org/draft/2019-09/schema");
    root["$defs"] = Value::Object(defs);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft201909)
        .should_validate_formats(true)
        .build(&root)
        .ok()
}

/// The names of the component schemas a schema refers to.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => {
                        if let Some(name) = r.strip_prefix("#/components/schemas/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// OpenAPI 3.0's schema dialect as JSON Schema 2019-09.
fn to_json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "nullable" | "example" | "discriminator"))
                .map(|(k, v)| {
                    let v = match (k.as_str(), v.as_str()) {
                        ("$ref", Some(r)) => {
                            Value::from(r.replace("#/components/schemas/", "#/$defs/"))
                        }
                        _ => to_json_schema(v),
                    };
                    (k.clone(), v)
                })
                .collect();
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if out.get(flag) == Some(&Value::Bool(true)) {
                    match out.remove(bound) {
                        Some(limit) => out.insert(flag.to_owned(), limit),
                        None => out.remove(flag),
                    };
                } else if out.get(flag) == Some(&Value::Bool(false)) {
                    out.remove(flag);
                }
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                match out.get("type").and_then(Value::as_str).map(str::to_owned) {
                    Some(ty) => {
                        out.insert("type".into(), json!([ty, "null"]));
                    }
                    None => return json!({"anyOf": [{"type": "null"}, Value::Object(out)]}),
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}

/// `/records/3/status` as the problem names it: `records[3].status`; the root is `body`.
fn field_of(pointer: &str) -> String {
    let mut field = String::new();
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.parse::<usize>().is_ok() && !field.is_empty() {
            field.push_str(&format!("[{part}]"));
        } else {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(&part);
        }
    }
    if field.is_empty() {
        "body".to_owned()
    } else {
        field
    }
}

fn joined(parent: &str, name: &str) -> String {
    if parent == "body" {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// A bound as people write it: `0`, not `0.0`.
fn number(limit: &Value) -> String {
    match limit.as_f64() {
        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
        _ => limit.to_string(),
    }
}

fn type_words(ty: JsonType) -> &'static str {
    match ty {
        JsonType::Integer => "must be a whole number",
        JsonType::Number => "must be a number",
        JsonType::String => "must be a string",
        JsonType::Boolean => "must be true or false",
        JsonType::Array => "must be a list",
        JsonType::Object => "must be an object",
        JsonType::Null => "must be null",
    }
}

fn format_words(format: &str) -> String {
    match format {
        "uuid" => "must be a UUID".to_owned(),
        "date-time" => {
            "must be a date and time (RFC 3339, e.g. 2027-03-01T09:00:00+01:00)".to_owned()
        }
        "date" => "must be a date (YYYY-MM-DD)".to_owned(),
        "email" => "must be an e-mail address".to_owned(),
        "uri" | "url" => "must be a URL".to_owned(),
        other => format!("must be a valid {other}"),
    }
}

/// The problem(s) one schema violation stands for, in the service's words.
fn describe(field: &str, kind: &ValidationErrorKind, out: &mut Vec<FieldError>) {
    let push = |out: &mut Vec<FieldError>, field: &str, message: String| {
        out.push(FieldError::new(field, message));
    };
    match kind {
        ValidationErrorKind::Type { kind } => {
            let ty = match kind {
                TypeKind::Single(t) => *t,
                TypeKind::Multiple(set) => set
                    .iter()
                    .find(|t| *t != JsonType::Null)
                    .unwrap_or(JsonType::Null),
            };
            push(out, field, type_words(ty).to_owned());
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            push(out, &joined(field, name), "is required".to_owned());
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                push(
                    out,
                    &joined(field, name),
                    "is not a field of this request".to_owned(),
                );
            }
        }
        ValidationErrorKind::MinLength { limit: 1 } => {
            push(out, field, "must not be empty".to_owned());
        }
        ValidationErrorKind::MinLength { limit } => {
            push(out, field, format!("must be at least {limit} characters"));
        }
        ValidationErrorKind::MaxLength { limit } => {
            push(out, field, format!("must be at most {limit} characters"));
        }
        ValidationErrorKind::Pattern { .. } => {
            push(out, field, "has an invalid format".to_owned());
        }
        ValidationErrorKind::Enum { options } => {
            let names: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|o| format!("`{o}`"))
                .collect();
            push(out, field, format!("must be one of {}", names.join(", ")));
        }
        ValidationErrorKind::Minimum { limit } => {
            push(out, field, format!("must be at least {}", number(limit)));
        }
        ValidationErrorKind::Maximum { limit } => {
            push(out, field, format!("must be at most {}", number(limit)));
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            push(out, field, format!("must be more than {}", number(limit)));
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            push(out, field, format!("must be less than {}", number(limit)));
        }
        ValidationErrorKind::MinItems { limit } => {
            push(out, field, format!("must hold at least {limit} item(s)"));
        }
        ValidationErrorKind::MaxItems { limit } => {
            push(out, field, format!("must hold at most {limit} items"));
        }
        ValidationErrorKind::UniqueItems => {
            push(out, field, "must not hold the same item twice".to_owned());
        }
        ValidationErrorKind::Format { format } => push(out, field, format_words(format)),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // A nullable value: what was wrong with it as the non-null alternative.
            let branch = context.iter().find(|errors| {
                !errors.iter().all(|e| {
                    matches!(
                        e.kind(),
                        ValidationErrorKind::Type {
                            kind: TypeKind::Single(JsonType::Null)
                        }
                    )
                })
            });
            match branch {
                Some(errors) => {
                    for e in errors {
                        describe(&field_of(&e.instance_path().to_string()), e.kind(), out);
                    }
                }
                None => push(out, field, "is not valid".to_owned()),
            }
        }
        ValidationErrorKind::FalseSchema => {
            push(out, field, "is not a field of this request".to_owned());
        }
        _ => push(out, field, "is not valid".to_owned()),
    }
}

/// Field paths and messages of a body, for tests of this module.
#[cfg(test)]
fn problems(
    rules: &BodyRules,
    method: &str,
    path: &str,
    body: Value,
) -> std::collections::HashMap<String, String> {
    match rules.check(method, path, body.to_string().as_bytes()) {
        Checked::Invalid(errors) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
        _ => std::collections::HashMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> BodyRules {
        BodyRules::from_spec(&crate::openapi_json())
    }

    #[test]
    fn problems_name_the_field_in_plain_words() {
        let rules = rules();
        let p = problems(
            &rules,
            "POST",
            "/api/v1/courses/0190c2a4-0000-7000-8000-000000000000/editions",
            json!({"capacity": "12", "waitlist_enabled": 1, "extra": true}),
        );
        assert_eq!(p["capacity"], "must be a whole number", "{p:?}");
        assert_eq!(p["waitlist_enabled"], "must be true or false", "{p:?}");
        assert_eq!(p["extra"], "is not a field of this request", "{p:?}");
        let p = problems(
            &rules,
            "PUT",
            "/api/v1/sessions/0190c2a4-0000-7000-8000-000000000000/attendance",
            json!({"records": [{"registration_id": "not-a-uuid", "status": "there"}]}),
        );
        assert_eq!(p["records[0].registration_id"], "must be a UUID", "{p:?}");
        assert!(
            p["records[0].status"].starts_with("must be one of `present`"),
            "{p:?}"
        );
        let p = problems(
            &rules,
            "POST",
            "/api/v1/organizations",
            json!({"kind": "provider"}),
        );
        assert_eq!(p["name"], "is required", "{p:?}");
        assert!(matches!(
            rules.check("POST", "/api/v1/organizations", b"{\"name\": "),
            Checked::Malformed(_)
        ));
        // Null where the document allows it.
        let p = problems(
            &rules,
            "PATCH",
            "/api/v1/courses/0190c2a4-0000-7000-8000-000000000000",
            json!({"hours": null, "target_audience": null}),
        );
        assert!(p.is_empty(), "{p:?}");
        let p = problems(
            &rules,
            "PATCH",
            "/api/v1/courses/0190c2a4-0000-7000-8000-000000000000",
            json!({"hours": 0}),
        );
        assert_eq!(p["hours"], "must be more than 0", "{p:?}");
    }

    #[test]
    fn field_paths_read_as_the_request_writes_them() {
        assert_eq!(field_of(""), "body");
        assert_eq!(field_of("/capacity"), "capacity");
        assert_eq!(field_of("/records/3/status"), "records[3].status");
        assert_eq!(field_of("/topics/1"), "topics[1]");
    }
}
