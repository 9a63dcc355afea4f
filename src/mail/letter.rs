//! A message's content in one shape ([`Letter`]) and its two renderings, plain text and
//! HTML, assembled with the calendar part into a MIME message by lettre.

use lettre::Message;
use lettre::message::header::{ContentType, MessageId};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use uuid::Uuid;

use crate::calendar::ics::Method;

/// What a mail says, before it is written as text and HTML.
#[derive(Debug, Clone)]
pub struct Letter {
    /// `nl` or `en`: the `lang` of the HTML.
    pub lang: &'static str,
    /// The subject line.
    pub subject: String,
    /// The salutation ("Beste Anna,").
    pub greeting: String,
    /// Paragraphs of text.
    pub paragraphs: Vec<String>,
    /// Label and value pairs (course, dates, place).
    pub facts: Vec<(String, String)>,
    /// A link to follow: label and URL.
    pub action: Option<(String, String)>,
    /// The footer: why the person gets this mail.
    pub why: String,
    /// The calendar part: its method and iCalendar text.
    pub calendar: Option<(Method, String)>,
    /// A file attached (name, MIME type, bytes).
    pub attachment: Option<(String, String, Vec<u8>)>,
}

impl Letter {
    /// The plain-text part.
    pub fn text(&self, academy: &str) -> String {
        let mut out = String::new();
        out.push_str(&self.greeting);
        out.push_str("\n\n");
        for p in &self.paragraphs {
            out.push_str(p);
            out.push_str("\n\n");
        }
        if !self.facts.is_empty() {
            for (label, value) in &self.facts {
                let mut lines = value.lines();
                out.push_str(&format!("{label}: {}\n", lines.next().unwrap_or_default()));
                let indent = " ".repeat(label.chars().count() + 2);
                for line in lines {
                    out.push_str(&indent);
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        if let Some((label, url)) = &self.action {
            out.push_str(&format!("{label}:\n{url}\n\n"));
        }
        out.push_str(academy);
        out.push_str("\n\n-- \n");
        out.push_str(&self.why);
        out.push('\n');
        out
    }

    /// The HTML part: one column, real headings and a table of facts, readable without
    /// images or styles.
    pub fn html(&self, academy: &str) -> String {
        let mut out = String::with_capacity(2048);
        out.push_str("<!DOCTYPE html>\n<html lang=\"");
        out.push_str(self.lang);
        out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
        out.push_str(&escape(&self.subject));
        out.push_str("</title>\n</head>\n<body style=\"margin:0;padding:0;background:#f4f4f4;\">\n<div style=\"max-width:600px;margin:0 auto;padding:24px;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;\">\n<p style=\"font-size:14px;color:#4a4a4a;margin:0 0 16px;\">");
        out.push_str(&escape(academy));
        out.push_str("</p>\n<h1 style=\"font-size:22px;margin:0 0 16px;\">");
        out.push_str(&escape(&self.subject));
        out.push_str("</h1>\n<p>");
        out.push_str(&escape(&self.greeting));
        out.push_str("</p>\n");
        for p in &self.paragraphs {
            out.push_str("<p>");
            out.push_str(&escape(p).replace('\n', "<br>\n"));
            out.push_str("</p>\n");
        }
        if !self.facts.is_empty() {
            out.push_str(
                "<table role=\"presentation\" style=\"border-collapse:collapse;margin:16px 0;\">\n",
            );
            for (label, value) in &self.facts {
                out.push_str("<tr><th scope=\"row\" style=\"text-align:left;vertical-align:top;padding:4px 16px 4px 0;\">");
                out.push_str(&escape(label));
                out.push_str("</th><td style=\"padding:4px 0;\">");
                out.push_str(&escape(value).replace('\n', "<br>\n"));
                out.push_str("</td></tr>\n");
            }
            out.push_str("</table>\n");
        }
        if let Some((label, url)) = &self.action {
            out.push_str("<p style=\"margin:24px 0;\"><a href=\"");
            out.push_str(&escape(url));
            out.push_str("\" style=\"display:inline-block;padding:12px 20px;background:#00539b;color:#ffffff;text-decoration:underline;border-radius:4px;\">");
            out.push_str(&escape(label));
            out.push_str("</a></p>\n<p style=\"font-size:14px;\">");
            out.push_str(&escape(url));
            out.push_str("</p>\n");
        }
        out.push_str("<hr style=\"border:none;border-top:1px solid #cccccc;margin:24px 0;\">\n<p style=\"font-size:14px;color:#4a4a4a;\">");
        out.push_str(&escape(&self.why));
        out.push_str("</p>\n</div>\n</body>\n</html>\n");
        out
    }

    /// The MIME message: `multipart/alternative` of text, HTML and (for dates) the
    /// calendar part, inside `multipart/mixed` when a file is attached. The `Message-ID`
    /// derives from the outbox row, so a retry sends the same message.
    pub fn compose(
        &self,
        id: Uuid,
        domain: &str,
        from: &Mailbox,
        to: Mailbox,
        academy: &str,
    ) -> Result<Message, lettre::error::Error> {
        let mut alternative = MultiPart::alternative()
            .singlepart(SinglePart::plain(self.text(academy)))
            .singlepart(SinglePart::html(self.html(academy)));
        if let Some((method, ics)) = &self.calendar {
            let method = match method {
                Method::Publish => "PUBLISH",
                Method::Request => "REQUEST",
                Method::Cancel => "CANCEL",
            };
            let content_type =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .map_err(|_| {
                        lettre::error::Error::Io(std::io::Error::other("calendar type"))
                    })?;
            alternative = alternative
                .singlepart(SinglePart::builder().header(content_type).body(ics.clone()));
        }
        let builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(self.subject.clone())
            .header(MessageId::from(format!("<{id}@{domain}>")));
        match &self.attachment {
            None => builder.multipart(alternative),
            Some((name, mime, bytes)) => {
                let content_type = ContentType::parse(mime).map_err(|_| {
                    lettre::error::Error::Io(std::io::Error::other("attachment type"))
                })?;
                builder.multipart(
                    MultiPart::mixed().multipart(alternative).singlepart(
                        Attachment::new(name.clone()).body(bytes.clone(), content_type),
                    ),
                )
            }
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            lang: "nl",
            subject: "Inschrijving <bevestigd>".into(),
            greeting: "Beste Anna & Bo,".into(),
            paragraphs: vec!["Je bent ingeschreven.".into()],
            facts: vec![("Data".into(), "ma 7 december\ndi 8 december".into())],
            action: Some(("Bekijk".into(), "https://a.example/x?a=1&b=2".into())),
            why: "Je krijgt dit bericht omdat je bent ingeschreven.".into(),
            calendar: None,
            attachment: None,
        }
    }

    #[test]
    fn html_escapes_everything_it_is_given() {
        let html = letter().html("Academie");
        assert!(html.contains("Inschrijving &lt;bevestigd&gt;"));
        assert!(html.contains("Beste Anna &amp; Bo,"));
        assert!(html.contains("href=\"https://a.example/x?a=1&amp;b=2\""));
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn text_lines_up_multi_line_facts_and_ends_with_the_reason() {
        let text = letter().text("Academie");
        assert!(text.contains("Data: ma 7 december\n      di 8 december\n"));
        assert!(text.ends_with("-- \nJe krijgt dit bericht omdat je bent ingeschreven.\n"));
    }
}
