//! PDF rendering of participation certificates.
//!
//! [`render`] produces a single A4 landscape page in Dutch with embedded
//! (subsetted) DejaVu Sans fonts, real extractable text and a vector QR code
//! that points at the public verification page.

use std::fmt::Write as _;

use chrono::NaiveDate;
use krilla::Document;
use krilla::action::{Action, LinkAction};
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use super::qr;

/// Everything printed on a certificate.
#[derive(Debug, Clone)]
pub struct CertificateDocument<'a> {
    /// Name of the issuing organisation, e.g. "Flevo Academie Jeugd".
    pub issuer: &'a str,
    /// Full name of the participant.
    pub holder_name: &'a str,
    /// Course title; may be long and is wrapped over up to three lines.
    pub course_title: &'a str,
    /// Dutch label of the course kind, e.g. "Training".
    pub course_kind: &'a str,
    /// First day of the edition (Europe/Amsterdam).
    pub first_day: NaiveDate,
    /// Last day of the edition (Europe/Amsterdam).
    pub last_day: NaiveDate,
    /// Day the participant completed the course.
    pub completed_on: NaiveDate,
    /// Study load in hours, if known.
    pub hours: Option<f64>,
    /// Accreditations to print; may be empty.
    pub accreditations: &'a [PdfAccreditation<'a>],
    /// Day the certificate was issued.
    pub issued_on: NaiveDate,
    /// Verification code, e.g. "7KQ2-9XWM-4HTR-B".
    pub code: &'a str,
    /// Public verification URL; printed and encoded as a QR code.
    pub verify_url: &'a str,
}

/// One register's accreditation as printed.
#[derive(Debug, Clone)]
pub struct PdfAccreditation<'a> {
    /// Register name, e.g. "SKJ".
    pub register: &'a str,
    /// The course's accreditation number at that register.
    pub accreditation_number: &'a str,
    /// Points awarded by the register.
    pub points: f64,
    /// The holder's registration number in that register, if any.
    pub holder_number: Option<&'a str>,
}

/// Errors while rendering a certificate PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The verification URL could not be encoded as a QR code.
    #[error(transparent)]
    Qr(#[from] qr::QrError),
    /// The embedded font could not be loaded.
    #[error("lettertype kon niet worden geladen")]
    Font,
    /// A geometry value was invalid (should not happen with the fixed layout).
    #[error("ongeldige geometrie in certificaatopmaak")]
    Geometry,
    /// The PDF library failed to serialise the document.
    #[error("PDF kon niet worden gemaakt: {0}")]
    Krilla(String),
}

// ---------------------------------------------------------------------------
// Page geometry (PDF points, origin top left as in krilla).

const PAGE_W: f32 = 842.0;
const PAGE_H: f32 = 595.0;
const CENTER_X: f32 = PAGE_W / 2.0;
/// Left/right edge of the text area.
const MARGIN_X: f32 = 70.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
/// Width of the main course-title block.
const TITLE_W: f32 = 690.0;
/// Side of the QR code, in points.
const QR_SIDE: f32 = 76.0;
/// Bottom edge of the QR code / footer.
const FOOTER_BOTTOM: f32 = PAGE_H - 46.0;
/// Top of the footer area (separator line); flowing content stays above it.
const FOOTER_TOP: f32 = FOOTER_BOTTOM - QR_SIDE - 10.0;

/// Top of the decorative rule under the title.
const RULE_Y: f32 = 144.0;
/// Vertical band available to the body text.
const BODY_TOP: f32 = RULE_Y + 20.0;
const BODY_BOTTOM: f32 = FOOTER_TOP - 10.0;
/// DejaVu Sans ascender as a fraction of the font size (approximately).
const ASCENT: f32 = 0.76;

const ACCENT: (u8, u8, u8) = (0x0b, 0x4f, 0x6c);
const TEXT: (u8, u8, u8) = (0x22, 0x22, 0x22);
const MUTED: (u8, u8, u8) = (0x55, 0x5f, 0x66);

