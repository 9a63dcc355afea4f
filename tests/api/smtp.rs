//! A real SMTP server on loopback for the tests: it speaks the protocol lettre speaks
//! (EHLO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP, QUIT), keeps what it receives,
//! and can answer the end of DATA with refusals, for a while or for good.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};

use crate::helpers::TestApp;

impl TestApp {
    /// The app sending its mail to `sink`, retrying a refused message after a second.
    pub async fn spawn_with_mail(sink: &SmtpSink) -> Self {
        let url = sink.url();
        Self::spawn_with(move |c| {
            c.smtp_url = Some(url);
            c.mail_retry_seconds = 1;
        })
        .await
    }
}
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message, as sent (CRLF line ends).
    pub data: String,
}

/// The parts of a received message a test looks at.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub from_header: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    /// The `method` of the calendar part and its text.
    pub calendar: Option<(String, String)>,
    pub raw: String,
}

impl Received {
    /// Parses the MIME message.
    pub fn parse(&self) -> Mail {
        let message = MessageParser::default()
            .parse(self.data.as_bytes())
            .expect("a MIME message");
        let mut calendar = None;
        for part in &message.parts {
            if let Some(ct) = part.content_type()
                && ct.ctype() == "text"
                && ct.subtype() == Some("calendar")
            {
                calendar = Some((
                    ct.attribute("method").unwrap_or_default().to_owned(),
                    part.text_contents().unwrap_or_default().to_owned(),
                ));
            }
        }
        let from_header = message
            .from()
            .and_then(|a| a.first())
            .map(|a| {
                format!(
                    "{} <{}>",
                    a.name().unwrap_or_default(),
                    a.address().unwrap_or_default()
                )
            })
            .unwrap_or_default();
        Mail {
            to: self.to.clone(),
            from_header,
            subject: message.subject().unwrap_or_default().to_owned(),
            message_id: message.message_id().unwrap_or_default().to_owned(),
            text: message.body_text(0).unwrap_or_default().into_owned(),
            html: message.body_html(0).unwrap_or_default().into_owned(),
            calendar,
            raw: self.data.clone(),
        }
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    /// Answers to the next ends of DATA, before the normal `250`.
    next: VecDeque<String>,
    /// An answer to every end of DATA, when set.
    always: Option<String>,
    /// Ends of DATA answered, accepted or not.
    attempts: usize,
}

/// The server; it runs until the test ends.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, shared.clone()));
            }
        });
        Self { port, state }
    }

    /// `smtp://127.0.0.1:port`: plain SMTP, as on a trusted network.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next `n` messages are refused with this answer (e.g. `451 4.3.0 busy`).
    pub fn refuse_next(&self, n: usize, answer: &str) {
        let mut s = self.state.lock().unwrap();
        for _ in 0..n {
            s.next.push_back(answer.to_owned());
        }
    }

    /// Every message is refused with this answer (e.g. `550 5.1.1 no such mailbox`).
    pub fn refuse_always(&self, answer: &str) {
        self.state.lock().unwrap().always = Some(answer.to_owned());
    }

    /// Accepts again after [`SmtpSink::refuse_always`].
    pub fn refuse_always_off(&self) {
        self.state.lock().unwrap().always = None;
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    pub fn attempts(&self) -> usize {
        self.state.lock().unwrap().attempts
    }

    /// Waits until at least `n` messages arrived (or panics after `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("expected {n} messages within {secs} s, got {}", got.len());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The messages to one address, parsed.
    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.received()
            .iter()
            .filter(|r| r.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .map(Received::parse)
            .collect()
    }

    /// Waits for a message to `address` whose subject contains `subject`.
    pub async fn wait_for_mail(&self, address: &str, subject: &str, secs: u64) -> Mail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(m) = self
                .to(address)
                .into_iter()
                .find(|m| m.subject.contains(subject))
            {
                return m;
            }
            if tokio::time::Instant::now() > deadline {
                let seen: Vec<String> = self.to(address).into_iter().map(|m| m.subject).collect();
                panic!("no mail to {address} about {subject:?} within {secs} s; got {seen:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn reply(w: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> bool {
    // One write per reply: two small writes would meet Nagle and delayed ACKs.
    w.write_all(format!("{text}\r\n").as_bytes()).await.is_ok()
}

fn address(arg: &str) -> String {
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg[start..].find('>').map_or(arg.len(), |i| start + i);
    arg[start..end].to_owned()
}

async fn session(stream: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if !reply(&mut write, "220 sink.test ESMTP").await {
        return;
    }
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let ok = if upper.starts_with("EHLO") {
            reply(&mut write, "250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8").await
        } else if upper.starts_with("HELO") {
            reply(&mut write, "250 sink.test").await
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command[10..]);
            to.clear();
            reply(&mut write, "250 2.1.0 ok").await
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command[8..]));
            reply(&mut write, "250 2.1.5 ok").await
        } else if upper == "DATA" {
            if !reply(&mut write, "354 end with <CRLF>.<CRLF>").await {
                return;
            }
            let mut data = String::new();
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(unstuffed);
            }
            let answer = {
                let mut s = state.lock().unwrap();
                s.attempts += 1;
                let refusal = s.next.pop_front().or_else(|| s.always.clone());
                if refusal.is_none() {
                    s.received.push(Received {
                        from: from.clone(),
                        to: to.clone(),
                        data,
                    });
                }
                refusal.unwrap_or_else(|| "250 2.0.0 queued".to_owned())
            };
            reply(&mut write, &answer).await
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            reply(&mut write, "250 2.0.0 ok").await
        } else if upper == "NOOP" {
            reply(&mut write, "250 2.0.0 ok").await
        } else if upper == "QUIT" {
            let _ = reply(&mut write, "221 2.0.0 bye").await;
            return;
        } else {
            reply(&mut write, "502 5.5.2 not implemented").await
        };
        if !ok {
            return;
        }
    }
}
