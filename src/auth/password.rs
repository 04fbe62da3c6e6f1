//! Argon2id password hashes as PHC strings. Hashing is slow on purpose: call these from
//! a blocking thread, never from an async worker.

use crate::domain::account::Password;
use crate::error::{ApiError, ApiResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use std::sync::OnceLock;

/// OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

fn hasher() -> ApiResult<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(ApiError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a new password with a fresh random salt.
pub fn hash(password: &Password) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    let hash = hasher()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map_err(ApiError::internal)?;
    Ok(hash.to_string())
}

/// Checks `password` against a stored hash; a malformed hash never matches.
pub fn verify(stored: &str, password: &Password) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let Ok(argon) = hasher() else {
        return false;
    };
    argon
        .verify_password(password.expose().as_bytes(), &parsed)
        .is_ok()
}

/// A hash of a random password with the same parameters, verified against when the email
/// is unknown so that "no such account" takes as long as "wrong password".
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        let random = Password::parse_attempt(&hex::encode(bytes))
            .expect("48 hex digits are a valid attempt");
        hash(&random).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_own_password_only() {
        let right = Password::parse_attempt("correct horse battery staple").unwrap();
        let wrong = Password::parse_attempt("correct horse battery stapler").unwrap();
        let stored = hash(&right).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(&stored, &right));
        assert!(!verify(&stored, &wrong));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let p = Password::parse_attempt("correct horse battery staple").unwrap();
        assert_ne!(hash(&p).unwrap(), hash(&p).unwrap());
    }

    #[test]
    fn a_malformed_hash_never_matches() {
        let p = Password::parse_attempt("anything at all").unwrap();
        assert!(!verify("not a phc string", &p));
    }

    #[test]
    fn the_dummy_hash_uses_the_real_parameters() {
        assert!(dummy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}
