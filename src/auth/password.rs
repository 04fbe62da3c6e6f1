//! Argon2id password hashes as PHC strings. Hashing is slow on purpose: call these from
//! a blocking thread, never from an async worker.

use crate::domain::account::Password;
use crate::error::{ApiError, ApiResult};
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use rand::RngCore;
use std::cell::RefCell;
use std::sync::OnceLock;

/// OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;
const OUTPUT_LEN: usize = 32;

thread_local! {
    // Argon2's working memory, kept per thread: allocating and faulting in 19 MiB for
    // every login costs more than the hash's own arithmetic.
    static WORKING_MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Computes an Argon2id output with this thread's working memory.
fn compute(
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let needed = params.block_count();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    WORKING_MEMORY.with(|memory| {
        let mut blocks = memory.borrow_mut();
        if blocks.len() < needed {
            *blocks = vec![Block::default(); needed];
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
    })
}

/// Hashes a new password with a fresh random salt, as a PHC string.
pub fn hash(password: &Password) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, Some(OUTPUT_LEN)).map_err(ApiError::internal)?;
    let mut out = [0u8; OUTPUT_LEN];
    compute(params, password.expose().as_bytes(), &salt, &mut out).map_err(ApiError::internal)?;
    let salt = SaltString::encode_b64(&salt).map_err(ApiError::internal)?;
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    Ok(format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}${}${}",
        salt.as_str(),
        b64.encode(out)
    ))
}

/// Checks `password` against a stored hash (with the hash's own parameters); a
/// malformed hash, or one of another algorithm, never matches. The password's NFC form is
/// what hashes are made of; a hash stored before passwords were normalised is matched
/// by the password as typed (a second hashing only for a password whose NFC form differs).
pub fn verify(stored: &str, password: &Password) -> bool {
    verify_bytes(stored, password.expose().as_bytes())
        || password
            .as_typed()
            .is_some_and(|typed| verify_bytes(stored, typed.as_bytes()))
}

fn verify_bytes(stored: &str, password: &[u8]) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    if parsed.algorithm.as_str() != "argon2id" || parsed.version.is_some_and(|v| v != 0x13) {
        return false;
    }
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if compute(params, password, salt, &mut out).is_err() {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// A hash of a random password with the same parameters, verified against when the email
/// is unknown so that "no such account" takes as long as "wrong password".
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        // 48 hex digits always parse as an attempt; were hashing ever to fail, an empty
        // stored hash simply never matches.
        Password::parse_attempt(&hex::encode(bytes))
            .ok()
            .and_then(|random| hash(&random).ok())
            .unwrap_or_default()
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
    fn accents_typed_either_way_match_and_old_hashes_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let decomposed = "cafe\u{301} au lait, s'il vous plait";
        let precomposed = "caf\u{e9} au lait, s'il vous plait";
        let attempt = |raw: &str| Password::parse_attempt(raw).expect("well-formed");
        // Hashed now: of the NFC form, matched however it is typed.
        let stored = hash(&attempt(decomposed)).expect("hashed");
        assert!(verify(&stored, &attempt(precomposed)));
        assert!(verify(&stored, &attempt(decomposed)));
        // Hashed before passwords were normalised, of the bytes as typed: still matched
        // by the same typing, and by nothing else.
        let salt = SaltString::encode_b64(b"0123456789abcdef").expect("salt");
        let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("params");
        let old = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(decomposed.as_bytes(), &salt)
            .expect("hashed")
            .to_string();
        assert!(verify(&old, &attempt(decomposed)));
        assert!(!verify(&old, &attempt("cafe au lait, s'il vous plait")));
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let p = Password::parse_attempt("correct horse battery staple").unwrap();
        assert_ne!(hash(&p).unwrap(), hash(&p).unwrap());
    }

    #[test]
    fn hashes_agree_with_the_reference_implementation() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let p = Password::parse_attempt("correct horse battery staple").unwrap();
        // Ours verifies in the reference implementation, and the reference's in ours.
        let ours = hash(&p).unwrap();
        assert!(Argon2::default()
            .verify_password(p.expose().as_bytes(), &PasswordHash::new(&ours).unwrap())
            .is_ok());
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let params = Params::new(MEMORY_KIB, PASSES, LANES, None).unwrap();
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(p.expose().as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert!(verify(&theirs, &p));
        assert!(!verify(&theirs, &Password::parse_attempt("wrong").unwrap()));
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
