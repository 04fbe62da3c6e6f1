use super::*;

fn step(relation: Relation, code: Option<&str>, title: &str) -> NextStep {
    NextStep {
        relation,
        code: code.map(str::to_string),
        title: title.into(),
        external: code.is_none(),
        issuer: code.is_none().then(|| "Elsewhere".to_string()),
    }
}

struct Program {
    none: Vec<String>,
    f: Vec<String>,
    f_next: Vec<NextStep>,
    p_next: Vec<NextStep>,
}

fn program() -> Program {
    Program {
        none: vec![],
        f: vec!["F".to_string()],
        f_next: vec![
            step(Relation::Leadership, None, "Team Lead Cert"),
            step(Relation::CrossTrack, Some("G"), "Governance"),
            step(Relation::SameTrack, Some("P"), "Professional"),
            step(Relation::SameTrack, None, "Kube Admin"),
        ],
        p_next: vec![step(Relation::SameTrack, Some("A"), "Architecture")],
    }
}

fn offers(p: &Program) -> Vec<Offer<'_>> {
    vec![
        Offer {
            code: "F",
            title: "Foundation",
            recommended_order: 1,
            prerequisites: &p.none,
            next: &p.f_next,
        },
        Offer {
            code: "P",
            title: "Professional",
            recommended_order: 2,
            prerequisites: &p.f,
            next: &p.p_next,
        },
        Offer {
            code: "A",
            title: "Architecture",
            recommended_order: 3,
            prerequisites: &p.f,
            next: &[],
        },
        Offer {
            code: "G",
            title: "Governance",
            recommended_order: 4,
            prerequisites: &p.f,
            next: &[],
        },
    ]
}

fn codes(s: &[Suggestion]) -> Vec<String> {
    s.iter()
        .map(|s| s.code.clone().unwrap_or_else(|| s.title.clone()))
        .collect()
}

fn role(certs: &[&str]) -> Role {
    Role {
        id: "sre".into(),
        name: "SRE".into(),
        path: "sre".into(),
        track: "Engineering".into(),
        certifications: certs.iter().map(|c| c.to_string()).collect(),
    }
}

#[test]
fn a_newcomer_without_a_role_is_pointed_at_the_entry_points() {
    let p = program();
    let s = recommend(&offers(&p), &[], None);
    assert_eq!(codes(&s), ["F"]);
    assert_eq!(s[0].reasons, ["an entry point of the program"]);
}

#[test]
fn next_steps_come_same_track_first_program_before_external_and_held_ones_never() {
    let p = program();
    let held = [("F".to_string(), Holding::Active)];
    let s = recommend(&offers(&p), &held, None);
    assert_eq!(codes(&s), ["P", "Kube Admin", "G", "Team Lead Cert"]);
    assert_eq!(s[1].issuer.as_deref(), Some("Elsewhere"));
    assert_eq!(s[0].reasons, ["next after F (same track)"]);
}

#[test]
fn a_renewal_due_certificate_is_renewed_first_and_counts_as_held() {
    let p = program();
    let held = [("F".to_string(), Holding::RenewalDue)];
    let s = recommend(&offers(&p), &held, None);
    assert_eq!(codes(&s)[..2], ["F".to_string(), "P".to_string()]);
    assert_eq!(s[0].reasons, ["due for renewal"]);
}

#[test]
fn the_role_orders_first_and_reasons_merge_without_repeats() {
    let p = program();
    let held = [("F".to_string(), Holding::Active)];
    let sre = role(&["F", "G", "P"]);
    let s = recommend(&offers(&p), &held, Some(&sre));
    assert_eq!(codes(&s), ["G", "P", "Kube Admin", "Team Lead Cert"]);
    assert_eq!(
        s[0].reasons,
        ["recommended for SRE", "next after F (cross-track)"]
    );
    assert_eq!(
        s[1].reasons,
        ["recommended for SRE", "next after F (same track)"]
    );
}

#[test]
fn a_role_alone_recommends_its_certifications_and_unknown_codes_are_dropped() {
    let p = program();
    let s = recommend(&offers(&p), &[], Some(&role(&["P", "X", "F"])));
    assert_eq!(codes(&s), ["P", "F"]);
}

#[test]
fn holding_everything_recommends_only_what_lies_outside() {
    let p = program();
    let held: Vec<(String, Holding)> = ["F", "P", "A", "G"]
        .iter()
        .map(|c| (c.to_string(), Holding::Active))
        .collect();
    let s = recommend(&offers(&p), &held, Some(&role(&["P"])));
    assert_eq!(codes(&s), ["Kube Admin", "Team Lead Cert"]);
}

#[test]
fn relations_parse_from_their_names_only() {
    assert_eq!(Relation::parse("same_track"), Some(Relation::SameTrack));
    assert_eq!(Relation::parse("cross_track"), Some(Relation::CrossTrack));
    assert_eq!(Relation::parse("leadership"), Some(Relation::Leadership));
    assert_eq!(Relation::parse("same-track"), None);
}