/// Renders `doc` as a one-page A4 landscape PDF.
///
/// # Errors
///
/// [`PdfError::Qr`] when the verification URL cannot be encoded as a QR code
/// (far too long); the other variants indicate internal failures.
pub fn render(doc: &CertificateDocument<'_>) -> Result<Vec<u8>, PdfError> {
    let url = doc.verify_url.trim();
    let fonts = Fonts::load()?;
    let qr = qr::matrix(url)?;

    let issuer = clean(doc.issuer);
    let holder = clean(doc.holder_name);
    let course = clean(doc.course_title);
    let kind = clean(doc.course_kind);
    let code = clean(doc.code);

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("Certificaat – {course}"))
            .language("nl-NL".to_owned())
            .creator(issuer.clone())
            .producer(issuer.clone())
            .authors(vec![issuer.clone()]),
    );

    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Geometry)?;
    let mut page = document.start_page_with(settings);
    let mut links = Vec::new();
    {
        let mut s = page.surface();
        draw_frame(&mut s)?;

        // Fixed header.
        fonts
            .bold
            .fit(&issuer, 14.0, 9.0, TEXT_W)
            .centred(&mut s, &fonts.bold, 76.0, ACCENT);
        fonts.bold.fit("Certificaat", 44.0, 44.0, TEXT_W).centred(
            &mut s,
            &fonts.bold,
            126.0,
            ACCENT,
        );
        fill_rect(&mut s, CENTER_X - 50.0, RULE_Y, 100.0, 1.2, ACCENT)?;

        // Body, laid out relative to the first baseline and then centred
        // vertically between the rule under the title and the footer.
        let mut body = Vec::new();
        let mut y = 0.0;
        let intro = format!("Hierbij verklaart {issuer} dat");
        body.push(
            fonts
                .regular
                .fit(&intro, 13.0, 8.0, TEXT_W)
                .at(&fonts.regular, y, MUTED),
        );
        y += 40.0;
        body.push(
            fonts
                .bold
                .fit(&holder, 30.0, 14.0, TEXT_W)
                .at(&fonts.bold, y, TEXT),
        );
        y += 30.0;
        let attended = "met goed gevolg heeft deelgenomen aan";
        body.push(
            fonts
                .regular
                .fit(attended, 13.0, 13.0, TEXT_W)
                .at(&fonts.regular, y, MUTED),
        );
        y += 10.0;
        for line in fonts.bold.wrap_title(&course, TITLE_W) {
            y += line.size * 1.25;
            body.push(line.at(&fonts.bold, y, ACCENT));
        }
        y += 28.0;
        let kind_line = format!("{kind} · {}", date_range(doc.first_day, doc.last_day));
        body.push(
            fonts
                .regular
                .fit(&kind_line, 12.0, 8.0, TEXT_W)
                .at(&fonts.regular, y, TEXT),
        );
        y += 17.0;
        let mut done = format!("Afgerond op {}", long_date(doc.completed_on));
        if let Some(h) = doc.hours.filter(|h| h.is_finite() && *h > 0.0) {
            let _ = write!(done, " · Studiebelasting: {} uur", number(h));
        }
        body.push(
            fonts
                .regular
                .fit(&done, 12.0, 8.0, TEXT_W)
                .at(&fonts.regular, y, TEXT),
        );

        // Accreditations: tighten the line spacing when there are many,
        // and summarise the tail if they still do not fit above the footer.
        y += 26.0;
        let acc_lines = accreditation_lines(doc.accreditations);
        let avail = BODY_BOTTOM - (BODY_TOP + 13.0 * ASCENT) - y;
        let line_h = match acc_lines.len() {
            0 | 1 => 15.0,
            n => (avail / (n - 1) as f32).clamp(12.0, 15.0),
        };
        let acc_size = (line_h * 0.7).min(10.5);
        let room = (avail / line_h).floor().max(0.0) as usize + 1;
        for (i, line) in fit_list(acc_lines, room).iter().enumerate() {
            let placed = if i == 0 {
                fonts
                    .bold
                    .fit(line, 10.0, 7.0, TEXT_W)
                    .at(&fonts.bold, y, ACCENT)
            } else {
                fonts
                    .regular
                    .fit(line, acc_size, 7.0, TEXT_W)
                    .at(&fonts.regular, y, TEXT)
            };
            body.push(placed);
            y += line_h;
        }
        let height = y - line_h + 13.0 * ASCENT;
        let slack = (BODY_BOTTOM - BODY_TOP - height).max(0.0);
        let origin = BODY_TOP + 13.0 * ASCENT + slack / 2.0;
        for p in &body {
            p.line.centred(&mut s, p.font, origin + p.y, p.colour);
        }

        // Footer: issue data on the left, QR code on the right.
        fill_rect(&mut s, MARGIN_X, FOOTER_TOP, TEXT_W, 0.5, MUTED)?;
        let qr_x = PAGE_W - MARGIN_X - QR_SIDE;
        let qr_y = FOOTER_BOTTOM - QR_SIDE;
        draw_qr(&mut s, &qr, qr_x, qr_y, QR_SIDE)?;
        links.push(Rect::from_xywh(qr_x, qr_y, QR_SIDE, QR_SIDE).ok_or(PdfError::Geometry)?);

        let left_w = qr_x - MARGIN_X - 24.0;
        let mut fy = FOOTER_BOTTOM - 44.0;
        let issued = format!("Uitgegeven op {}", long_date(doc.issued_on));
        fonts.regular.fit(&issued, 10.0, 7.0, left_w).left(
            &mut s,
            &fonts.regular,
            MARGIN_X,
            fy,
            TEXT,
        );
        fy += 18.0;
        let code_line = format!("Verificatiecode: {code}");
        fonts
            .bold
            .fit(&code_line, 10.0, 7.0, left_w)
            .left(&mut s, &fonts.bold, MARGIN_X, fy, TEXT);
        fy += 18.0;
        let check_prefix = "Controleer dit certificaat op ";
        let check = fonts
            .regular
            .fit(&format!("{check_prefix}{url}"), 10.0, 6.0, left_w);
        check.left(&mut s, &fonts.regular, MARGIN_X, fy, MUTED);
        let prefix_w = fonts.regular.shape(check_prefix).em_width * check.size;
        let url_w = (check.width() - prefix_w).max(1.0);
        links.push(
            Rect::from_xywh(
                MARGIN_X + prefix_w,
                fy - check.size,
                url_w,
                check.size * 1.3,
            )
            .ok_or(PdfError::Geometry)?,
        );
        s.finish();
    }
    for rect in links {
        let target = Target::Action(Action::Link(LinkAction::new(url.to_owned())));
        page.add_annotation(Annotation::new_link(
            LinkAnnotation::new(rect, target),
            Some("Certificaat verifiëren".to_owned()),
        ));
    }
    page.finish();
    document
        .finish()
        .map_err(|e| PdfError::Krilla(e.to_string()))
}

