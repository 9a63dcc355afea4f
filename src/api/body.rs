//! JSON request bodies (and parameters) an operation cannot read, checked against the
//! operation's own schema in the served document: every problem named by its field path
//! (`records[3].status`) in the service's own words (`must be a whole number`), from
//! the kind of each schema violation, never from another crate's message text.
//!
//! The document is OpenAPI 3.0; its schemas are turned into JSON Schema 2019-09 for the
//! check (`nullable` becomes a `null` alternative, boolean `exclusiveMinimum` a bound).

use std::collections::HashSet;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, Validator};
use serde_json::{Map, Value, json};

use super::spec::{collect_refs, template_matches};
use crate::error::FieldError;

/// The body checks of every operation that takes a JSON body, and the checks of every
/// operation's parameters.
pub struct BodyRules {
    /// (method in lower case, path template split at `/`) and its check.
    rules: Vec<(String, Vec<String>, Check)>,
    /// (method, path template split at `/`, parameter name, where, type, check).
    params: Vec<(String, Vec<String>, Param)>,
}

/// One parameter of an operation.
struct Param {
    name: String,
    place: Place,
    ty: String,
    validator: Check,
}

/// Where a parameter is sent.
#[derive(PartialEq)]
enum Place {
    Path,
    Query,
    /// A header: one that breaks its rules makes the request malformed (400), and its
    /// value, which may be a secret of the caller's, is not repeated.
    Header {
        rule: String,
    },
}

/// A schema as JSON Schema 2019-09, compiled the first time a refused request needs it
/// (most never are: nothing is compiled at start-up).
struct Check {
    schema: Value,
    compiled: OnceLock<Option<Validator>>,
}

impl Check {
    fn new(schema: &Value, schemas: &Value) -> Option<Self> {
        Some(Self {
            schema: json_schema(schema, schemas)?,
            compiled: OnceLock::new(),
        })
    }

    fn validator(&self) -> Option<&Validator> {
        self.compiled
            .get_or_init(|| {
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft201909)
                    .should_validate_formats(true)
                    .build(&self.schema)
                    .map_err(|e| tracing::warn!(error = %e, "a request schema does not compile"))
                    .ok()
            })
            .as_ref()
    }
}

