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
            let prefix_end = number.as_str().find('-').unwrap();
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
                    // O for 0 (I or L for 1) after the prefix is a reading, not a typo.
                    if pos > prefix_end && read_lookalike(c) == chars[pos] {
                        assert_eq!(CertificateNumber::parse(&typo).as_ref(), Some(&number));
                        continue;
                    }
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
            with_check("MLOAF", "7KUQ", "9XPR"),
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
            "MLOAF-7KUQ-9XPR-D",
            "M-7K3Q-9XPR-D",
            "MLOAF_7K3Q_9XPR_D",
            "MLOAF-7K3Q-9XPR-D-",
            "MLOAF--7K3Q-9XPR-D",
            "MLOAF-7K3Q9XPR-D",
            "MLOAF7K3Q-9XPR-D",
            "MLOAF.7K3Q.9XPR.D",
            "7K3Q9XPRD",
            "M7K3Q9XPRD",
            "MLOAF-7K3Q-9XPR-\u{0}",
            "MLOAF-7K\u{3A9}Q-9XPR-D",
            "MLOAF-7K3Q-9XPR-D\u{200B}",
        ] {
            assert!(CertificateNumber::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_number_is_read_as_a_person_types_it_from_paper() {
        // A number with 0 and 1 in both groups (and a check that is neither).
        let canonical = with_check("MLOAF", "70K1", "9X1R");
        let number = CertificateNumber::parse(&canonical).unwrap();
        assert_eq!(number.as_str(), canonical);
        let check = canonical.chars().last().unwrap();
        for typed in [
            canonical.to_lowercase(),
            format!("MLOAF70K19X1R{check}"),
            format!("mloaf70k19x1r{check}").to_lowercase(),
            format!("  MLOAF - 70K1 - 9X1R - {check}  "),
            format!("MLOAF 70K1 9X1R {check}"),
            format!("mloaf-70 k1-9x 1r-{check}"),
            format!("MLOAF\u{A0}70K1\u{A0}9X1R\u{A0}{check}"),
            format!("MLOAF-7OK1-9X1R-{check}"),
            format!("MLOAF-70KI-9X1R-{check}"),
            format!("MLOAF-70K1-9XLR-{check}"),
            format!("mloaf-7oki-9xlr-{check}").to_lowercase(),
            format!("mloaf7oki9xlr{check}").to_lowercase(),
            format!("MLOAF7oKl9xIr{}", check.to_ascii_lowercase()),
        ] {
            assert_eq!(
                CertificateNumber::parse(&typed).as_ref(),
                Some(&number),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn the_prefix_is_read_as_typed_and_split_from_the_right() {
        // O, I and L in the prefix are the certification's letters, not digits.
        let canonical = with_check("MLOAF", "7K3Q", "9XPR");
        let check = canonical.chars().last().unwrap();
        assert!(CertificateNumber::parse(&format!("ML0AF-7K3Q-9XPR-{check}")).is_none());
        // Without hyphens, prefixes of every allowed length are found.
        for prefix in ["MF", "MLOAF", "MLOAP", "AB12".repeat(4).as_str()] {
            let canonical = with_check(prefix, "7K3Q", "9XPR");
            let bare: String = canonical.chars().filter(|&c| c != '-').collect();
            assert_eq!(
                CertificateNumber::parse(&bare).unwrap().as_str(),
                canonical,
                "{bare}"
            );
        }
    }

    #[test]
    fn a_typo_is_still_caught_however_the_number_is_typed() {
        let canonical = with_check("MLOAF", "70K1", "9X1R");
        let check = canonical.chars().last().unwrap();
        for typo in [
            format!("mloaf70k19x2r{check}"),
            format!("mloaf-70k1-x91r-{check}"),
            format!("MLOAF 7OK1 9XIP {check}"),
            // With hyphens, a character left out is a shape that is wrong.
            format!("MLOAF-70K-9X1R-{check}"),
            "MLOAF-70K1-9X1R".to_string(),
        ] {
            assert!(CertificateNumber::parse(&typo).is_none(), "{typo} accepted");
        }
    }

    #[test]
    fn the_check_character_is_read_as_printed_or_as_a_look_alike_of_0_or_1() {
        // Payloads whose check is each of 0, 1, O, I and L.
        let mut found = std::collections::HashMap::new();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        while found.len() < 5 {
            let random: String = (0..RANDOM_CHARS)
                .map(|_| CROCKFORD[rng.random_range(0..32)] as char)
                .collect();
            let (a, b) = random.split_at(GROUP_CHARS);
            match check_char(&format!("MLOAF{random}")) {
                Some(check) if "01OIL".contains(check) => {
                    found.entry(check).or_insert(with_check("MLOAF", a, b));
                }
                _ => {}
            }
        }
        let retyped = |number: &str, check: char| format!("{}{check}", &number[..number.len() - 1]);
        // 0 and 1 may be typed as their look-alikes.
        for (check, lookalikes) in [('0', "Oo"), ('1', "IiLl")] {
            let number = &found[&check];
            for typed in lookalikes.chars() {
                assert_eq!(
                    CertificateNumber::parse(&retyped(number, typed))
                        .unwrap()
                        .as_str(),
                    number
                );
            }
        }
        // An older number whose check is O, I or L verifies as printed, and only so.
        for check in ['O', 'I', 'L'] {
            let number = &found[&check];
            assert_eq!(CertificateNumber::parse(number).unwrap().as_str(), number);
            let lower = retyped(number, check.to_ascii_lowercase());
            assert_eq!(CertificateNumber::parse(&lower).unwrap().as_str(), number);
            for other in ['0', '1', 'O', 'I', 'L']
                .into_iter()
                .filter(|&c| c != check)
            {
                assert!(CertificateNumber::parse(&retyped(number, other)).is_none());
            }
        }
    }

    #[test]
    fn no_new_number_has_a_look_alike_for_its_check() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        for i in 0..2000 {
            let number = CertificateNumber::generate(["MLOA-F", "MLOA-AG"][i % 2], &mut rng);
            let check = number.as_str().chars().last().unwrap();
            assert!(!"OIL".contains(check), "{number}");
        }
    }
}
