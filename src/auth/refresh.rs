//! Refresh tokens: 256 random bits shown to the client once; only their SHA-256 is stored.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new refresh token and the hash to store for it.
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of a token (also used for API keys): hex SHA-256. A fast hash suffices
/// because the input is 256 random bits, not something a person chose.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_stored_only_as_their_hash() {
        let (token, stored) = generate();
        assert_eq!(token.len(), 43);
        assert_ne!(token, stored);
        assert_eq!(hash(&token), stored);
        assert_ne!(generate().0, token);
    }
}
