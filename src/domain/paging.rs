//! Cursor pagination: a page ends with an opaque cursor naming its last row, most often
//! by its UUID v7 id (which sorts by creation time). Every cursor is the base64url text of
//! a fixed number of bytes ([`Cursor`]), with one refusal for all that are not.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::values::PAGE_SIZE;
use crate::error::{DomainError, DomainResult};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;

/// A page request: items after `after`, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// Exclusive lower bound on the id.
    pub after: Option<Uuid>,
    /// Page size (1..=200).
    pub limit: u32,
}

impl PageRequest {
    /// Parses `?limit=` and `?cursor=`.
    pub fn parse(limit: Option<u32>, cursor: Option<&str>) -> DomainResult<Self> {
        let limit = check_limit(limit)?;
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(Uuid::decode(c)?),
        };
        Ok(Self { after, limit })
    }

    /// How many rows to fetch: one more than the page, to know whether another follows.
    pub fn fetch(&self) -> u64 {
        u64::from(self.limit) + 1
    }

    /// Cuts the fetched rows to the page and computes the next cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<String>) {
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last().map(|r| id(r).encode())
        } else {
            None
        };
        (rows, next)
    }
}

/// `?limit=`: 1 to 200, 50 when absent.
pub fn check_limit(limit: Option<u32>) -> DomainResult<u32> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    PAGE_SIZE
        .check("limit", f64::from(limit))
        .map_err(|e| DomainError::Validation(vec![e]))?;
    Ok(limit)
}

/// A position in a list that a cursor carries: a fixed number of bytes, written as
/// base64url without padding.
pub trait Cursor: Sized {
    /// How many bytes the cursor carries.
    const WIDTH: usize;

    /// The bytes, [`Cursor::WIDTH`] of them.
    fn to_bytes(&self) -> Vec<u8>;

    /// The position, from exactly [`Cursor::WIDTH`] bytes; `None` when they name none.
    fn from_bytes(bytes: &[u8]) -> Option<Self>;

    /// The cursor text.
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.to_bytes())
    }

    /// Reads a cursor this service returned; 422 for anything else.
    fn decode(text: &str) -> DomainResult<Self> {
        // Lenient about the unused low bits of the last character, so every base64url
        // string of the right length is read (the document describes cursors so).
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            base64::engine::GeneralPurposeConfig::new()
                .with_encode_padding(false)
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone)
                .with_decode_allow_trailing_bits(true),
        );
        lenient
            .decode(text)
            .ok()
            .filter(|bytes| bytes.len() == Self::WIDTH)
            .and_then(|bytes| Self::from_bytes(&bytes))
            .ok_or_else(|| DomainError::invalid("cursor", "is not a cursor this service returned"))
    }
}

impl Cursor for Uuid {
    const WIDTH: usize = 16;

    fn to_bytes(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Uuid::from_slice(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors() {
        assert_eq!(PageRequest::parse(None, None).unwrap().limit, 50);
        assert!(PageRequest::parse(Some(201), None).is_err());
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(None, Some("not a cursor!")).is_err());
        let id = Uuid::now_v7();
        let p = PageRequest::parse(Some(2), Some(&id.encode())).unwrap();
        assert_eq!(p.after, Some(id));
        let (rows, next) = p.finish(vec![Uuid::nil(), id, Uuid::max()], |u| *u);
        assert_eq!(rows.len(), 2);
        assert_eq!(next, Some(id.encode()));
        assert!(Uuid::decode(&format!("{}A", id.encode())).is_err());
    }
}
