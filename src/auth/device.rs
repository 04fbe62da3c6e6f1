//! Device tokens, OWASP's "device cookie" against account lockout
//! (<https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies>).
//!
//! A client that signs in successfully receives a token bound to that account. When it
//! signs in again with it, only its own failures count against it: failures other
//! clients make on the account, or from its network address, cannot keep it out. A thief
//! holding a device token still meets the backoff of that one device.
//!
//! Shape: `<nonce>.<mac>`, both unpadded base64url; the nonce is 128 random bits and
//! names the device, the mac is HMAC-SHA256 over `account \0 nonce` with a key derived
//! from the access-token secret, so every instance accepts every instance's tokens and
//! nothing is stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct DeviceKeys {
    key: [u8; 32],
}

impl DeviceKeys {
    /// Derives the device key from the access-token secret (a separate key, so a device
    /// token can never be presented as anything else).
    pub fn derive(secret: &[u8]) -> DeviceKeys {
        let mut h = Sha256::new();
        h.update(b"invigil device tokens\0");
        h.update(secret);
        DeviceKeys {
            key: h.finalize().into(),
        }
    }

    fn mac(&self, account: &str, nonce: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(account.as_bytes());
        mac.update(b"\0");
        mac.update(nonce.as_bytes());
        mac
    }

    /// A new token for `account` (in its stored, normalised form).
    pub fn issue(&self, account: &str) -> String {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let nonce = URL_SAFE_NO_PAD.encode(nonce);
        let mac = URL_SAFE_NO_PAD.encode(self.mac(account, &nonce).finalize().into_bytes());
        format!("{nonce}.{mac}")
    }

    /// The device's name when `token` was issued for `account`; `None` for anything else
    /// (another account's token, a forged or mangled one).
    pub fn verify(&self, token: &str, account: &str) -> Option<String> {
        let (nonce, mac) = token.trim().split_once('.')?;
        if nonce.len() != 22 {
            return None;
        }
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        // verify_slice compares in constant time.
        self.mac(account, nonce).verify_slice(&mac).ok()?;
        Some(nonce.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_good_for_its_account_only() {
        let keys = DeviceKeys::derive(b"a secret of at least thirty-two bytes");
        let token = keys.issue("ana@example.com");
        let device = keys.verify(&token, "ana@example.com").expect("verifies");
        assert_eq!(device, token.split('.').next().unwrap());
        assert_eq!(keys.verify(&token, "bob@example.com"), None);
        assert_ne!(keys.issue("ana@example.com"), token);
    }

    #[test]
    fn forged_and_foreign_tokens_are_refused() {
        let keys = DeviceKeys::derive(b"a secret of at least thirty-two bytes");
        let other = DeviceKeys::derive(b"another secret of thirty-two bytes!!");
        let token = keys.issue("ana@example.com");
        assert_eq!(other.verify(&token, "ana@example.com"), None);
        let (nonce, mac) = token.split_once('.').unwrap();
        let mut flipped = mac.to_string().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let forged = format!("{nonce}.{}", String::from_utf8(flipped).unwrap());
        assert_eq!(keys.verify(&forged, "ana@example.com"), None);
        assert_eq!(keys.verify("", "ana@example.com"), None);
        assert_eq!(keys.verify("x.y", "ana@example.com"), None);
    }
}
