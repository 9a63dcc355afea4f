//! Table-driven authorisation checks: cells of (caller, method, path, body, expected
//! status), all called, every mismatch collected and reported at once.

use std::fmt;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use uuid::Uuid;

use crate::helpers::TestApp;

/// One cell of a matrix; `W` names the caller.
pub struct Case<W> {
    pub who: W,
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
    pub expected: StatusCode,
}

impl<W: fmt::Debug> fmt::Display for Case<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {} {}", self.who, self.method, self.path)?;
        if let Some(body) = &self.body {
            write!(f, " {body}")?;
        }
        Ok(())
    }
}

/// The cells of a matrix, in the order they are called.
pub struct Table<W> {
    pub cases: Vec<Case<W>>,
    serial: u32,
}

impl<W> Default for Table<W> {
    fn default() -> Self {
        Self {
            cases: Vec::new(),
            serial: 0,
        }
    }
}

impl<W> Table<W> {
    pub fn add(
        &mut self,
        who: W,
        method: Method,
        path: impl Into<String>,
        body: Option<Value>,
        expected: StatusCode,
    ) {
        self.cases.push(Case {
            who,
            method,
            path: path.into(),
            body,
            expected,
        });
    }

    /// A fresh suffix for names and e-mail addresses that must be unique.
    pub fn unique(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }
}

/// Calls every cell in order and asserts that each answered the expected status and, for a
/// refusal, the problem `refusal_code` names for it. `token` gives each caller's token,
/// `describe` turns ids in a label into names.
pub async fn assert_cells<'a, W: Copy + fmt::Debug>(
    app: &TestApp,
    table: &Table<W>,
    token: impl Fn(W) -> Option<&'a str>,
    describe: impl Fn(&str) -> String,
    refusal_code: impl Fn(StatusCode) -> Option<&'static str>,
) {
    let mut mismatches = Vec::new();
    for case in &table.cases {
        let (status, body) = app
            .call(
                case.method.clone(),
                &case.path,
                token(case.who),
                case.body.clone(),
            )
            .await;
        let label = describe(&case.to_string());
        if status != case.expected {
            mismatches.push(format!(
                "{label}: expected {}, got {status}: {body}",
                case.expected
            ));
            continue;
        }
        if let Some(code) = refusal_code(status)
            && (body["code"] != code || body["status"] != status.as_u16())
        {
            mismatches.push(format!("{label}: expected a `{code}` problem, got {body}"));
        }
    }
    for m in &mismatches {
        eprintln!("MISMATCH {m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cells differ:\n{}",
        mismatches.len(),
        table.cases.len(),
        mismatches.join("\n")
    );
}

/// The problem code a refusal carries: 401 `invalid_token`, 403 `forbidden` and 404
/// `not_found` in every matrix, and `extra`, the codes of a matrix's own refusals.
pub fn refusals(
    extra: &'static [(StatusCode, &'static str)],
) -> impl Fn(StatusCode) -> Option<&'static str> {
    move |status| match status {
        StatusCode::UNAUTHORIZED => Some("invalid_token"),
        StatusCode::FORBIDDEN => Some("forbidden"),
        StatusCode::NOT_FOUND => Some("not_found"),
        other => extra
            .iter()
            .find(|(s, _)| *s == other)
            .map(|(_, code)| *code),
    }
}

/// `text` with the ids of `names` replaced by their names, for readable mismatches.
pub fn named<N: AsRef<str>>(text: &str, names: &[(Uuid, N)]) -> String {
    names.iter().fold(text.to_owned(), |t, (id, name)| {
        t.replace(&id.to_string(), name.as_ref())
    })
}
