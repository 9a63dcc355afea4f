//! The committed OpenAPI document is what the code produces, and it is complete.

use serde_json::Value;

const REGENERATE: &str = "cargo run --quiet -- openapi > openapi/openapi.json";

#[test]
fn the_committed_spec_is_up_to_date() {
    let generated = academy::openapi_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(path, format!("{generated}\n")).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is stale; regenerate it with `{REGENERATE}` \
         (or UPDATE_OPENAPI=1 cargo test --test api openapi)"
    );
}

#[test]
fn every_operation_has_a_tag_an_id_and_documented_responses() {
    let spec: Value = serde_json::from_str(&academy::openapi_json()).unwrap();
    let mut ids = std::collections::HashSet::new();
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 10);
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no operationId"));
            assert!(
                ids.insert(id.to_owned()),
                "{name}: duplicate operationId {id}"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: no tag"
            );
            assert!(op["summary"].is_string(), "{name}: no summary");
            let responses = op["responses"].as_object().unwrap();
            assert!(!responses.is_empty(), "{name}: no responses");
            for (status, r) in responses {
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{name} {status}: undocumented response"
                );
            }
            // Each problem response says which codes it carries; the shared error type
            // no longer gives every operation every status.
            for (status, r) in responses {
                if r["content"].get("application/problem+json").is_some() {
                    assert!(
                        r["x-problem-codes"]
                            .as_array()
                            .is_some_and(|c| !c.is_empty()),
                        "{name} {status}: no codes listed"
                    );
                }
            }
            if op["requestBody"]["content"]
                .get("application/json; charset=utf-8")
                .is_some()
                || op["requestBody"]["content"]
                    .get("application/json")
                    .is_some()
            {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{name}: {status} not declared"
                    );
                }
            }
        }
    }
    // The table of refusals names exactly the document's operations.
    let table: Vec<&str> = academy::api::refusals::REFUSALS
        .iter()
        .map(|(id, _)| *id)
        .collect();
    let mut missing: Vec<&String> = ids
        .iter()
        .filter(|id| !table.contains(&id.as_str()))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "operations without refusals: {missing:?}"
    );
    for id in &table {
        assert!(ids.contains(*id), "refusals of an unknown operation {id}");
    }
    // Every link leads to an operation that takes the parameter, from a field the answer
    // has.
    let mut by_id = std::collections::HashMap::new();
    for item in paths.values() {
        for op in item.as_object().unwrap().values() {
            by_id.insert(op["operationId"].as_str().unwrap().to_owned(), op.clone());
        }
    }
    let mut links = 0;
    for op in by_id.values() {
        for (status, response) in op["responses"].as_object().unwrap() {
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                links += 1;
                let target = &by_id[link["operationId"].as_str().unwrap()];
                for (param, value) in link["parameters"].as_object().unwrap() {
                    assert!(
                        target["parameters"]
                            .as_array()
                            .is_some_and(|ps| ps.iter().any(|p| p["name"] == param.as_str())),
                        "{name}: {} takes no `{param}`",
                        link["operationId"]
                    );
                    let field = value
                        .as_str()
                        .unwrap()
                        .strip_prefix("$response.body#/")
                        .unwrap();
                    let schema = &response["content"]["application/json; charset=utf-8"]["schema"];
                    let schema_name = schema["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
                    assert!(
                        spec["components"]["schemas"][schema_name]["properties"][field].is_object(),
                        "{name} ({status}): the answer has no `{field}`"
                    );
                }
            }
        }
    }
    assert!(links >= 20, "{links} links");
    // A public read does not claim conflicts or oversized bodies.
    let course = &spec["paths"]["/api/v1/courses/{id}"]["get"]["responses"];
    let mut statuses: Vec<&String> = course.as_object().unwrap().keys().collect();
    statuses.sort();
    assert_eq!(statuses, ["200", "400", "401", "404", "500", "503"]);
    // Every schema property is documented.
    for (schema_name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if let Some(props) = schema["properties"].as_object() {
            for (prop, def) in props {
                let described = def["description"].is_string()
                    || def["allOf"].is_array()
                    || def["$ref"].is_string();
                assert!(described, "{schema_name}.{prop} has no description");
            }
        }
    }
}

/// What partners' code generators and strict validators trip over is gone from the
/// document: a description beside a `$ref` in an `allOf`, non-standard formats, a
/// nullable enum without `null`.
#[test]
fn the_document_is_plain_for_code_generators() {
    let spec: Value = serde_json::from_str(&academy::openapi_json()).unwrap();
    let schemas = spec["components"]["schemas"].clone();
    let standard = [
        "int32",
        "int64",
        "float",
        "double",
        "byte",
        "binary",
        "date",
        "date-time",
        "password",
        "uuid",
        "email",
        "uri",
    ];
    let mut problems = Vec::new();
    walk(&spec, "", &mut |path, v| {
        if let Some(all) = v["allOf"].as_array()
            && all.iter().any(|s| s.get("$ref").is_none())
        {
            problems.push(format!("{path}: allOf with an entry that is not a $ref"));
        }
        if let Some(format) = v["format"].as_str() {
            if !standard.contains(&format) {
                problems.push(format!("{path}: format {format}"));
            }
            if v["format"] == "int64" && v["maximum"].as_f64().is_some_and(|m| m <= 2.0e9) {
                problems.push(format!("{path}: int64 for a small number"));
            }
        }
        if v["nullable"] == true {
            if let Some(values) = v["enum"].as_array()
                && !values.contains(&Value::Null)
            {
                problems.push(format!("{path}: nullable enum without null"));
            }
            if let Some(all) = v["allOf"].as_array() {
                for r in all.iter().filter_map(|s| s["$ref"].as_str()) {
                    let name = r.trim_start_matches("#/components/schemas/");
                    if schemas[name]["enum"].is_array() {
                        problems.push(format!("{path}: nullable reference to the enum {name}"));
                    }
                }
            }
        }
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Where signing in is optional, the document says so: generated clients then send
    // the token they have (an admin's catalogue includes drafts).
    for path in [
        "/api/v1/editions",
        "/api/v1/editions/{id}",
        "/api/v1/courses",
    ] {
        assert_eq!(
            spec["paths"][path]["get"]["security"],
            serde_json::json!([{"bearerAuth": []}, {"oauth2": []}, {}]),
            "{path}"
        );
    }
    // The history's `from` is null for a registration's first entry, and says so.
    let from = &schemas["RegistrationEvent"]["properties"]["from"];
    assert!(
        from["enum"].as_array().unwrap().contains(&Value::Null),
        "{from}"
    );
}

fn walk(value: &Value, path: &str, f: &mut impl FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            f(path, value);
            for (k, v) in map {
                walk(v, &format!("{path}/{k}"), f);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}[{i}]"), f);
            }
        }
        _ => {}
    }
}
