//! W3C Bitstring Status List v1.0 (<https://www.w3.org/TR/vc-bitstring-status-list/>):
//! the bitstring of a status list credential, and where a certificate's bit goes.
//!
//! Shape (§2.1, §3.1): at least 131,072 bits (16 KiB), so that a list is large enough for
//! group privacy; bit `i` is the `i`-th bit counting from the most significant bit of the
//! first byte; a set bit means the status (here `revocation`) applies. `encodedList` is
//! the GZIP-compressed bitstring in multibase base64url without padding (prefix `u`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::Rng;
use std::io::{Read, Write};

/// The minimum (and our) size of a list, in entries (§2.1 "minimum bitstring length").
pub const LIST_SIZE: usize = 131_072;

/// A new list is started once this share of the current one is used, so that a random
/// free index is always found within a few draws.
pub const FILL_LIMIT: usize = LIST_SIZE / 2;

/// The bitstring with `set` indices on. Indices outside the list are ignored (a list's
/// indices are drawn within it).
pub fn bitstring(size: usize, set: impl IntoIterator<Item = usize>) -> Vec<u8> {
    let mut bits = vec![0u8; size.div_ceil(8)];
    for i in set.into_iter().filter(|i| *i < size) {
        bits[i / 8] |= 0x80 >> (i % 8);
    }
    bits
}

/// Whether bit `i` is set (most significant bit first).
pub fn is_set(bits: &[u8], i: usize) -> bool {
    bits.get(i / 8)
        .is_some_and(|byte| byte & (0x80 >> (i % 8)) != 0)
}

/// `encodedList`: GZIP, then multibase base64url (`u` + unpadded base64url).
pub fn encode(bits: &[u8]) -> std::io::Result<String> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bits)?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish()?)))
}

/// The bitstring of an `encodedList`; `None` when it is not multibase base64url GZIP.
pub fn decode(encoded: &str) -> Option<Vec<u8>> {
    let zipped = URL_SAFE_NO_PAD.decode(encoded.strip_prefix('u')?).ok()?;
    let mut bits = Vec::new();
    flate2::read::GzDecoder::new(zipped.as_slice())
        .take(16 * 1024 * 1024)
        .read_to_end(&mut bits)
        .ok()?;
    Some(bits)
}

/// A random index in a list of `size` entries that `taken` does not hold, or `None`
/// after `tries` draws (the list is too full: start a new one).
pub fn draw_index(
    rng: &mut impl Rng,
    size: usize,
    tries: usize,
    mut taken: impl FnMut(usize) -> bool,
) -> Option<usize> {
    (0..tries)
        .map(|_| rng.random_range(0..size))
        .find(|i| !taken(*i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_count_from_the_most_significant_bit_of_the_first_byte() {
        let bits = bitstring(16, [0, 9, 15]);
        assert_eq!(bits, vec![0b1000_0000, 0b0100_0001]);
        assert!(is_set(&bits, 0) && is_set(&bits, 9) && is_set(&bits, 15));
        assert!(!is_set(&bits, 1) && !is_set(&bits, 8) && !is_set(&bits, 16));
    }

    #[test]
    fn a_list_is_sixteen_kibibytes_and_round_trips_through_its_encoding() {
        let bits = bitstring(LIST_SIZE, [7, 131_071, 4242, LIST_SIZE + 3]);
        assert_eq!(bits.len(), 16_384);
        let encoded = encode(&bits).unwrap();
        assert!(encoded.starts_with('u') && !encoded.contains('=') && !encoded.contains('+'));
        assert!(encoded.len() < 200, "an almost empty list compresses well");
        let back = decode(&encoded).unwrap();
        assert_eq!(back, bits);
        let set: Vec<usize> = (0..LIST_SIZE).filter(|i| is_set(&back, *i)).collect();
        assert_eq!(set, [7, 4242, 131_071]);
    }

    #[test]
    fn only_multibase_base64url_gzip_decodes() {
        let good = encode(&[1, 2, 3]).unwrap();
        assert!(decode(&good[1..]).is_none(), "no multibase prefix");
        assert!(
            decode(&format!("z{}", &good[1..])).is_none(),
            "base58 is another base"
        );
        assert!(decode("uAAAA").is_none(), "not GZIP");
    }

    #[test]
    fn indices_are_drawn_at_random_among_the_free_ones() {
        let mut rng = rand::rng();
        let drawn: Vec<usize> = (0..50)
            .map(|_| draw_index(&mut rng, LIST_SIZE, 8, |_| false).unwrap())
            .collect();
        assert!(drawn.windows(2).any(|w| w[0] > w[1]), "not in issue order");
        assert_eq!(draw_index(&mut rng, 4, 200, |i| i != 2), Some(2));
        assert_eq!(draw_index(&mut rng, 4, 50, |_| true), None);
    }
}
