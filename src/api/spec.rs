//! Reading the OpenAPI document: the schemas a schema refers to, and which path template
//! of the document a request path is an instance of.

/// The `$ref`s a schema holds, at any depth.
pub fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r.to_owned()),
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Whether a request path (split at `/`) is an instance of a path template of the
/// document (`/api/v1/users/{id}`, split at `/`).
pub fn template_matches(segments: &[String], parts: &[&str]) -> bool {
    segments.len() == parts.len()
        && segments
            .iter()
            .zip(parts)
            .all(|(s, p)| s == p || (s.starts_with('{') && !p.is_empty()))
}
