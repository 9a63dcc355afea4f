//! CSV for spreadsheets: RFC 4180 quoting (by the `csv` crate), `,` or `;` as separator
//! (Dutch Excel expects `;` and decimal commas), an optional UTF-8 byte order mark so
//! Excel reads the accents right, and cells that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return) neutralised with a leading
//! apostrophe. Long sheets stream page by page ([`stream`]).

use std::borrow::Cow;

/// How a CSV file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// `b','` or `b';'`.
    pub separator: u8,
    /// Start with a UTF-8 byte order mark.
    pub bom: bool,
}

impl Style {
    /// Decimal commas go with the `;` separator (as Dutch spreadsheets expect).
    pub fn decimal_comma(&self) -> bool {
        self.separator == b';'
    }

    /// A number as this style writes it: no trailing `.0`, decimal comma with `;`.
    pub fn number(&self, value: f64) -> String {
        let text = if value.fract() == 0.0 && value.abs() < 1e15 {
            format!("{value:.0}")
        } else {
            let mut t = format!("{value:.2}");
            while t.ends_with('0') {
                t.pop();
            }
            t
        };
        if self.decimal_comma() {
            text.replace('.', ",")
        } else {
            text
        }
    }
}

/// A text cell a spreadsheet will not run as a formula.
pub fn safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Rows written to an in-memory buffer, taken out chunk by chunk for streaming.
pub struct Sheet {
    style: Style,
    writer: csv::Writer<Vec<u8>>,
}

fn writer(style: Style, start: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(style.separator)
        .terminator(csv::Terminator::CRLF)
        .from_writer(start)
}

impl Sheet {
    /// A sheet that starts with the byte order mark (if asked) and the header row.
    pub fn new(style: Style, header: &[&str]) -> Result<Self, csv::Error> {
        let start = if style.bom {
            "\u{feff}".as_bytes().to_vec()
        } else {
            Vec::new()
        };
        let mut sheet = Self {
            style,
            writer: writer(style, start),
        };
        sheet.writer.write_record(header)?;
        Ok(sheet)
    }

    /// The style.
    pub fn style(&self) -> Style {
        self.style
    }

    /// Writes one row; text cells must already be [`safe`].
    pub fn row<I, T>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer.write_record(cells)
    }

    /// Takes what was written so far.
    pub fn take(&mut self) -> Result<Vec<u8>, csv::Error> {
        let full = std::mem::replace(&mut self.writer, writer(self.style, Vec::new()));
        full.into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// One page of rows, and where the next starts (`None` after the last).
#[derive(Debug, Clone)]
pub struct Page<R, C> {
    /// The rows.
    pub rows: Vec<R>,
    /// The cursor of the next page.
    pub next: Option<C>,
}

/// Where a streamed sheet stands.
enum Step<R, C> {
    /// A page in hand, to write next.
    Rows(Page<R, C>),
    /// The next page to fetch.
    After(C),
    /// Nothing more (the last page was written, or a page failed).
    Done,
}

/// A CSV streamed page by page: the first chunk is the sheet so far (byte order mark and
/// header) with `first`, a page the caller has already read, so that a failing query is
/// still answered with an error before any byte of the file; each later chunk is one page
/// from `fetch`. When a later page cannot be read or written the stream ends with an
/// error instead of ending cleanly; served through [`crate::http::abort_on_error`] on an
/// [`crate::http::Abortable`] connection, that closes the connection before the body's
/// end, so the client never mistakes a cut-off file for a complete one.
pub fn stream<R, C, E, F, Fut, W>(
    sheet: Sheet,
    first: Page<R, C>,
    cells: W,
    fetch: F,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static
where
    R: Send + 'static,
    C: Send + 'static,
    E: std::fmt::Display + Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<R, C>, E>> + Send + 'static,
    W: Fn(&R) -> Vec<String> + Send + 'static,
{
    let start = (sheet, Step::Rows(first), cells, fetch, true);
    futures_util::stream::unfold(
        start,
        |(mut sheet, step, cells, mut fetch, first)| async move {
            let page = match step {
                Step::Done => return None,
                Step::Rows(page) => Ok(page),
                Step::After(cursor) => fetch(cursor).await.map_err(|e| e.to_string()),
            };
            let chunk = page.and_then(|page| {
                for row in &page.rows {
                    sheet.row(cells(row)).map_err(|e| e.to_string())?;
                }
                let bytes = sheet.take().map_err(|e| e.to_string())?;
                Ok((bytes, page.next))
            });
            match chunk {
                Ok((bytes, next)) => {
                    let step = next.map_or(Step::Done, Step::After);
                    Some((Ok(bytes.into()), (sheet, step, cells, fetch, false)))
                }
                Err(e) => {
                    tracing::error!(error = %e, first, "a CSV stream failed");
                    Some((
                        Err(std::io::Error::other(e)),
                        (sheet, Step::Done, cells, fetch, false),
                    ))
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_quoting_is_right() {
        let mut sheet = Sheet::new(
            Style {
                separator: b';',
                bom: true,
            },
            &["naam", "opmerking"],
        )
        .unwrap();
        for (name, note) in [
            ("=HYPERLINK(\"http://x\")", "+31 6"),
            ("-2+3", "@SUM(A1)"),
            ("\tTab", "\rCR"),
            ("Jan; \"de\" Vries", "regel 1\nregel 2"),
            ("Anouk", "gewoon"),
        ] {
            sheet
                .row([safe(name).as_ref(), safe(note).as_ref()])
                .unwrap();
        }
        let text = String::from_utf8(sheet.take().unwrap()).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(rows[0], ["'=HYPERLINK(\"http://x\")", "'+31 6"]);
        assert_eq!(rows[1], ["'-2+3", "'@SUM(A1)"]);
        assert_eq!(rows[2], ["'\tTab", "'\rCR"]);
        assert_eq!(rows[3], ["Jan; \"de\" Vries", "regel 1\nregel 2"]);
        assert_eq!(rows[4], ["Anouk", "gewoon"]);
    }

    #[test]
    fn numbers_follow_the_separator() {
        let comma = Style {
            separator: b',',
            bom: false,
        };
        let semi = Style {
            separator: b';',
            bom: false,
        };
        assert_eq!(comma.number(24.0), "24");
        assert_eq!(comma.number(7.5), "7.5");
        assert_eq!(semi.number(7.5), "7,5");
        assert_eq!(semi.number(2.25), "2,25");
        assert_eq!(semi.number(1.0 / 3.0), "0,33");
    }
}