// ---------------------------------------------------------------------------
// Dutch formatting.

/// "3 februari 2027".
fn long_date(d: NaiveDate) -> String {
    crate::texts::long_date(entity::Locale::Nl, d)
}

/// One date for a single day, otherwise "3 februari 2027 t/m 10 maart 2027".
fn date_range(first: NaiveDate, last: NaiveDate) -> String {
    if first >= last {
        long_date(first)
    } else {
        format!("{} t/m {}", long_date(first), long_date(last))
    }
}

/// Dutch number: decimal comma, at most two decimals, "." thousands separator.
fn number(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let fixed = format!("{:.2}", (v * 100.0).round() / 100.0);
    let (sign, fixed) = match fixed.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", fixed.as_str()),
    };
    let (int, frac) = fixed.split_once('.').unwrap_or((fixed, ""));
    let frac = frac.trim_end_matches('0');
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let sign = if grouped.chars().all(|c| c == '0' || c == '.') && frac.is_empty() {
        ""
    } else {
        sign
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// Collapses whitespace (including newlines and tabs) to single spaces.
fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Heading plus one line per accreditation.
fn accreditation_lines(accs: &[PdfAccreditation<'_>]) -> Vec<String> {
    if accs.is_empty() {
        return vec!["Geen accreditatie".to_owned()];
    }
    let heading = if accs.len() == 1 {
        "Accreditatie"
    } else {
        "Accreditaties"
    };
    let mut lines = vec![heading.to_owned()];
    for a in accs {
        let points = number(a.points);
        let unit = if points == "1" { "punt" } else { "punten" };
        let mut line = format!(
            "{} · accreditatienummer {} · {points} {unit}",
            clean(a.register),
            clean(a.accreditation_number)
        );
        if let Some(n) = a.holder_number.map(clean).filter(|n| !n.is_empty()) {
            let _ = write!(line, " · registratienummer {n}");
        }
        lines.push(line);
    }
    lines
}

/// Keeps at most `room` lines, replacing the tail by a summary line.
fn fit_list(mut lines: Vec<String>, room: usize) -> Vec<String> {
    if lines.len() <= room || room < 2 {
        lines.truncate(room.max(1));
        return lines;
    }
    let hidden = lines.len() - (room - 1);
    lines.truncate(room - 1);
    lines.push(format!(
        "en nog {hidden} andere accreditatie{}",
        if hidden == 1 { "" } else { "s" }
    ));
    lines
}

// ---------------------------------------------------------------------------
// Text shaping and layout.

/// A font usable both for shaping/measuring (rustybuzz) and drawing (krilla).
struct FontFace {
    face: rustybuzz::Face<'static>,
    font: Font,
    units_per_em: f32,
}

struct Fonts {
    regular: FontFace,
    bold: FontFace,
}

impl Fonts {
    fn load() -> Result<Self, PdfError> {
        Ok(Self {
            regular: FontFace::new(dejavu::sans::regular())?,
            bold: FontFace::new(dejavu::sans::bold())?,
        })
    }
}

/// A shaped run of text; advances are in em units.
struct Shaped {
    text: String,
    glyphs: Vec<KrillaGlyph>,
    em_width: f32,
}

/// A shaped run at a chosen font size.
struct Line {
    shaped: Shaped,
    size: f32,
}

/// A line placed at a vertical offset within the body block.
struct Placed<'f> {
    line: Line,
    font: &'f FontFace,
    y: f32,
    colour: (u8, u8, u8),
}

impl Line {
    fn at(self, font: &FontFace, y: f32, colour: (u8, u8, u8)) -> Placed<'_> {
        Placed {
            line: self,
            font,
            y,
            colour,
        }
    }

    fn width(&self) -> f32 {
        self.shaped.em_width * self.size
    }

    fn left(&self, s: &mut Surface<'_>, font: &FontFace, x: f32, y: f32, colour: (u8, u8, u8)) {
        s.set_stroke(None);
        s.set_fill(Some(fill(colour)));
        s.draw_glyphs(
            Point::from_xy(x, y),
            &self.shaped.glyphs,
            font.font.clone(),
            &self.shaped.text,
            self.size,
            false,
        );
    }

    fn centred(&self, s: &mut Surface<'_>, font: &FontFace, y: f32, colour: (u8, u8, u8)) {
        self.left(s, font, CENTER_X - self.width() / 2.0, y, colour);
    }
}

