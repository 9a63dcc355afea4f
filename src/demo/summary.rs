//! What loading the demo created, and the accounts to try it with.

/// One account to try the demo with.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// What the account is for: `admin`, `trainer`, `hr` or `professional`.
    pub role: &'static str,
    /// Full name.
    pub name: String,
    /// E-mail address (the user name of the password grant).
    pub email: String,
    /// The password; `None` for an admin account that existed before and kept its own.
    pub password: Option<String>,
}

/// What `load` created.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// One admin, trainer, HR user and professional to sign in as.
    pub logins: Vec<DemoLogin>,
    /// Organisations created.
    pub organizations: usize,
    /// Users created (the admin included when it was created).
    pub users: usize,
    /// Courses created.
    pub courses: usize,
    /// Editions created.
    pub editions: usize,
    /// Sessions created.
    pub sessions: usize,
    /// Registrations created.
    pub registrations: usize,
    /// How long loading took.
    pub elapsed: std::time::Duration,
}

impl DemoSummary {
    /// The summary and the logins as lines for the terminal.
    pub fn describe(&self, public_url: &str) -> String {
        let mut out = format!(
            "demo data loaded in {} ms: {} organisations, {} users, {} courses, {} editions, \
             {} sessions, {} registrations\n\ndemo logins (password grant at \
             {public_url}/api/v1/auth/token):\n",
            self.elapsed.as_millis(),
            self.organizations,
            self.users,
            self.courses,
            self.editions,
            self.sessions,
            self.registrations,
        );
        for login in &self.logins {
            let password = login
                .password
                .as_deref()
                .unwrap_or("(existing account: its own password)");
            out.push_str(&format!(
                "  {:<13} {:<45} {password}   ({})\n",
                login.role, login.email, login.name
            ));
        }
        out.push_str(&format!("\nAPI documentation: {public_url}/docs"));
        out
    }
}
