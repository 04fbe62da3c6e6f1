//! Certificates: their numbers and their dates. No SQL, no HTTP.
//!
//! A number reads `MLOAF-7K3Q-9XPR-D`: the certification's code without its hyphens,
//! eight random Crockford base32 characters (40 bits; no I, L, O or U to misread), and a
//! check character. The check is a weighted sum modulo 37 with weights 2^k (2 generates
//! the group, so neighbouring weights always differ): it catches every single-character
//! typo and every swap of two neighbours. Payloads whose check would need a 37th symbol
//! are never issued, so the check is always one of 0-9A-Z.

use chrono::{Duration, Months, NaiveDate};
use rand::Rng;
use std::fmt;

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_CHARS: usize = 8;

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
            if let Some(check) = check_char(&payload) {
                return CertificateNumber(format!(
                    "{prefix}-{}-{}-{check}",
                    &random[..4],
                    &random[4..]
                ));
            }
        }
    }

    /// Parses a number as typed: case and surrounding spaces do not matter; the shape and
    /// the check character do.
    pub fn parse(raw: &str) -> Option<CertificateNumber> {
        let number = raw.trim().to_ascii_uppercase();
        let parts: Vec<&str> = number.split('-').collect();
        let [prefix, a, b, check] = parts.as_slice() else {
            return None;
        };
        let crockford = |s: &str| s.len() == 4 && s.bytes().all(|c| CROCKFORD.contains(&c));
        let prefix_ok =
            (2..=16).contains(&prefix.len()) && prefix.bytes().all(|c| c.is_ascii_alphanumeric());
        if !prefix_ok || !crockford(a) || !crockford(b) || check.len() != 1 {
            return None;
        }
        let payload = format!("{prefix}{a}{b}");
        (check_char(&payload)?.to_string() == *check).then_some(CertificateNumber(number))
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn expiry_dates_add_calendar_months_clamped_to_the_months_end() {
        let table = [
            ("2024-02-29", 24, "2026-02-28"),
            ("2024-02-29", 48, "2028-02-29"),
            ("2026-08-31", 36, "2029-08-31"),
            ("2026-08-31", 24, "2028-08-31"),
            ("2026-01-31", 25, "2028-02-29"),
            ("2026-03-31", 24, "2028-03-31"),
            ("2026-05-31", 36, "2029-05-31"),
            ("2025-12-15", 24, "2027-12-15"),
            ("2026-11-30", 27, "2029-02-28"),
            ("2027-10-31", 28, "2030-02-28"),
            ("2026-11-26", 36, "2029-11-26"),
        ];
        for (issued, months, expires) in table {
            assert_eq!(
                add_months(d(issued), months),
                d(expires),
                "{issued} + {months} months"
            );
        }
    }

    #[test]
    fn statuses_print_as_their_names_and_only_current_ones_are_held() {
        use CertificateStatus::*;
        let table = [
            (Active, "active", true),
            (RenewalDue, "renewal_due", true),
            (Expired, "expired", false),
            (Revoked, "revoked", false),
        ];
        for (status, name, held) in table {
            assert_eq!((status.as_str(), status.is_held()), (name, held));
        }
    }

    #[test]
    fn renewal_opens_a_window_before_expiry() {
        let v = Validity::issue(d("2026-11-26"), 36, 180);
        assert_eq!(v.expires_on, d("2029-11-26"));
        assert_eq!(v.renewal_opens_on, d("2029-05-30"));
        assert_eq!(v.status(d("2029-05-29"), false), CertificateStatus::Active);
        assert_eq!(
            v.status(d("2029-05-30"), false),
            CertificateStatus::RenewalDue
        );
        assert_eq!(
            v.status(d("2029-11-26"), false),
            CertificateStatus::RenewalDue
        );
        assert_eq!(v.status(d("2029-11-27"), false), CertificateStatus::Expired);
        assert_eq!(v.status(d("2027-01-01"), true), CertificateStatus::Revoked);
    }

    #[test]
    fn generated_numbers_have_the_documented_shape_and_parse() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let n = CertificateNumber::generate("MLOA-F", &mut rng);
        assert!(n.as_str().starts_with("MLOAF-"));
        assert_eq!(n.as_str().len(), "MLOAF-7K3Q-9XPR-D".len());
        assert_eq!(CertificateNumber::parse(n.as_str()), Some(n.clone()));
        assert_eq!(
            CertificateNumber::parse(&format!("  {}  ", n.as_str().to_lowercase())),
            Some(n)
        );
    }

    #[test]
    fn every_single_typo_and_adjacent_swap_of_many_numbers_is_caught() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(42);
        let codes = ["MLOA-F", "MLOA-P", "MLOA-AA", "MLOA-AG"];
        for i in 0..400 {
            let number = CertificateNumber::generate(codes[i % 4], &mut rng);
            let chars: Vec<char> = number.as_str().chars().collect();
            for pos in 0..chars.len() {
                if chars[pos] == '-' {
                    continue;
                }
                for &c in ALPHABET {
                    let c = c as char;
                    if c == chars[pos] {
                        continue;
                    }
                    let mut typo = chars.clone();
                    typo[pos] = c;
                    let typo: String = typo.into_iter().collect();
                    assert!(
                        CertificateNumber::parse(&typo).is_none(),
                        "{typo} (typo of {number}) accepted"
                    );
                }
            }
            // Neighbours in the alphanumeric sequence, also across a hyphen.
            let alnum: Vec<usize> = (0..chars.len()).filter(|&p| chars[p] != '-').collect();
            for w in alnum.windows(2) {
                if chars[w[0]] == chars[w[1]] {
                    continue;
                }
                let mut swapped = chars.clone();
                swapped.swap(w[0], w[1]);
                let swapped: String = swapped.into_iter().collect();
                assert!(
                    CertificateNumber::parse(&swapped).is_none(),
                    "{swapped} (swap in {number}) accepted"
                );
            }
        }
    }

    /// `prefix-a-b-check` with the check character its payload computes to.
    fn with_check(prefix: &str, a: &str, b: &str) -> String {
        let check = check_char(&format!("{prefix}{a}{b}")).expect("a payload with a check");
        format!("{prefix}-{a}-{b}-{check}")
    }

    #[test]
    fn the_check_character_is_the_documented_sum() {
        // Pinned by hand from the rule (weights 2^k mod 37 from the right, k = n .. 1),
        // so that numbers already issued keep verifying whatever the code becomes:
        // 1*2^3 + 2*2^2 + 3*2^1 = 22, and 37 - 22 = 15, which is F.
        assert_eq!(check_char("123"), Some('F'));
        assert_eq!(check_char("000"), Some('0'));
        // Z is 35: 35 * 2 = 70 = 33 (mod 37), and 37 - 33 = 4.
        assert_eq!(check_char("Z"), Some('4'));
        // J is 19: 19 * 2 = 38 = 1 (mod 37), so its check would be the 37th symbol.
        assert_eq!(check_char("J"), None);
        assert_eq!(check_char("@"), None);
    }

    #[test]
    fn a_number_prints_as_it_reads() {
        let number = CertificateNumber::parse(&with_check("MLOAF", "7K3Q", "9XPR")).unwrap();
        assert_eq!(number.to_string(), number.as_str());
    }

    #[test]
    fn each_part_of_the_shape_is_checked_even_with_the_right_check_character() {
        assert!(CertificateNumber::parse(&with_check("MLOAF", "7K3Q", "9XPR")).is_some());
        assert!(CertificateNumber::parse(&with_check("MF", "7K3Q", "9XPR")).is_some());
        for bad in [
            with_check("M", "7K3Q", "9XPR"),
            with_check(&"M".repeat(17), "7K3Q", "9XPR"),
            with_check("MLOAF", "7K3QX", "9XP"),
            with_check("MLOAF", "7K3", "9XPRX"),
            with_check("MLOAF", "7KIQ", "9XPR"),
            with_check("MLOAF", "7K3Q", "9XPU"),
            format!("{}0", with_check("MLOAF", "7K3Q", "9XPR")),
        ] {
            assert!(CertificateNumber::parse(&bad).is_none(), "{bad} accepted");
        }
    }

    #[test]
    fn malformed_shapes_are_refused() {
        for bad in [
            "",
            "MLOAF",
            "MLOAF-7K3Q-9XPR",
            "MLOAF-7K3Q-9XPR-DD",
            "MLOAF-7KIQ-9XPR-D",
            "M-7K3Q-9XPR-D",
            "MLOAF_7K3Q_9XPR_D",
        ] {
            assert!(CertificateNumber::parse(bad).is_none(), "{bad}");
        }
    }
}
