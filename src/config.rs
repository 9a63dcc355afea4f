//! Typed settings from the environment (`ACADEMY_*`), with an optional `academy.toml`
//! (or the file named by `ACADEMY_CONFIG`) supplying the same keys in lower case.
//! The environment wins over the file; defaults work on a fresh machine.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};

/// The service's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Database URL: `sqlite://…` (default, a file in the working directory) or `postgres://…`.
    pub database_url: String,
    /// Maximum connections in the pool.
    pub database_max_connections: u32,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Public base URL (links in feeds and certificates; the token issuer).
    pub public_url: String,
    /// The academy's name: the issuer on certificates and credentials, the calendars'
    /// organiser.
    pub academy_name: String,
    /// Directory for signing keys and other state.
    pub data_dir: PathBuf,
    /// An explicit Ed25519 signing key (PKCS#8 PEM file); else one is kept in the data dir.
    pub signing_key_file: Option<PathBuf>,
    /// Key material of check-in codes and feed tokens (at least 32 bytes); else
    /// `secret.key` in the data dir, created on first start.
    pub secret_key_file: Option<PathBuf>,
    /// Expected `aud` of access tokens.
    pub token_audience: String,
    /// First admin's e-mail, created when no admin exists.
    pub bootstrap_admin_email: Option<String>,
    /// First admin's password.
    pub bootstrap_admin_password: Option<String>,
    /// Log format: `text` or `json`.
    pub log_format: LogFormat,
    /// Reverse proxies (addresses or CIDR ranges) whose `Forwarded` / `X-Forwarded-For`
    /// headers name the client; from anyone else those headers are ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Mail server in lettre's URL form (`smtps://user:pass@host:465`,
    /// `smtp://user:pass@host:587?tls=required`, `smtp://host:25` on a trusted network);
    /// without one every message is written as an `.eml` file under `data_dir/mail`. It
    /// may hold a password: never logged.
    pub smtp_url: Option<String>,
    /// The academy's sender address (`opleidingen@…`, optionally `Name <address>`); also
    /// the calendars' organiser. Defaults to `agenda@` the public host.
    pub mail_from: String,
    /// A partner frontend's page for setting a password; the links in invitations and
    /// resets then go there (`…?token=…`) instead of the service's own form.
    pub account_url: Option<String>,
    /// Delay before the first retry of a message that could not be sent; each further
    /// retry waits twice as long (at most an hour).
    pub mail_retry_seconds: u64,
    /// Most messages one instance sends per second: a backlog (a cancelled symposium, a
    /// registration rush) drains at this pace, within the mail server's limits and
    /// beside the requests that queue it.
    pub mail_rate: u32,
    /// Lets webhook endpoints lead to private, loopback and link-local addresses, and use
    /// plain http to this machine: for development and tests only.
    pub webhooks_allow_private: bool,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines with key=value fields.
    Text,
    /// One JSON object per line.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://academy.db?mode=rwc".to_owned(),
            database_max_connections: 16,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".to_owned(),
            academy_name: "Flevo Academie Jeugd".to_owned(),
            data_dir: PathBuf::from("./data"),
            signing_key_file: None,
            secret_key_file: None,
            token_audience: "academy-api".to_owned(),
            bootstrap_admin_email: None,
            bootstrap_admin_password: None,
            log_format: LogFormat::Text,
            trusted_proxies: Vec::new(),
            smtp_url: None,
            mail_from: "agenda@127.0.0.1".to_owned(),
            account_url: None,
            mail_retry_seconds: 15,
            mail_rate: 20,
            webhooks_allow_private: false,
        }
    }
}

const KEYS: &[&str] = &[
    "database_url",
    "database_max_connections",
    "listen",
    "public_url",
    "academy_name",
    "data_dir",
    "signing_key_file",
    "secret_key_file",
    "token_audience",
    "bootstrap_admin_email",
    "bootstrap_admin_password",
    "log_format",
    "trusted_proxies",
    "smtp_url",
    "mail_from",
    "account_url",
    "mail_retry_seconds",
    "mail_rate",
    "webhooks_allow_private",
];

