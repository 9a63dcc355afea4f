//! Keys, tokens, passwords and secrets. No HTTP here; the security schemes that use
//! these live in `api::security`.

pub mod access;
pub mod keys;
pub mod password;
pub mod secret;
pub mod tokens;
