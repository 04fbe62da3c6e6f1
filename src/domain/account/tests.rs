use super::*;

fn email() -> Email {
    Email::parse("ada@example.com").expect("well-formed")
}

#[test]
fn emails_are_trimmed_and_lower_cased() {
    assert_eq!(
        Email::parse("  Ada@Example.COM ")
            .expect("well-formed")
            .as_str(),
        "ada@example.com"
    );
}

#[test]
fn malformed_emails_are_refused() {
    for bad in [
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "a b@example.com",
        "ada@@example.com",
        "ada@example..com",
    ] {
        assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn an_address_is_at_most_254_characters_with_64_before_the_at() {
    let at_most = |local: usize, total: usize| {
        let domain_len = total - local - 1 - 4;
        format!("{}@{}.com", "a".repeat(local), "b".repeat(domain_len))
    };
    assert!(Email::parse(&at_most(64, 254)).is_ok());
    assert!(Email::parse(&at_most(64, 255)).is_err());
    assert!(Email::parse(&at_most(65, 200)).is_err());
    assert!(Email::parse("x@y.z").is_ok());
    assert!(Email::parse("ada\u{7}@example.com").is_err());
}

#[test]
fn an_address_prints_as_its_normal_form() {
    assert_eq!(
        Email::parse(" Ada@Example.com")
            .expect("well-formed")
            .to_string(),
        "ada@example.com"
    );
}

#[test]
fn twelve_characters_are_enough_and_eleven_are_weak() {
    assert!(Password::parse_new("twelve chars", &email()).is_ok());
}

#[test]
fn a_new_password_has_at_most_256_characters() {
    let longest: String = (0..256)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    assert!(Password::parse_new(&longest, &email()).is_ok());
    assert!(matches!(
        Password::parse_new(&format!("{longest}z"), &email()),
        Err(AccountError::InvalidPassword(_))
    ));
}

#[test]
fn a_password_is_one_password_however_its_accents_are_typed() {
    let email = Email::parse("nfc@example.com").expect("email");
    let decomposed = "cafe\u{301} au lait, s'il vous plait";
    let precomposed = "caf\u{e9} au lait, s'il vous plait";
    let new = Password::parse_new(decomposed, &email).expect("strong enough");
    assert_eq!(new.expose(), precomposed);
    assert_eq!(new.as_typed(), None);
    let typed = Password::parse_attempt(decomposed).expect("well-formed");
    assert_eq!(
        (typed.expose(), typed.as_typed()),
        (precomposed, Some(decomposed))
    );
    let already = Password::parse_attempt(precomposed).expect("well-formed");
    assert_eq!(already.as_typed(), None);
}

#[test]
fn a_password_typed_at_login_is_bounded_but_not_judged() {
    let longest = "é".repeat(256);
    assert_eq!(
        Password::parse_attempt(&longest)
            .expect("well-formed")
            .expose(),
        longest
    );
    assert_eq!(
        Password::parse_attempt("x").expect("well-formed").expose(),
        "x"
    );
    for refused in [String::new(), "é".repeat(257)] {
        assert!(matches!(
            Password::parse_attempt(&refused),
            Err(AccountError::ImpossiblePassword)
        ));
    }
}

#[test]
fn the_list_of_common_passwords_skips_its_comments() {
    let comments: Vec<&str> = COMMON_PASSWORDS
        .lines()
        .filter(|l| l.starts_with('#'))
        .collect();
    assert!(!comments.is_empty());
    for comment in comments {
        assert!(!is_common(comment.trim()), "{comment}");
    }
    assert!(!is_common(""));
    assert!(is_common("password1234"));
}

#[test]
fn roles_read_and_print_as_their_names() {
    for (role, name) in [
        (Role::Candidate, "candidate"),
        (Role::Proctor, "proctor"),
        (Role::Admin, "admin"),
    ] {
        assert_eq!(role.as_str(), name);
        assert_eq!(Role::parse(name).expect("well-formed"), role);
    }
    assert!(matches!(
        Role::parse("root"),
        Err(AccountError::UnknownRole(_))
    ));
}

#[test]
fn short_passwords_are_weak() {
    assert!(matches!(
        Password::parse_new("elevenchars", &email()),
        Err(AccountError::WeakPassword(_))
    ));
}

#[test]
fn common_passwords_are_weak_whatever_their_case() {
    assert!(matches!(
        Password::parse_new("Password1234", &email()),
        Err(AccountError::WeakPassword(_))
    ));
    assert!(matches!(
        Password::parse_new("QWERTYUIOPASDF", &email()),
        Err(AccountError::WeakPassword(_))
    ));
}

#[test]
fn a_password_of_one_character_or_the_email_is_weak() {
    assert!(Password::parse_new("aaaaaaaaaaaaaa", &email()).is_err());
    assert!(Password::parse_new("ada@example.com", &email()).is_err());
}

#[test]
fn a_long_unusual_password_is_accepted() {
    assert!(Password::parse_new("correct horse battery staple", &email()).is_ok());
}

#[test]
fn passwords_never_show_in_debug_output() {
    let p = Password::parse_new("a secret that is long", &email()).expect("well-formed");
    assert_eq!(format!("{p:?}"), "Password(…)");
}

/// Zero-width and joining characters, the BOM, the soft hyphen, every bidi control, and
/// two more of `Cf` that are easy to forget.
const INVISIBLE: [char; 19] = [
    '\u{200B}',  // zero-width space
    '\u{200C}',  // zero-width non-joiner
    '\u{200D}',  // zero-width joiner
    '\u{2060}',  // word joiner
    '\u{FEFF}',  // byte order mark (zero-width no-break space)
    '\u{00AD}',  // soft hyphen
    '\u{200E}',  // left-to-right mark
    '\u{200F}',  // right-to-left mark
    '\u{202A}',  // left-to-right embedding
    '\u{202B}',  // right-to-left embedding
    '\u{202C}',  // pop directional formatting
    '\u{202D}',  // left-to-right override
    '\u{202E}',  // right-to-left override
    '\u{2066}',  // left-to-right isolate
    '\u{2067}',  // right-to-left isolate
    '\u{2068}',  // first strong isolate
    '\u{2069}',  // pop directional isolate
    '\u{180E}',  // Mongolian vowel separator (Cf, not White_Space)
    '\u{E0041}', // tag latin capital letter A
];

#[test]
fn one_address_typed_precomposed_or_decomposed_is_one_email() {
    let precomposed = Email::parse("j\u{FC}rgen@example.com").expect("well-formed");
    let decomposed = Email::parse("ju\u{308}rgen@example.com").expect("well-formed");
    assert_eq!(precomposed, decomposed);
    assert_eq!(precomposed.as_str(), "j\u{FC}rgen@example.com");
    // Upper case, precomposed or not, is the same address too.
    for other in ["J\u{DC}RGEN@EXAMPLE.COM", "JU\u{308}rgen@Example.com"] {
        assert_eq!(
            Email::parse(other).expect("well-formed"),
            precomposed,
            "{other:?}"
        );
    }
}

#[test]
fn login_looks_up_the_form_an_address_is_stored_in() {
    let stored = Email::parse("j\u{FC}rgen@example.com").expect("well-formed");
    assert_eq!(
        Email::normalise("  JU\u{308}RGEN@example.com "),
        stored.as_str()
    );
    // Not a valid address, but normalised all the same (it finds no account).
    assert_eq!(Email::normalise(" A\u{30A} "), "\u{E5}");
}

#[test]
fn lower_casing_is_not_case_folding() {
    // Folding would make these one address; mail servers keep them apart.
    assert_ne!(
        Email::parse("stra\u{DF}e@example.com").expect("well-formed"),
        Email::parse("strasse@example.com").expect("well-formed")
    );
    assert_eq!(
        Email::parse("STRASSE@example.com")
            .expect("well-formed")
            .as_str(),
        "strasse@example.com"
    );
}

#[test]
fn invisible_and_bidi_characters_are_refused_in_an_email() {
    for c in INVISIBLE {
        for raw in [
            format!("ada{c}@example.com"),
            format!("{c}ada@example.com"),
            format!("ada@example.com{c}"),
            format!("ada@exa{c}mple.com"),
        ] {
            let refused = Email::parse(&raw);
            assert!(
                matches!(&refused, Err(AccountError::InvalidEmail(why)) if why.contains("invisible")),
                "{raw:?}: {refused:?}"
            );
        }
    }
    assert!(Email::parse("ada\u{2028}@example.com").is_err());
}

#[test]
fn invisible_and_bidi_characters_are_refused_in_a_name() {
    for c in INVISIBLE {
        for raw in [
            format!("Ada{c} Lovelace"),
            format!("{c}Ada Lovelace"),
            format!("Ada Lovelace{c}"),
        ] {
            let refused = FullName::parse(&raw);
            assert!(
                matches!(&refused, Err(AccountError::InvalidName(why)) if why.contains(&format!("U+{:04X}", u32::from(c)))),
                "{raw:?}: {refused:?}"
            );
        }
    }
    for c in ['\u{0}', '\u{7}', '\u{1B}', '\u{85}', '\u{2028}', '\u{2029}'] {
        assert!(
            FullName::parse(&format!("Ada{c}Lovelace")).is_err(),
            "{c:?}"
        );
    }
}

#[test]
fn names_in_any_script_with_accents_apostrophes_and_hyphens_are_kept() {
    for name in [
        "Zo\u{EB} O\u{2019}Brien-Sm\u{ED}th",
        "Jean-Fran\u{E7}ois d'Arc",
        "\u{5C71}\u{7530} \u{592A}\u{90CE}",
        "\u{BC15}\u{C9C0}\u{C131}",
        "\u{41C}\u{430}\u{440}\u{438}\u{44F} \u{418}\u{432}\u{430}\u{43D}\u{43E}\u{432}\u{430}",
        "\u{645}\u{62D}\u{645}\u{62F} \u{639}\u{644}\u{64A}",
        "\u{928}\u{93F}\u{916}\u{93F}\u{932}",
        "Nguy\u{1EC5}n V\u{103}n An",
        "\u{141}ukasz \u{17B}\u{F3}\u{142}kiewicz",
    ] {
        assert_eq!(
            FullName::parse(name).expect("well-formed").as_str(),
            name,
            "{name}"
        );
    }
}

#[test]
fn names_are_stored_composed_and_trimmed() {
    let decomposed =
        FullName::parse(" Zoe\u{308} Nguye\u{302}\u{303}n\u{3000}").expect("well-formed");
    assert_eq!(decomposed.as_str(), "Zo\u{EB} Nguy\u{1EC5}n");
    // 200 characters once composed, though 400 as typed.
    assert!(FullName::parse(&"e\u{301}".repeat(200)).is_ok());
}

#[test]
fn names_are_bounded_and_printable() {
    assert!(FullName::parse("  ").is_err());
    assert!(FullName::parse("Ada\u{0}Lovelace").is_err());
    assert!(FullName::parse(&"x".repeat(201)).is_err());
    assert!(FullName::parse(&"é".repeat(200)).is_ok());
    assert_eq!(
        FullName::parse(" Ada Lovelace ")
            .expect("well-formed")
            .as_str(),
        "Ada Lovelace"
    );
}
