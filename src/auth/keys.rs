//! Ed25519 signing keys: generated on first start into the data dir (mode 0600) unless a
//! key file is configured. Every key in `<data_dir>/keys/` is published in the JWKS, so a
//! new key can be added ahead of a rotation; the newest one (or the configured one) signs.
//!
//! The service's other keyed secrets (check-in codes, personal feed tokens) come from key
//! material of their own, [`SecretKey`], so adding or rotating a signing key changes no
//! feed URL and no code. Whatever is created in a data dir is created under an exclusive
//! lock of that dir, so instances starting together on an empty shared dir create one key.

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
        let mut keys = Vec::new();
        let mut signing = None;
        let files = if let Some(file) = signing_key_file {
            keys.push(KeyPair::from_pem_file(file)?);
            signing = Some(0);
            list_keys(&dir)?
        } else {
            locked(&dir, || {
                let mut files = list_keys(&dir)?;
                if files.is_empty() {
                    files.push(generate_key_file(&dir)?);
                }
                Ok(files)
            })?
        };
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

/// Key material for the service's own keyed secrets (check-in codes, feed tokens),
/// independent of the token signing keys.
pub struct SecretKey(Vec<u8>);

/// Bytes a secret key file holds at least.
pub const SECRET_KEY_MIN_BYTES: usize = 32;

impl SecretKey {
    /// Reads the configured file, or `<data_dir>/secret.key`, creating the latter with 32
    /// random bytes (mode 0600) when it does not exist.
    pub fn load(data_dir: &Path, file: Option<&Path>) -> anyhow::Result<Self> {
        let bytes = match file {
            Some(path) => fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            None => locked(data_dir, || {
                let path = data_dir.join("secret.key");
                match fs::read(&path) {
                    Ok(bytes) => Ok(bytes),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        let mut bytes = vec![0u8; SECRET_KEY_MIN_BYTES];
                        rand::rng().fill_bytes(&mut bytes);
                        write_private(&path, &bytes)?;
                        tracing::info!(path = %path.display(), "generated the secret key");
                        Ok(bytes)
                    }
                    Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
                }
            })?,
        };
        if bytes.len() < SECRET_KEY_MIN_BYTES {
            bail!("the secret key must hold at least {SECRET_KEY_MIN_BYTES} bytes");
        }
        Ok(Self(bytes))
    }

    /// Key material kept in memory only (tests, one-off tools).
    pub fn ephemeral() -> Self {
        let mut bytes = vec![0u8; SECRET_KEY_MIN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// A 32-byte key for one purpose; different purposes give unrelated keys.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        Sha256::new()
            .chain_update(b"academy secret v1\0")
            .chain_update(&self.0)
            .chain_update(purpose.as_bytes())
            .finalize()
            .into()
    }
}

/// Runs `f` holding an exclusive lock on `dir` (created with mode 0700 when missing), so
/// that instances sharing the dir never both create what it lacks.
fn locked<T>(dir: &Path, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    create_private_dir(dir)?;
    let path = dir.join(".lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", path.display()))?;
    let out = f();
    let _ = lock.unlock();
    out
}

/// Writes a new file readable by the owner only; fails if it exists.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
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
    write_private(&path, pem.as_bytes())?;
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
    fn instances_starting_together_on_an_empty_dir_share_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let rings: Vec<(String, [u8; 32])> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let ring = KeyRing::load(&path, None).unwrap();
                    let secret = SecretKey::load(&path, None).unwrap();
                    (ring.signing().kid.clone(), secret.derive("x"))
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert!(rings.windows(2).all(|w| w[0] == w[1]), "{rings:?}");
        assert_eq!(list_keys(&path.join("keys")).unwrap().len(), 1);
    }

    #[test]
    fn a_new_signing_key_changes_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let before = SecretKey::load(dir.path(), None)
            .unwrap()
            .derive("calendar feeds");
        KeyRing::load(dir.path(), None).unwrap();
        generate_key_file(&dir.path().join("keys")).unwrap();
        let after = SecretKey::load(dir.path(), None)
            .unwrap()
            .derive("calendar feeds");
        assert_eq!(before, after);
        assert_ne!(
            before,
            SecretKey::load(dir.path(), None)
                .unwrap()
                .derive("check-in codes")
        );
        let short = dir.path().join("short.key");
        fs::write(&short, b"too short").unwrap();
        assert!(SecretKey::load(dir.path(), Some(&short)).is_err());
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
