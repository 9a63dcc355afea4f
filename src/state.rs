//! What every handler and worker shares: the settings, the database pool, the keys, the
//! caches and the mail and webhook clients, built once at start.

use std::sync::Arc;

use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::auth::keys::{KeyRing, SecretKey};
use crate::auth::tokens::TokenService;
use crate::config::{self, Config};
use crate::telemetry::Metrics;
use crate::{auth, cache, calendar, db, domain, http, mail, webhooks};

/// What every handler shares.
pub struct AppState {
    /// Settings.
    pub config: Config,
    /// The database pool.
    pub db: DatabaseConnection,
    /// Token signing and verification.
    pub tokens: TokenService,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Rendered public catalogue pages.
    pub cache: Arc<cache::ResponseCache>,
    /// People's token versions, to refuse access tokens ended early.
    pub access: Arc<auth::access::AccessVersions>,
    /// Registration requests waiting for their edition's next transaction.
    pub registrations: Arc<domain::registrations::combiner::Combiner>,
    /// Key of the rotating check-in codes, derived from the secret key so every
    /// instance shows and accepts the same codes.
    pub check_in_secret: [u8; 32],
    /// Key of the personal calendar feed tokens, derived the same way.
    pub calendar_secret: [u8; 32],
    /// The sender and the mail transport.
    pub mailer: mail::transport::Mailer,
    /// The domain of calendar UIDs and `Message-ID`s, chosen on the first start and
    /// kept (see [`domain::settings`]).
    pub uid_domain: String,
    /// Key the webhook endpoints' signing secrets derive from, the same on every
    /// instance.
    pub webhook_secret: [u8; 32],
    /// The HTTP client of webhook deliveries.
    pub webhook_client: reqwest::Client,
}

impl AppState {
    /// Connects, migrates, loads the signing keys and creates the first admin when asked.
    pub async fn init(config: Config) -> anyhow::Result<Arc<Self>> {
        let db = db::connect(&config.database_url, config.database_max_connections)
            .await
            .with_context(|| "connecting to the database")?;
        db::migrate(&db).await.context("applying migrations")?;
        let keys = KeyRing::load(&config.data_dir, config.signing_key_file.as_deref())?;
        Self::with_parts(config, db, keys).await
    }

    /// Builds the state from an open, migrated database and a key ring.
    pub async fn with_parts(
        config: Config,
        db: DatabaseConnection,
        keys: KeyRing,
    ) -> anyhow::Result<Arc<Self>> {
        let secret = SecretKey::load(&config.data_dir, config.secret_key_file.as_deref())?;
        let check_in_secret = secret.derive("check-in codes");
        let calendar_secret = secret.derive("calendar feeds");
        let webhook_secret = secret.derive("webhook secrets");
        let webhook_client =
            webhooks::client::client(&config.academy_name, config.webhooks_allow_private)?;
        let tokens = TokenService::new(
            keys,
            config.public_url.clone(),
            config.token_audience.clone(),
        );
        let cache = Arc::new(cache::ResponseCache::new());
        cache.spawn_sync(&db, &config.database_url);
        let access = Arc::new(auth::access::AccessVersions::new());
        access.spawn_sync(&db, &config.database_url);
        let mailer = mail::transport::Mailer::new(&config)?;
        let uid_domain = domain::settings::chosen_once(
            &db,
            domain::settings::UID_DOMAIN,
            config::host_of(&config.public_url),
        )
        .await
        .map_err(|e| anyhow::anyhow!("choosing the calendar UID domain: {e}"))?;
        let state = Arc::new(Self {
            config,
            db,
            tokens,
            metrics: Arc::new(Metrics::new()),
            cache,
            access,
            registrations: Arc::default(),
            check_in_secret,
            calendar_secret,
            mailer,
            uid_domain,
            webhook_secret,
            webhook_client,
        });
        state.bootstrap_admin().await?;
        Ok(state)
    }

    /// The calendars' organiser: the academy's sender address.
    pub fn organizer_email(&self) -> String {
        self.mailer.address()
    }

    /// Where the service lives, for calendar feeds and the calendar part of mails.
    pub fn site<'a>(&'a self, organizer_email: &'a str) -> calendar::feeds::Site<'a> {
        calendar::feeds::Site {
            public_url: &self.config.public_url,
            academy_name: &self.config.academy_name,
            organizer_email,
            uid_domain: &self.uid_domain,
        }
    }

    /// The key per-address limits (sign-in, certificate verification, check-in) count
    /// the request's client under; see [`http::client_ip`].
    pub fn client_key(&self, req: &poem::Request) -> String {
        http::limit_key(http::client_ip(req, &self.config.trusted_proxies))
    }

    async fn bootstrap_admin(&self) -> anyhow::Result<()> {
        let (Some(email), Some(password)) = (
            self.config.bootstrap_admin_email.as_deref(),
            self.config.bootstrap_admin_password.as_deref(),
        ) else {
            return Ok(());
        };
        if domain::users::admin_exists(&self.db).await? {
            return Ok(());
        }
        domain::users::create_admin(&self.db, email, password)
            .await
            .map_err(|e| anyhow::anyhow!("creating the first admin: {e:?}"))?;
        tracing::info!(email, "created the first admin");
        Ok(())
    }
}
