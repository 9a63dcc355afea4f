//! The sender, and where messages go: an SMTP server (lettre, with its connection pool), or, when none is
//! configured, `.eml` files under the data directory that any mail program opens.

use std::path::PathBuf;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// The sender and the transport.
pub struct Mailer {
    pub(super) transport: Transport,
    pub(super) from: Mailbox,
}

impl Mailer {
    /// From the settings: `ACADEMY_MAIL_FROM` (with the academy's name when it names no
    /// one) and `ACADEMY_SMTP_URL` or the data directory.
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let mut from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|_| anyhow::anyhow!("ACADEMY_MAIL_FROM is not an e-mail address"))?;
        if from.name.is_none() {
            from.name = Some(config.academy_name.clone());
        }
        let transport = Transport::from_settings(config.smtp_url.as_deref(), &config.data_dir)?;
        Ok(Self { transport, from })
    }

    /// The sender's address (without the name): also the calendars' organiser.
    pub fn address(&self) -> String {
        self.from.email.to_string()
    }

    /// Where messages go, for the log.
    pub fn describe(&self) -> String {
        self.transport.describe()
    }
}

/// Why a message was not handed over.
#[derive(Debug, Clone)]
pub enum SendError {
    /// Worth another try later (refused for now, unreachable, a timeout).
    Transient(String),
    /// The server refused for good (an unknown mailbox, a rejected message).
    Permanent(String),
}

/// The configured transport.
pub enum Transport {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `.eml` file per message in this directory.
    Files(PathBuf),
}

impl Transport {
    /// The transport of the settings: SMTP when a URL is given, else files.
    pub fn from_settings(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    // lettre's message may quote the URL, password and all.
                    .map_err(|_| anyhow::anyhow!("ACADEMY_SMTP_URL is not a valid SMTP URL"))?
                    .timeout(Some(std::time::Duration::from_secs(30)))
                    .build();
                Ok(Self::Smtp(transport))
            }
            None => Ok(Self::Files(data_dir.join("mail"))),
        }
    }

    /// Where messages go, for the log (never the URL: it may hold a password).
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP (ACADEMY_SMTP_URL)".to_owned(),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    /// Hands one message over.
    pub async fn send(&self, id: uuid::Uuid, message: &Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message.clone()).await.map(|_| ()).map_err(|e| {
                let text = smtp_error_text(&e);
                if e.is_permanent() {
                    SendError::Permanent(text)
                } else {
                    SendError::Transient(text)
                }
            }),
            Transport::Files(dir) => write_file(dir, id, &message.formatted())
                .await
                .map_err(|e| SendError::Transient(format!("writing the message file: {e}"))),
        }
    }
}

/// The server's answer or the connection problem, without anything of the URL.
fn smtp_error_text(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) => format!("the mail server answered {code}: {e}"),
        None if e.is_timeout() => "the mail server did not answer in time".to_owned(),
        None => format!("the mail server could not be reached or failed: {e}"),
    }
}

/// Writes `{id}.eml` whole or not at all (a temporary file renamed into place). Message
/// ids are UUID v7, so the files sort by time.
async fn write_file(dir: &std::path::Path, id: uuid::Uuid, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let tmp = dir.join(format!(".{id}.eml.tmp"));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dir.join(format!("{id}.eml"))).await
}
