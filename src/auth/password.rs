//! Password hashing with Argon2id; the work runs off the async threads.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Hashes a password to a PHC string.
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Checks a password against a PHC string. With no hash it still does the work of one
/// verification, so the answer takes as long for unknown accounts as for known ones.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let argon = Argon2::default();
        match phc {
            Some(phc) => argon
                .verify_password(password.as_bytes(), phc.as_str())
                .is_ok(),
            None => {
                let _ = argon.hash_password(password.as_bytes());
                false
            }
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let a = super::hash("correct horse".into()).await.unwrap();
        let b = super::hash("correct horse".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(super::verify("correct horse".into(), Some(a.clone())).await);
        assert!(!super::verify("wrong".into(), Some(a)).await);
        assert!(!super::verify("x".into(), None).await);
    }
}
