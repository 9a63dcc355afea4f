//! Ed25519 signing keys: generated on first start into the data dir (mode 0600) unless a
//! key file is configured. Every key in `<data_dir>/keys/` is published in the JWKS, so a
//! new key can be added ahead of a rotation; the newest one (or the configured one) signs.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, spki::der::pem::LineEnding};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One Ed25519 key pair with its key id.
pub struct KeyPair {
    /// RFC 7638 thumbprint of the public key, used as `kid`.
    pub kid: String,
    /// Signing half, for jsonwebtoken.
    pub encoding: EncodingKey,
    /// Verifying half, for jsonwebtoken.
    pub decoding: DecodingKey,
    /// The raw public key, base64url (the JWK `x`).
    pub x: String,
    /// A secret derived from the private key for other keyed uses (check-in codes), so
    /// every instance sharing the key derives the same one.
    derived: [u8; 32],
}

impl KeyPair {
    /// Builds the pair from an Ed25519 signing key.
    pub fn from_signing_key(key: &SigningKey) -> anyhow::Result<Self> {
        let der = key
            .to_pkcs8_der()
            .context("encoding the signing key as PKCS#8")?;
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        let thumbprint_input = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint_input.as_bytes()));
        Ok(Self {
            kid,
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_components(&x).context("public key")?,
            x,
            derived: Sha256::new()
                .chain_update(b"academy derived secret v1")
                .chain_update(key.to_bytes())
                .finalize()
                .into(),
        })
    }

    /// Reads a PKCS#8 PEM private key.
    pub fn from_pem_file(path: &Path) -> anyhow::Result<Self> {
        let pem =
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let key = SigningKey::from_pkcs8_pem(&pem)
            .with_context(|| format!("{} is not an Ed25519 PKCS#8 PEM key", path.display()))?;
        Self::from_signing_key(&key)
    }

    /// A 32-byte secret for `purpose`, derived from the private key.
    pub fn derive_secret(&self, purpose: &str) -> [u8; 32] {
        Sha256::new()
            .chain_update(self.derived)
            .chain_update(purpose.as_bytes())
            .finalize()
            .into()
    }

    /// The JWK of the public key.
    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP",
            crv: "Ed25519",
            alg: "EdDSA",
            key_use: "sig",
            kid: self.kid.clone(),
            x: self.x.clone(),
        }
    }
}

/// A public key as published in the JWKS (RFC 7517, RFC 8037).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Jwk {
    /// Key type: `OKP`.
    pub kty: &'static str,
    /// Curve: `Ed25519`.
    pub crv: &'static str,
    /// Algorithm: `EdDSA`.
    pub alg: &'static str,
    /// Use: `sig`.
    #[serde(rename = "use")]
    pub key_use: &'static str,
    /// Key id.
    pub kid: String,
    /// Public key, base64url.
    pub x: String,
}

/// The keys the service signs and verifies with.
pub struct KeyRing {
    /// Index of the signing key in `keys`.
    signing: usize,
    keys: Vec<KeyPair>,
}

impl KeyRing {
    /// Loads the configured key, or every key in `<data_dir>/keys/`, generating one there
    /// when the directory holds none.
    pub fn load(data_dir: &Path, signing_key_file: Option<&Path>) -> anyhow::Result<Self> {
        let dir = data_dir.join("keys");
        let mut files = list_keys(&dir)?;
        let mut keys = Vec::new();
        let mut signing = None;
        if let Some(file) = signing_key_file {
            keys.push(KeyPair::from_pem_file(file)?);
            signing = Some(0);
        } else if files.is_empty() {
            files.push(generate_key_file(&dir)?);
        }
        for file in &files {
            let pair = KeyPair::from_pem_file(file)?;
            if !keys.iter().any(|k: &KeyPair| k.kid == pair.kid) {
                keys.push(pair);
            }
        }
        // Files are named by creation time, so the last one is the newest.
        let signing = signing.unwrap_or(keys.len().saturating_sub(1));
        if keys.is_empty() {
            bail!("no signing key available");
        }
        Ok(Self { signing, keys })
    }

    /// A ring of one freshly generated key, kept in memory only.
    pub fn ephemeral() -> anyhow::Result<Self> {
        Ok(Self {
            signing: 0,
            keys: vec![KeyPair::from_signing_key(&random_signing_key())?],
        })
    }

    /// The key that signs new tokens.
    pub fn signing(&self) -> &KeyPair {
        &self.keys[self.signing]
    }

    /// The key with this id, if it is known.
    pub fn find(&self, kid: &str) -> Option<&KeyPair> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// All public keys.
    pub fn jwks(&self) -> Vec<Jwk> {
        self.keys.iter().map(KeyPair::jwk).collect()
    }
}

fn random_signing_key() -> SigningKey {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    SigningKey::from_bytes(&seed)
}

fn list_keys(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "pem") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Generates a new key into `dir` (created with mode 0700), file mode 0600. Returns its path.
pub fn generate_key_file(dir: &Path) -> anyhow::Result<PathBuf> {
    create_private_dir(dir)?;
    let key = random_signing_key();
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the signing key")?;
    let name = format!(
        "ed25519-{}.pem",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ")
    );
    let path = dir.join(name);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()?;
    tracing::info!(path = %path.display(), "generated a new token signing key");
    Ok(path)
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_with_private_mode_and_reloads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let first = KeyRing::load(dir.path(), None).unwrap();
        let second = KeyRing::load(dir.path(), None).unwrap();
        assert_eq!(first.signing().kid, second.signing().kid);
        let files = list_keys(&dir.path().join("keys")).unwrap();
        assert_eq!(files.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&files[0]).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_second_key_is_published_and_the_newest_signs() {
        let dir = tempfile::tempdir().unwrap();
        let first = KeyRing::load(dir.path(), None).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        generate_key_file(&dir.path().join("keys")).unwrap();
        let ring = KeyRing::load(dir.path(), None).unwrap();
        assert_eq!(ring.jwks().len(), 2);
        assert_ne!(ring.signing().kid, first.signing().kid);
        assert!(ring.find(&first.signing().kid).is_some());
    }
}