/// What a refused request was, for [`BodyRules::problem`].
pub struct Request<'a> {
    /// Its method.
    pub method: &'a str,
    /// Its path.
    pub path: &'a str,
    /// Its query string (without `?`).
    pub query: &'a str,
    /// Its JSON body, if it had one.
    pub body: Option<&'a [u8]>,
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
    pub fn from_spec(doc: &Value) -> Self {
        let schemas = doc["components"]["schemas"].clone();
        let mut rules = Vec::new();
        let mut params = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let content = op["requestBody"]["content"].as_object();
                let segments: Vec<String> = path.split('/').map(str::to_owned).collect();
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let (Some(name), Some(validator)) =
                        (p["name"].as_str(), Check::new(&p["schema"], &schemas))
                    else {
                        continue;
                    };
                    let place = match p["in"].as_str() {
                        Some("path") => Place::Path,
                        Some("header") => Place::Header {
                            rule: header_rule(&p["schema"]),
                        },
                        _ => Place::Query,
                    };
                    let param = Param {
                        name: name.to_owned(),
                        place,
                        ty: p["schema"]["type"].as_str().unwrap_or("string").to_owned(),
                        validator,
                    };
                    params.push((method.clone(), segments.clone(), param));
                }
                let Some(schema) = content
                    .into_iter()
                    .flatten()
                    .find(|(media, _)| media.starts_with("application/json"))
                    .map(|(_, body)| body["schema"].clone())
                else {
                    continue;
                };
                let Some(validator) = Check::new(&schema, &schemas) else {
                    continue;
                };
                rules.push((method.clone(), segments, validator));
            }
        }
        Self { rules, params }
    }

    /// What is wrong with parameter `name` of a request to `method path` with the query
    /// string `query`: `Err` when its text is not of the parameter's type, or a header
    /// breaks its rules (400), the problems when it breaks the parameter's rules (422).
    pub fn check_param(
        &self,
        method: &str,
        path: &str,
        query: &str,
        name: &str,
    ) -> Result<Vec<FieldError>, String> {
        let parts: Vec<&str> = path.split('/').collect();
        let method = method.to_ascii_lowercase();
        let Some((_, segments, param)) = self.params.iter().find(|(m, segments, p)| {
            *m == method && p.name == name && template_matches(segments, &parts)
        }) else {
            return Ok(Vec::new());
        };
        if let Place::Header { rule } = &param.place {
            return Err(format!("`{name}` must be {rule}"));
        }
        let raw: Option<String> = if param.place == Place::Path {
            segments
                .iter()
                .position(|s| *s == format!("{{{name}}}"))
                .and_then(|i| parts.get(i))
                .map(|p| (*p).to_owned())
        } else {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
                .find(|(k, _)| *k == name)
                .map(|(_, v)| percent_decoded(v))
        };
        let Some(raw) = raw else {
            return Ok(vec![FieldError::new(name, "is required")]);
        };
        let value = match param.ty.as_str() {
            "integer" => raw
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{name}` {}", type_words(JsonType::Integer)))?,
            "number" => raw
                .parse::<f64>()
                .ok()
                .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                .ok_or_else(|| format!("`{name}` {}", type_words(JsonType::Number)))?,
            "boolean" => match raw.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(format!("`{name}` must be `true` or `false`")),
            },
            _ => Value::String(raw),
        };
        let Some(validator) = param.validator.validator() else {
            return Ok(Vec::new());
        };
        let mut errors = Vec::new();
        for error in validator.iter_errors(&value) {
            // A value that is not of the parameter's kind (a UUID, a date) is malformed.
            if let ValidationErrorKind::Format { format } = error.kind() {
                return Err(format!("`{name}` {}", format_words(format)));
            }
            describe(name, error.kind(), &mut errors);
        }
        Ok(errors)
    }

    /// The problem document for an error that reached the top of the app: a body or
    /// parameter the operation could not read is checked here and every problem named;
    /// anything else as [`super::problem::problem_from_poem_error`] says.
    pub fn problem(&self, err: poem::Error, req: &Request<'_>) -> poem::Response {
        use super::problem::{ApiError, problem_from_poem_error};
        use poem::IntoResponse;
        let invalid = |errors| ApiError::from(crate::error::DomainError::Validation(errors));
        if let Some(bytes) = req.body
            && err.is::<poem_openapi::error::ParseRequestPayloadError>()
        {
            return match self.check(req.method, req.path, bytes) {
                Checked::Malformed(detail) => {
                    ApiError::bad_request("malformed_body", detail).into_response()
                }
                Checked::Invalid(errors) => invalid(errors).into_response(),
                Checked::Fine => problem_from_poem_error(err),
            };
        }
        if let Some(e) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
            match self.check_param(req.method, req.path, req.query, e.name) {
                Err(detail) => {
                    return ApiError::bad_request(
                        "invalid_parameter",
                        format!("parameter {detail}"),
                    )
                    .into_response();
                }
                Ok(errors) if !errors.is_empty() => return invalid(errors).into_response(),
                Ok(_) => {}
            }
        }
        problem_from_poem_error(err)
    }

    /// Checks a JSON body sent to `method path`.
    pub fn check(&self, method: &str, path: &str, body: &[u8]) -> Checked {
        let parts: Vec<&str> = path.split('/').collect();
        let method = method.to_ascii_lowercase();
        let Some(validator) = self
            .rules
            .iter()
            .find(|(m, segments, _)| *m == method && template_matches(segments, &parts))
            .and_then(|(_, _, check)| check.validator())
        else {
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

/// A query value with `+` and `%XX` decoded.
fn percent_decoded(raw: &str) -> String {
    let bytes = raw.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A schema and the component schemas it reaches, as one JSON Schema 2019-09 document.
fn json_schema(schema: &Value, schemas: &Value) -> Option<Value> {
    let mut reached = HashSet::new();
    let mut pending = Vec::new();
    collect_refs(schema, &mut pending);
    let mut defs = Map::new();
    while let Some(reference) = pending.pop() {
        let name = reference.strip_prefix("#/components/schemas/")?.to_owned();
        if !reached.insert(name.clone()) {
            continue;
        }
        let def = schemas.get(&name)?;
        collect_refs(def, &mut pending);
        defs.insert(name, to_json_schema(def));
    }
    let mut root = to_json_schema(schema);
    root["$schema"] = json!("https://json-schema.org/draft/2019-09/schema");
    root["$defs"] = Value::Object(defs);
    Some(root)
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

/// What a header's schema asks of its value, in words: "1 to 255 characters matching
/// `^[\x21-\x7e]+$`".
fn header_rule(schema: &Value) -> String {
    let length = match (schema["minLength"].as_u64(), schema["maxLength"].as_u64()) {
        (Some(min), Some(max)) => format!("{min} to {max} characters"),
        (Some(min), None) => format!("at least {min} characters"),
        (None, Some(max)) => format!("at most {max} characters"),
        (None, None) => "a text".to_owned(),
    };
    match schema["pattern"].as_str() {
        Some(pattern) => format!("{length} matching `{pattern}`"),
        None => length,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> BodyRules {
        BodyRules::from_spec(&serde_json::from_str(&crate::openapi_json()).expect("the document"))
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
