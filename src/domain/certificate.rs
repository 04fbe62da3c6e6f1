//! Certificates: their numbers and their dates. No SQL, no HTTP.
//!
//! A number reads `MLOAF-7K3Q-9XPR-D`: the certification's code without its hyphens,
//! eight random Crockford base32 characters (40 bits; no I, L, O or U to misread), and a
//! check character. The check is a weighted sum modulo 37 with weights 2^k (2 generates
//! the group, so neighbouring weights always differ): it catches every single-character
//! typo and every swap of two neighbours. Payloads whose check would need a 37th symbol
//! are never issued, so the check is always one of 0-9A-Z.
//!
//! A number is typed from paper, so [`CertificateNumber::parse`] reads Crockford's
//! look-alikes (O for 0, I and L for 1) in the random groups and the check character.
//! Numbers whose check would be O, I or L are no longer issued (the sum allows them, so
//! older numbers may end in one): in a new number, then, a typed O, I or L anywhere after
//! the prefix can only mean 0 or 1, and every single typo and neighbour swap is still
//! caught. An older number whose check is O, I or L still verifies as printed.

use chrono::{Duration, Months, NaiveDate};
use rand::Rng;
use std::fmt;

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_CHARS: usize = 8;
/// The random characters are printed in two groups of this many.
const GROUP_CHARS: usize = 4;

/// A certificate number whose shape and check character are right.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertificateNumber(String);

impl CertificateNumber {
    /// A fresh random number for a certification.
    pub fn generate(certification_code: &str, rng: &mut impl Rng) -> CertificateNumber {
        let prefix: String = certification_code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_uppercase();
        loop {
            let random: String = (0..RANDOM_CHARS)
                .map(|_| CROCKFORD[rng.random_range(0..32)] as char)
                .collect();
            let payload = format!("{prefix}{random}");
            if let Some(check) = check_char(&payload).filter(|c| !is_lookalike(*c)) {
                return CertificateNumber(format!(
                    "{prefix}-{}-{}-{check}",
                    &random[..GROUP_CHARS],
                    &random[GROUP_CHARS..]
                ));
            }
        }
    }

    /// Parses a number as a person types it from paper, and returns it in its canonical
    /// form (upper case, hyphenated, with digits where look-alikes were typed), the form
    /// it is stored in.
    ///
    /// What may vary: case; spaces anywhere (around the number, around the hyphens, inside
    /// a group); the hyphens, all three or none (without them the parts are counted from
    /// the right: the check character, then two groups of four, and the prefix is the
    /// rest); and O for 0, I or L for 1 in the groups and the check character (not in the
    /// prefix, whose letters are the certification's own). What may not: the length of
    /// each part, and the check character, computed after the look-alikes are read.
    pub fn parse(raw: &str) -> Option<CertificateNumber> {
        let typed: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if !typed.is_ascii() {
            return None;
        }
        let typed = typed.to_ascii_uppercase();
        let (prefix, a, b, check) = if typed.contains('-') {
            let parts: Vec<&str> = typed.split('-').collect();
            let [prefix, a, b, check] = parts.as_slice() else {
                return None;
            };
            (*prefix, *a, *b, *check)
        } else {
            let prefix_len = typed.len().checked_sub(1 + 2 * GROUP_CHARS)?;
            let (prefix, tail) = typed.split_at(prefix_len);
            let (a, tail) = tail.split_at(GROUP_CHARS);
            let (b, check) = tail.split_at(GROUP_CHARS);
            (prefix, a, b, check)
        };
        let prefix_ok =
            (2..=16).contains(&prefix.len()) && prefix.bytes().all(|c| c.is_ascii_alphanumeric());
        if !prefix_ok {
            return None;
        }
        let (Some(a), Some(b), [typed_check]) = (read_group(a), read_group(b), check.as_bytes())
        else {
            return None;
        };
        let expected = check_char(&format!("{prefix}{a}{b}"))?;
        // As printed, or a look-alike of it: an older number's check may be O, I or L, and
        // a newer one's is never, so a typed O, I or L is read as 0 or 1 only when it is
        // not the check itself.
        let typed_check = char::from(*typed_check);
        (typed_check == expected || read_lookalike(typed_check) == expected)
            .then(|| CertificateNumber(format!("{prefix}-{a}-{b}-{expected}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A group of four Crockford characters as typed (upper case), with its look-alikes read
/// as the digits they stand for; None if it is not one.
fn read_group(typed: &str) -> Option<String> {
    (typed.len() == GROUP_CHARS)
        .then(|| typed.chars().map(read_lookalike).collect::<String>())
        .filter(|group| group.bytes().all(|c| CROCKFORD.contains(&c)))
}

/// Crockford's decoding of the letters that look like digits: O is 0, I and L are 1.
fn read_lookalike(c: char) -> char {
    match c {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    }
}

fn is_lookalike(c: char) -> bool {
    read_lookalike(c) != c
}

/// The check character of an alphanumeric payload, or None when it would be the 37th.
fn check_char(payload: &str) -> Option<char> {
    let n = payload.len() as u32;
    let mut sum = 0u64;
    for (i, c) in payload.bytes().enumerate() {
        let value = ALPHABET.iter().position(|&a| a == c)? as u64;
        sum += value * pow2_mod37(n - i as u32);
    }
    let check = (37 - sum % 37) % 37;
    (check < 36).then(|| ALPHABET[check as usize] as char)
}

fn pow2_mod37(k: u32) -> u64 {
    (0..k).fold(1u64, |acc, _| acc * 2 % 37)
}

/// `months` calendar months after `date`, on the same day or, when that month is
/// shorter, on its last day (chrono's `checked_add_months`). A date past chrono's range
/// (year 262143) stays as it is.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(date)
}

/// The dates of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub renewal_opens_on: NaiveDate,
}

impl Validity {
    pub fn new(issued_on: NaiveDate, expires_on: NaiveDate, renewal_window_days: u32) -> Validity {
        Validity {
            issued_on,
            expires_on,
            renewal_opens_on: expires_on - Duration::days(renewal_window_days.into()),
        }
    }

    /// A certificate earned on `issued_on`, valid `validity_months`.
    pub fn issue(issued_on: NaiveDate, validity_months: u32, renewal_window_days: u32) -> Validity {
        Self::new(
            issued_on,
            add_months(issued_on, validity_months),
            renewal_window_days,
        )
    }

    pub fn status(&self, today: NaiveDate, revoked: bool) -> CertificateStatus {
        if revoked {
            CertificateStatus::Revoked
        } else if today > self.expires_on {
            CertificateStatus::Expired
        } else if today >= self.renewal_opens_on {
            CertificateStatus::RenewalDue
        } else {
            CertificateStatus::Active
        }
    }
}

/// Where a certificate stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Active,
    RenewalDue,
    Expired,
    Revoked,
}

impl CertificateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Active => "active",
            CertificateStatus::RenewalDue => "renewal_due",
            CertificateStatus::Expired => "expired",
            CertificateStatus::Revoked => "revoked",
        }
    }

    /// Whether the certificate counts as held (for prerequisites).
    pub fn is_held(self) -> bool {
        matches!(
            self,
            CertificateStatus::Active | CertificateStatus::RenewalDue
        )
    }
}

#[cfg(test)]
mod tests;
