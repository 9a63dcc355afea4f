//! Password hashing with Argon2id; the work runs off the async threads.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

/// Each hash takes 19 MiB and a core for a while; running more at once than there are
/// cores only adds memory, not throughput.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores)
});

async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// Hashes a password to a PHC string.
pub async fn hash(password: String) -> Result<String, String> {
    run(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|| Err("password hashing was interrupted".to_owned()))
}

/// Checks a password against a PHC string. With no hash it still does the work of one
/// verification, so the answer takes as long for unknown accounts as for known ones.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    run(move || {
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