impl Config {
    /// Reads the settings from the optional file and the process environment.
    pub fn load() -> anyhow::Result<Self> {
        let file = std::env::var("ACADEMY_CONFIG").ok();
        let mut values = HashMap::new();
        let path = file.clone().unwrap_or_else(|| "academy.toml".to_owned());
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let table: toml::Table =
                    toml::from_str(&text).with_context(|| format!("reading {path}"))?;
                for (key, value) in table {
                    if !KEYS.contains(&key.as_str()) {
                        bail!("{path}: unknown setting `{key}`");
                    }
                    let value = match value {
                        toml::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    values.insert(key, value);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.is_none() => {}
            Err(e) => return Err(e).with_context(|| format!("reading {path}")),
        }
        for key in KEYS {
            if let Ok(value) = std::env::var(format!("ACADEMY_{}", key.to_uppercase())) {
                values.insert((*key).to_owned(), value);
            }
        }
        Self::from_map(&values)
    }

    /// Builds the settings from key/value pairs (lower-case keys without the prefix).
    pub fn from_map(values: &HashMap<String, String>) -> anyhow::Result<Self> {
        let mut config = Config::default();
        let get = |key: &str| values.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
        if let Some(v) = get("database_url") {
            config.database_url = normalise_sqlite_url(v);
        }
        if let Some(v) = get("database_max_connections") {
            config.database_max_connections = v
                .parse()
                .context("ACADEMY_DATABASE_MAX_CONNECTIONS must be a number")?;
        }
        if let Some(v) = get("listen") {
            config.listen = v
                .parse()
                .with_context(|| format!("ACADEMY_LISTEN `{v}` is not an address:port"))?;
        }
        match get("public_url") {
            Some(v) => config.public_url = v.trim_end_matches('/').to_owned(),
            None => config.public_url = format!("http://{}", config.listen),
        }
        if let Some(v) = get("academy_name") {
            config.academy_name = v.to_owned();
        }
        if let Some(v) = get("data_dir") {
            config.data_dir = PathBuf::from(v);
        }
        config.signing_key_file = get("signing_key_file").map(PathBuf::from);
        config.secret_key_file = get("secret_key_file").map(PathBuf::from);
        if let Some(v) = get("token_audience") {
            config.token_audience = v.to_owned();
        }
        config.bootstrap_admin_email = get("bootstrap_admin_email").map(str::to_owned);
        config.bootstrap_admin_password = values
            .get("bootstrap_admin_password")
            .filter(|v| !v.is_empty())
            .cloned();
        if let Some(v) = get("log_format") {
            config.log_format = match v {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => bail!("ACADEMY_LOG_FORMAT `{other}` must be `text` or `json`"),
            };
        }
        if let Some(v) = get("trusted_proxies") {
            config.trusted_proxies = parse_networks(v)?;
        }
        if let Some(v) = get("smtp_url") {
            if !(v.starts_with("smtp://") || v.starts_with("smtps://")) {
                // The value may hold a password: name the setting, not the value.
                bail!("ACADEMY_SMTP_URL must start with smtp:// or smtps://");
            }
            config.smtp_url = Some(v.to_owned());
        }
        config.mail_from = match get("mail_from") {
            Some(v) => v.to_owned(),
            None => format!("agenda@{}", host_of(&config.public_url)),
        };
        if config
            .mail_from
            .parse::<lettre::message::Mailbox>()
            .is_err()
        {
            bail!(
                "ACADEMY_MAIL_FROM `{}` is not an e-mail address",
                config.mail_from
            );
        }
        if let Some(v) = get("account_url") {
            if !(v.starts_with("https://") || v.starts_with("http://")) {
                bail!("ACADEMY_ACCOUNT_URL `{v}` must be an http(s) URL");
            }
            config.account_url = Some(v.to_owned());
        }
        if let Some(v) = get("mail_retry_seconds") {
            config.mail_retry_seconds = v
                .parse()
                .ok()
                .filter(|s| (1..=3600).contains(s))
                .context("ACADEMY_MAIL_RETRY_SECONDS must be a number of seconds, 1 to 3600")?;
        }
        if let Some(v) = get("mail_rate") {
            config.mail_rate =
                v.parse().ok().filter(|r| (1..=1000).contains(r)).context(
                    "ACADEMY_MAIL_RATE must be a number of messages per second, 1 to 1000",
                )?;
        }
        if let Some(v) = get("webhooks_allow_private") {
            config.webhooks_allow_private = match v {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                other => bail!("ACADEMY_WEBHOOKS_ALLOW_PRIVATE `{other}` must be true or false"),
            };
        }
        Ok(config)
    }

    /// True when the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
}

/// Addresses and CIDR ranges, separated by commas or spaces; an address is a network of
/// one.
fn parse_networks(list: &str) -> anyhow::Result<Vec<ipnet::IpNet>> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    anyhow::anyhow!(
                        "ACADEMY_TRUSTED_PROXIES: `{item}` is not an address or CIDR range"
                    )
                })
        })
        .collect()
}

/// The host part of a URL (`https://academie.example.nl:8443/x` → `academie.example.nl`).
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', ':']).next().unwrap_or(rest)
}

/// SQLite URLs create the file when missing unless a mode is given.
fn normalise_sqlite_url(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_work_on_a_fresh_machine() {
        let c = Config::from_map(&HashMap::new()).unwrap();
        assert!(c.database_url.starts_with("sqlite://"));
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
    }

    #[test]
    fn settings_are_parsed_and_checked() {
        let c = Config::from_map(&map(&[
            ("database_url", "sqlite://x.db"),
            ("listen", "0.0.0.0:9000"),
            ("public_url", "https://academy.example/"),
            ("log_format", "json"),
        ]))
        .unwrap();
        assert_eq!(c.database_url, "sqlite://x.db?mode=rwc");
        assert_eq!(c.public_url, "https://academy.example");
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(Config::from_map(&map(&[("listen", "nowhere")])).is_err());
        assert!(Config::from_map(&map(&[("log_format", "xml")])).is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let c = Config::from_map(&map(&[(
            "trusted_proxies",
            "10.0.0.7, 192.168.1.0/24 ::1 fd00::/8",
        )]))
        .unwrap();
        let nets: Vec<String> = c.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(
            nets,
            ["10.0.0.7/32", "192.168.1.0/24", "::1/128", "fd00::/8"]
        );
        assert!(Config::from_map(&map(&[("trusted_proxies", "proxy.local")])).is_err());
    }
}
