//! Verification codes: 75 random bits as 15 Crockford base32 characters, shown in three
//! groups of five ("7KQ2M-9XWM4-HTRB8"). Easy to read aloud: no I, L, O or U; reading
//! them back forgives case, spaces and dashes, and I/L for 1 and O for 0.

use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code.
pub const LENGTH: usize = 15;

/// A new random code (stored form: 15 characters, no dashes).
pub fn generate() -> String {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    let mut bits = u128::from_be_bytes({
        let mut wide = [0u8; 16];
        wide[6..].copy_from_slice(&bytes);
        wide
    });
    let mut out = [0u8; LENGTH];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(bits & 31) as usize];
        bits >>= 5;
    }
    out.iter().map(|b| char::from(*b)).collect()
}

/// The printed form: three groups of five.
pub fn display(stored: &str) -> String {
    let chars: Vec<char> = stored.chars().collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Where anyone verifies the certificate with this (stored) code.
pub fn verify_url(public_url: &str, stored: &str) -> String {
    format!("{public_url}/api/v1/verify/{}", display(stored))
}

/// Reads a code as a person might type it; `None` when it cannot be one.
pub fn parse(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(LENGTH);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
        if out.len() > LENGTH {
            return None;
        }
    }
    (out.len() == LENGTH).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_readable_and_parse_back() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert_eq!(a.len(), LENGTH);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        let shown = display(&a);
        assert_eq!(shown.len(), 17);
        assert_eq!(parse(&shown).as_deref(), Some(a.as_str()));
        assert_eq!(parse(&shown.to_lowercase()).as_deref(), Some(a.as_str()));
        assert_eq!(
            parse("7KQ2M 9XWM4 HTRB8").as_deref(),
            Some("7KQ2M9XWM4HTRB8")
        );
        assert_eq!(
            parse("oIL00-00000-00000").as_deref(),
            Some("011000000000000")
        );
        assert_eq!(parse("7KQ2M-9XWM4-HTRB"), None);
        assert_eq!(parse("7KQ2M-9XWM4-HTRBU"), None);
        assert_eq!(parse("7KQ2M-9XWM4-HTRB88"), None);
        assert_eq!(parse("7KQ2M-9XWM4-HTRBé"), None);
    }

    #[test]
    fn every_bit_is_used() {
        // 75 bits: the first character carries the top bits and still varies.
        let firsts: std::collections::HashSet<char> =
            (0..400).filter_map(|_| generate().chars().next()).collect();
        assert!(firsts.len() > 16);
    }
}
