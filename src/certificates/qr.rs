//! QR codes for certificate verification links.
//!
//! [`matrix`] produces the raw module grid (used by the PDF renderer to draw
//! the code as vector squares); [`png`] rasterises it into a black-on-white
//! PNG for places that need an image (e-mail, web page).

/// Width of the light border around the code, in modules, as required by the
/// QR specification.
pub const QUIET_ZONE: usize = 4;

/// The largest PNG side (in pixels) [`png`] is willing to produce.
const MAX_PNG_SIDE: u64 = 8192;

/// Errors while building a QR code.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The data could not be encoded (for example: too long for any QR version).
    #[error("QR-code kon niet worden gemaakt: {0}")]
    Encode(#[from] qrcode::types::QrError),
    /// The requested PNG module size is zero or the image would be unreasonably large.
    #[error("ongeldige QR-afbeeldingsgrootte: {module_px} px per module bij {width} modules")]
    InvalidSize {
        /// Requested pixels per module.
        module_px: u32,
        /// Width of the code in modules (without quiet zone).
        width: usize,
    },
    /// The PNG encoder failed.
    #[error("QR-afbeelding kon niet worden gecodeerd: {0}")]
    Png(#[from] ::png::EncodingError),
}

/// A square grid of QR modules, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    /// Number of modules per side.
    pub width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Whether the module at column `x`, row `y` (origin top left) is dark.
    /// Coordinates outside the grid are light (part of the quiet zone).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark.get(y * self.width + x).copied() == Some(true)
    }
}

/// Encodes `data` (error correction level M) into a module grid.
///
/// # Errors
///
/// [`QrError::Encode`] when the data does not fit in any QR version.
pub fn matrix(data: &str) -> Result<QrMatrix, QrError> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)?;
    let width = code.width();
    let dark = code
        .into_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok(QrMatrix { width, dark })
}

/// Renders `data` as a black-on-white 1-bit greyscale PNG with a
/// [`QUIET_ZONE`]-module border, each module `module_px` pixels wide.
///
/// # Errors
///
/// [`QrError::Encode`] when the data cannot be encoded,
/// [`QrError::InvalidSize`] when `module_px` is zero or the image would exceed
/// 8192 px per side, [`QrError::Png`] if the PNG encoder fails.
pub fn png(data: &str, module_px: u32) -> Result<Vec<u8>, QrError> {
    let m = matrix(data)?;
    let modules = m.width + 2 * QUIET_ZONE;
    let side = (modules as u64) * u64::from(module_px);
    let invalid = || QrError::InvalidSize {
        module_px,
        width: m.width,
    };
    if module_px == 0 || side > MAX_PNG_SIDE {
        return Err(invalid());
    }
    let side_px = u32::try_from(side).map_err(|_| invalid())?;
    let side = side_px as usize;
    let scale = module_px as usize;

    // 1 bit per pixel, rows padded to whole bytes; bit set = white.
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0u8; row_bytes * side];
    for (py, row) in pixels.chunks_exact_mut(row_bytes).enumerate() {
        let my = (py / scale).wrapping_sub(QUIET_ZONE);
        for px in 0..side {
            let mx = (px / scale).wrapping_sub(QUIET_ZONE);
            // wrapping_sub makes quiet-zone coordinates huge, hence light.
            if !m.is_dark(mx, my) {
                row[px / 8] |= 0x80 >> (px % 8);
            }
        }
    }

    let mut out = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut out, side_px, side_px);
        encoder.set_color(::png::ColorType::Grayscale);
        encoder.set_depth(::png::BitDepth::One);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
        writer.finish()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://academie.example.nl/certificaten/verifieer/7KQ2-9XWM-4HTR-B?taal=nl";

    #[test]
    fn matrix_width_is_sane_for_a_url() {
        let m = matrix(URL).unwrap();
        // Version 1 is 21 modules, each version adds 4; an ~80 byte URL at
        // level M needs version 5 or 6.
        assert!((33..=45).contains(&m.width), "width {}", m.width);
        assert_eq!((m.width - 17) % 4, 0);
        // Finder pattern corners are dark, quiet zone is light.
        assert!(m.is_dark(0, 0));
        assert!(m.is_dark(m.width - 1, 0));
        assert!(m.is_dark(0, m.width - 1));
        assert!(!m.is_dark(m.width, 0));
    }

    #[test]
    fn png_decodes_to_expected_size() {
        let m = matrix(URL).unwrap();
        let bytes = png(URL, 4).unwrap();
        let decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let expected = ((m.width + 2 * QUIET_ZONE) * 4) as u32;
        assert_eq!((info.width, info.height), (expected, expected));
        assert_eq!(info.color_type, ::png::ColorType::Grayscale);

        // Top-left pixel is quiet zone (white); the first finder module is black.
        let bit = |x: usize, y: usize| buf[y * info.line_size + x / 8] & (0x80 >> (x % 8)) != 0;
        assert!(bit(0, 0));
        assert!(!bit(QUIET_ZONE * 4, QUIET_ZONE * 4));
    }

    #[test]
    fn png_rejects_bad_sizes() {
        assert!(matches!(png(URL, 0), Err(QrError::InvalidSize { .. })));
        assert!(matches!(png(URL, 10_000), Err(QrError::InvalidSize { .. })));
    }

    #[test]
    fn too_long_data_is_an_error() {
        let long = "x".repeat(5000);
        assert!(matches!(matrix(&long), Err(QrError::Encode(_))));
    }
}
