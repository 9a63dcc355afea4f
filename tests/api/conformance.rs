//! Every answer a test gets through `TestApp::call` is one the document declares for its
//! operation: the status among the operation's responses and, for a problem, its `code`
//! among the codes that response lists (`x-problem-codes`). So the per-operation
//! responses are checked by the whole suite, not written once and trusted.

use std::collections::HashMap;
use std::sync::LazyLock;

use reqwest::StatusCode;
use serde_json::Value;

/// (method, path template) → status → the codes it may carry (none listed: any).
type Declared = HashMap<(String, String), HashMap<u16, Option<Vec<String>>>>;

static DECLARED: LazyLock<(Vec<String>, Declared)> = LazyLock::new(|| {
    let doc: Value = serde_json::from_str(&academy::openapi_json()).expect("the document");
    let mut templates = Vec::new();
    let mut declared = Declared::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        templates.push(path.clone());
        for (method, op) in item.as_object().expect("an operation") {
            let responses = op["responses"]
                .as_object()
                .expect("responses")
                .iter()
                .filter_map(|(status, r)| {
                    let codes = r["x-problem-codes"].as_array().map(|c| {
                        c.iter()
                            .filter_map(|c| c.as_str().map(str::to_owned))
                            .collect()
                    });
                    Some((status.parse().ok()?, codes))
                })
                .collect();
            declared.insert((method.clone(), path.clone()), responses);
        }
    }
    (templates, declared)
});

/// The template a concrete path is an instance of; a literal segment beats a parameter.
pub fn template_of<'a>(templates: &'a [String], path: &str) -> Option<&'a str> {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    templates
        .iter()
        .filter(|t| {
            let segments: Vec<&str> = t.split('/').collect();
            segments.len() == parts.len()
                && segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| s == p || (s.starts_with('{') && !p.is_empty()))
        })
        .max_by_key(|t| t.split('/').filter(|s| !s.starts_with('{')).count())
        .map(String::as_str)
}

/// Panics when the answer is not one the document declares (or, with
/// `ACADEMY_RECORD_RESPONSES=FILE`, appends it to the file instead).
pub fn check(method: &str, path: &str, status: StatusCode, body: &Value) {
    let (templates, declared) = &*DECLARED;
    let Some(template) = template_of(templates, path) else {
        return;
    };
    let Some(responses) = declared.get(&(method.to_owned(), template.to_owned())) else {
        // A method the path does not take: 405, which no operation declares.
        return;
    };
    let code = body["code"].as_str().filter(|_| !status.is_success());
    if let Ok(file) = std::env::var("ACADEMY_RECORD_RESPONSES") {
        use std::io::Write;
        let line = format!(
            "{method} {template} {} {}\n",
            status.as_u16(),
            code.unwrap_or("-")
        );
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .expect("the record file");
        f.write_all(line.as_bytes()).expect("recorded");
        return;
    }
    let Some(codes) = responses.get(&status.as_u16()) else {
        panic!(
            "{} {template} answered {status}, which the document does not declare \
             (it declares {:?}): {body}",
            method.to_uppercase(),
            responses.keys().collect::<Vec<_>>()
        );
    };
    if let (Some(code), Some(codes)) = (code, codes) {
        assert!(
            codes.iter().any(|c| c == code),
            "{} {template} answered {status} `{code}`, which the document does not list \
             for it ({codes:?}): {body}",
            method.to_uppercase()
        );
    }
}