impl FontFace {
    fn new(data: &'static [u8]) -> Result<Self, PdfError> {
        let face = rustybuzz::Face::from_slice(data, 0).ok_or(PdfError::Font)?;
        let font = Font::new(data.into(), 0).ok_or(PdfError::Font)?;
        let units_per_em = face.units_per_em() as f32;
        if units_per_em <= 0.0 {
            return Err(PdfError::Font);
        }
        Ok(Self {
            face,
            font,
            units_per_em,
        })
    }

    /// Shapes `text` left to right with kerning.
    fn shape(&self, text: &str) -> Shaped {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        buffer.guess_segment_properties();
        let output = rustybuzz::shape(&self.face, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let upem = self.units_per_em;
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut em_width = 0.0;
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let start = info.cluster as usize;
            let end = infos[i + 1..]
                .iter()
                .find(|next| next.cluster != info.cluster)
                .map_or(text.len(), |next| next.cluster as usize);
            let advance = pos.x_advance as f32 / upem;
            em_width += advance;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                advance,
                pos.x_offset as f32 / upem,
                pos.y_offset as f32 / upem,
                pos.y_advance as f32 / upem,
                start..end.max(start),
                None,
            ));
        }
        Shaped {
            text: text.to_owned(),
            glyphs,
            em_width,
        }
    }

    fn em_width(&self, text: &str) -> f32 {
        self.shape(text).em_width
    }

    /// One line at `max_size`, shrunk down to `min_size` to fit `width`,
    /// ellipsized if it still does not fit.
    fn fit(&self, text: &str, max_size: f32, min_size: f32, width: f32) -> Line {
        let shaped = self.shape(text);
        let ideal = if shaped.em_width > 0.0 {
            width / shaped.em_width
        } else {
            max_size
        };
        if ideal >= min_size {
            return Line {
                shaped,
                size: ideal.min(max_size),
            };
        }
        Line {
            shaped: self.ellipsize(text, width / min_size),
            size: min_size,
        }
    }

    /// Cuts `text` so that `text…` is at most `em` wide, preferably at a
    /// word boundary, otherwise between characters of the first word.
    fn ellipsize(&self, text: &str, em: f32) -> Shaped {
        let trim = |s: &'_ str| -> usize {
            s.trim_end_matches(|c: char| {
                c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '.' | '(')
            })
            .len()
        };
        let mut head = text;
        loop {
            let shaped = self.shape(&format!("{}…", &head[..trim(head)]));
            if shaped.em_width <= em {
                return shaped;
            }
            match head.rfind(char::is_whitespace) {
                Some(i) if trim(&head[..i]) > 0 => head = &head[..i],
                _ => break,
            }
        }
        let mut cut = head.len();
        loop {
            let kept = &head[..trim(&head[..cut])];
            let shaped = self.shape(&format!("{kept}…"));
            if shaped.em_width <= em || kept.is_empty() {
                return shaped;
            }
            cut = kept.char_indices().next_back().map_or(0, |(i, _)| i);
        }
    }

    /// Greedy word wrap at `em` width. Words that are too wide on their own
    /// are broken between characters.
    fn wrap(&self, text: &str, em: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_owned()
            } else {
                format!("{current} {word}")
            };
            if self.em_width(&candidate) <= em {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            if self.em_width(word) <= em {
                current = word.to_owned();
                continue;
            }
            for ch in word.chars() {
                let mut candidate = current.clone();
                candidate.push(ch);
                if !current.is_empty() && self.em_width(&candidate) > em {
                    lines.push(std::mem::take(&mut current));
                    current.push(ch);
                } else {
                    current = candidate;
                }
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        lines
    }

    /// The course title: up to three lines, shrinking from 22 pt to 14 pt and
    /// ellipsizing the last line if it still does not fit.
    fn wrap_title(&self, text: &str, width: f32) -> Vec<Line> {
        const MAX_LINES: usize = 3;
        const SIZES: [f32; 9] = [22.0, 21.0, 20.0, 19.0, 18.0, 17.0, 16.0, 15.0, 14.0];
        let mut chosen = (Vec::new(), 14.0);
        for size in SIZES {
            let lines = self.wrap(text, width / size);
            if lines.len() <= MAX_LINES {
                chosen = (lines, size);
                break;
            }
            chosen = (lines, size);
        }
        let (mut lines, size) = chosen;
        if lines.len() > MAX_LINES {
            let rest = lines.split_off(MAX_LINES - 1).join(" ");
            lines.push(rest);
        }
        lines
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let shaped = self.shape(&text);
                let shaped = if i == MAX_LINES - 1 && shaped.em_width > width / size {
                    self.ellipsize(&text, width / size)
                } else {
                    shaped
                };
                Line { shaped, size }
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Drawing helpers.

fn fill((r, g, b): (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn fill_rect(
    s: &mut Surface<'_>,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    colour: (u8, u8, u8),
) -> Result<(), PdfError> {
    let mut pb = PathBuilder::new();
    pb.push_rect(Rect::from_xywh(x, y, w, h).ok_or(PdfError::Geometry)?);
    let path = pb.finish().ok_or(PdfError::Geometry)?;
    s.set_stroke(None);
    s.set_fill(Some(fill(colour)));
    s.draw_path(&path);
    Ok(())
}

/// Double frame: a heavier outer line and a hairline inside it.
fn draw_frame(s: &mut Surface<'_>) -> Result<(), PdfError> {
    let (r, g, b) = ACCENT;
    for (inset, width) in [(20.0, 2.0), (27.0, 0.6)] {
        let mut pb = PathBuilder::new();
        pb.push_rect(
            Rect::from_xywh(inset, inset, PAGE_W - 2.0 * inset, PAGE_H - 2.0 * inset)
                .ok_or(PdfError::Geometry)?,
        );
        let path = pb.finish().ok_or(PdfError::Geometry)?;
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: rgb::Color::new(r, g, b).into(),
            width,
            ..Stroke::default()
        }));
        s.draw_path(&path);
    }
    s.set_stroke(None);
    Ok(())
}

/// Draws the QR modules as filled squares; horizontal runs are merged into
/// one rectangle to keep the path small and avoid hairline seams.
fn draw_qr(
    s: &mut Surface<'_>,
    m: &qr::QrMatrix,
    x: f32,
    y: f32,
    side: f32,
) -> Result<(), PdfError> {
    let n = m.width;
    let module = side / n as f32;
    let mut pb = PathBuilder::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if !m.is_dark(col, row) {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && m.is_dark(col, row) {
                col += 1;
            }
            let rect = Rect::from_xywh(
                x + start as f32 * module,
                y + row as f32 * module,
                (col - start) as f32 * module,
                module,
            )
            .ok_or(PdfError::Geometry)?;
            pb.push_rect(rect);
        }
    }
    let path = pb.finish().ok_or(PdfError::Geometry)?;
    s.set_stroke(None);
    s.set_fill(Some(fill((0, 0, 0))));
    s.draw_path(&path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const ACCS: [PdfAccreditation<'static>; 2] = [
        PdfAccreditation {
            register: "SKJ",
            accreditation_number: "12345",
            points: 8.0,
            holder_number: Some("110012345"),
        },
        PdfAccreditation {
            register: "Kwaliteitsregister V&V",
            accreditation_number: "VV-2027-0042",
            points: 7.5,
            holder_number: None,
        },
    ];

    fn sample<'a>(accs: &'a [PdfAccreditation<'a>]) -> CertificateDocument<'a> {
        CertificateDocument {
            issuer: "Flevo Academie Jeugd",
            holder_name: "Anouk van den Bërg-Çelik",
            course_title: "Zorg voor het getraumatiseerde kind; deel 2, ‘veerkracht’ — één dag",
            course_kind: "Training",
            first_day: d(2027, 2, 3),
            last_day: d(2027, 3, 10),
            completed_on: d(2027, 3, 10),
            hours: Some(7.5),
            accreditations: accs,
            issued_on: d(2027, 3, 12),
            code: "7KQ2-9XWM-4HTR-B",
            verify_url: "https://academie.example.nl/certificaten/verifieer/7KQ2-9XWM-4HTR-B",
        }
    }

    fn extract(pdf: &[u8]) -> String {
        let text = pdf_extract::extract_text_from_mem(pdf).unwrap();
        // Normalise whitespace: extractors insert line breaks and spaces freely.
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn write_sample(name: &str, pdf: &[u8]) {
        if let Ok(dir) = std::env::var("CERTPDF_OUT") {
            std::fs::write(std::path::Path::new(&dir).join(name), pdf).unwrap();
        }
    }

    #[test]
    fn errors_are_send_and_sync() {
        fn check<T: Send + Sync + std::error::Error + 'static>() {}
        check::<PdfError>();
        check::<qr::QrError>();
    }

    #[test]
    fn dutch_formatting() {
        assert_eq!(long_date(d(2027, 2, 3)), "3 februari 2027");
        assert_eq!(date_range(d(2027, 2, 3), d(2027, 2, 3)), "3 februari 2027");
        assert_eq!(
            date_range(d(2027, 2, 3), d(2027, 3, 10)),
            "3 februari 2027 t/m 10 maart 2027"
        );
        assert_eq!(number(7.5), "7,5");
        assert_eq!(number(8.0), "8");
        assert_eq!(number(2.25), "2,25");
        assert_eq!(number(1234.5), "1.234,5");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(f64::NAN), "0");
    }

    #[test]
    fn renders_full_certificate() {
        let doc = sample(&ACCS);
        let pdf = render(&doc).unwrap();
        write_sample("full.pdf", &pdf);

        let text = extract(&pdf);
        for needle in [
            "Certificaat",
            "Anouk van den Bërg-Çelik",
            "getraumatiseerde",
            "‘veerkracht’",
            "één dag",
            "7KQ2-9XWM-4HTR-B",
            "Flevo Academie Jeugd",
            "3 februari 2027 t/m 10 maart 2027",
            "Studiebelasting: 7,5 uur",
            "SKJ · accreditatienummer 12345 · 8 punten · registratienummer 110012345",
            "Kwaliteitsregister V&V · accreditatienummer VV-2027-0042 · 7,5 punten",
            "Uitgegeven op 12 maart 2027",
            "Controleer dit certificaat op https://academie.example.nl/certificaten/verifieer/7KQ2-9XWM-4HTR-B",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in {text:?}");
        }

        let lo = lopdf::Document::load_mem(&pdf).unwrap();
        let pages = lo.get_pages();
        assert_eq!(pages.len(), 1);
        let page_id = *pages.values().next().unwrap();
        let page = lo.get_dictionary(page_id).unwrap();
        let media_box: Vec<f32> = page
            .get(b"MediaBox")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_float().unwrap())
            .collect();
        assert_eq!(media_box, vec![0.0, 0.0, 842.0, 595.0]);

        // Verification URL (text) and QR code are clickable links.
        let annots = page.get(b"Annots").unwrap().as_array().unwrap();
        assert_eq!(annots.len(), 2);

        let has_font_file2 = lo.objects.values().any(|o| {
            o.as_dict()
                .map(|dict| dict.has(b"FontFile2"))
                .unwrap_or(false)
        });
        assert!(has_font_file2, "no embedded TrueType font (FontFile2)");
    }

    #[test]
    fn renders_edge_cases() {
        let mut doc = sample(&[]);
        doc.hours = None;
        doc.first_day = d(2027, 6, 1);
        doc.last_day = d(2027, 6, 1);
        doc.completed_on = d(2027, 6, 1);
        let pdf = render(&doc).unwrap();
        write_sample("edge.pdf", &pdf);
        let text = extract(&pdf);
        assert!(text.contains("Geen accreditatie"), "{text}");
        assert!(text.contains("Training · 1 juni 2027"), "{text}");
        assert!(!text.contains("t/m"), "{text}");
        assert!(!text.contains("Studiebelasting"), "{text}");
    }

    #[test]
    fn very_long_title_and_many_accreditations_stay_inside_the_page() {
        let title = "Ontwikkelingsgericht werken met gezinnen in complexe scheidingssituaties: \
                     signaleren, bespreekbaar maken en samenwerken met ketenpartners rondom \
                     loyaliteitsconflicten, ouderverstoting en de veiligheid van het kind — \
                     verdiepingsmodule voor ervaren jeugdprofessionals";
        assert!(title.chars().count() > 200);
        let accs: Vec<PdfAccreditation<'_>> = (0..8)
            .map(|i| PdfAccreditation {
                register: if i % 2 == 0 { "SKJ" } else { "NIP" },
                accreditation_number: "123456",
                points: 1.0,
                holder_number: Some("110012345"),
            })
            .collect();
        let mut doc = sample(&accs);
        doc.course_title = title;
        let pdf = render(&doc).unwrap();
        write_sample("long.pdf", &pdf);
        let text = extract(&pdf);
        assert!(text.contains("Ontwikkelingsgericht"), "{text}");
        assert!(text.contains("andere accreditaties"), "{text}");
        assert!(text.contains("1 punt ·"), "{text}");

        let fonts = Fonts::load().unwrap();
        let lines = fonts.bold.wrap_title(title, TITLE_W);
        assert!(lines.len() <= 3);
        for line in &lines {
            assert!(line.width() <= TITLE_W + 0.01, "{}", line.width());
        }
    }

    #[test]
    fn a_200_character_title_fits_without_ellipsis() {
        let title = "Traumasensitief werken in de jeugdhulp: herkennen, begrijpen en \
                     begeleiden van kinderen en jongeren na ingrijpende gebeurtenissen — \
                     één basismodule voor pleegzorg, residentiële zorg én ambulante teams";
        assert!(title.chars().count() >= 200, "{}", title.chars().count());
        let fonts = Fonts::load().unwrap();
        let lines = fonts.bold.wrap_title(title, TITLE_W);
        assert!(lines.len() <= 3);
        let joined: Vec<&str> = lines.iter().map(|l| l.shaped.text.as_str()).collect();
        assert_eq!(joined.join(" "), title);
        assert!(lines.iter().all(|l| l.width() <= TITLE_W + 0.01));
        let mut doc = sample(&ACCS[..1]);
        doc.course_title = title;
        write_sample("t200.pdf", &render(&doc).unwrap());
    }

    #[test]
    fn wrap_breaks_overlong_words() {
        let fonts = Fonts::load().unwrap();
        let word = "a".repeat(300);
        let lines = fonts.bold.wrap_title(&word, TITLE_W);
        assert!(lines.len() <= 3);
        assert!(lines.iter().all(|l| l.width() <= TITLE_W + 0.01));
        assert!(lines.last().unwrap().shaped.text.ends_with('…'));
    }

    #[test]
    #[ignore = "benchmark; run with --release -- --ignored --nocapture"]
    fn bench_render() {
        let doc = sample(&ACCS);
        let n = 200;
        let start = std::time::Instant::now();
        let mut size = 0;
        for _ in 0..n {
            size = render(&doc).unwrap().len();
        }
        let per = start.elapsed() / n;
        println!("render: {per:?} per certificate, {size} bytes");
    }
}
