use super::*;
use rand::SeedableRng;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("well-formed")
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
        let prefix_end = number.as_str().find('-').expect("well-formed");
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
    let number =
        CertificateNumber::parse(&with_check("MLOAF", "7K3Q", "9XPR")).expect("well-formed");
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
    let number = CertificateNumber::parse(&canonical).expect("well-formed");
    assert_eq!(number.as_str(), canonical);
    let check = canonical.chars().last().expect("well-formed");
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
    let check = canonical.chars().last().expect("well-formed");
    assert!(CertificateNumber::parse(&format!("ML0AF-7K3Q-9XPR-{check}")).is_none());
    // Without hyphens, prefixes of every allowed length are found.
    for prefix in ["MF", "MLOAF", "MLOAP", "AB12".repeat(4).as_str()] {
        let canonical = with_check(prefix, "7K3Q", "9XPR");
        let bare: String = canonical.chars().filter(|&c| c != '-').collect();
        assert_eq!(
            CertificateNumber::parse(&bare)
                .expect("well-formed")
                .as_str(),
            canonical,
            "{bare}"
        );
    }
}

#[test]
fn a_typo_is_still_caught_however_the_number_is_typed() {
    let canonical = with_check("MLOAF", "70K1", "9X1R");
    let check = canonical.chars().last().expect("well-formed");
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
                    .expect("well-formed")
                    .as_str(),
                number
            );
        }
    }
    // An older number whose check is O, I or L verifies as printed, and only so.
    for check in ['O', 'I', 'L'] {
        let number = &found[&check];
        assert_eq!(
            CertificateNumber::parse(number)
                .expect("well-formed")
                .as_str(),
            number
        );
        let lower = retyped(number, check.to_ascii_lowercase());
        assert_eq!(
            CertificateNumber::parse(&lower)
                .expect("well-formed")
                .as_str(),
            number
        );
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
        let check = number.as_str().chars().last().expect("well-formed");
        assert!(!"OIL".contains(check), "{number}");
    }
}
