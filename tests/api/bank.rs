//! The question bank: validation of every rule, import and versioning, and the catalog.

use crate::both_backends;
use crate::helpers::{assert_problem, NowUtc, TestApp};
use invigil::bank;
use invigil::db::catalog;
use reqwest::StatusCode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/banks")
        .join(name)
}

fn shipped_bank() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("question-bank")
}

/// Each broken bank, the file and line its error points at, and what the error says.
const BROKEN: &[(&str, &str, &str)] = &[
    (
        "duplicate_id",
        "T-ONE/questions.toml:29",
        "duplicate id T-2 (first at",
    ),
    (
        "unknown_domain",
        "T-ONE/questions.toml:22",
        "T-3: unknown domain \"Advanced stuff\" for T-ONE",
    ),
    (
        "groups_leave_too_few",
        "catalog.toml:17",
        "domain \"Basics\" of T-ONE draws 2 questions but its live pool holds only 1 that can share a form",
    ),
    (
        "objective_unknown",
        "P-BASE/live.toml:5",
        "PB-1: objective \"B-9.9\" is not in the blueprint of P-BASE",
    ),
    (
        "objective_missing",
        "P-BASE/live.toml:15",
        "PB-2: names no objective of the blueprint of P-BASE",
    ),
    (
        "practice_pool_short",
        "catalog.toml:38",
        "domain \"Basics\" of P-BASE draws 2 questions but its practice pool holds only 1",
    ),
    (
        "review_by_datetime",
        "P-BASE/live.toml:19",
        "PB-2: review_by is a date (YYYY-MM-DD)",
    ),
    (
        "guide_unknown_next",
        "catalog.toml:31",
        "unknown next certification \"P-NOPE\" of P-BASE",
    ),
    (
        "role_unknown_path",
        "catalog.toml:80",
        "role platform-engineer names unknown path \"devops\"",
    ),
    (
        "group_malformed",
        "T-ONE/questions.toml:10",
        "T-1: group is 1 to 64 of [a-z0-9-]",
    ),
    (
        "pool_too_small",
        "catalog.toml:17",
        "domain \"Basics\" of T-ONE draws 5 questions but its live pool holds only 4",
    ),
    (
        "pass_mark_outside_band",
        "catalog.toml:12",
        "pass_mark_percent 76.0 is outside the pass band 70.0–75.0",
    ),
    (
        "single_with_two_keys",
        "T-ONE/questions.toml:7",
        "T-1: a single-choice question has exactly one correct option, not 2",
    ),
    (
        "bad_index",
        "T-ONE/questions.toml:17",
        "T-2: correct index 7 is out of range (the question has 3 options)",
    ),
    (
        "unknown_prerequisite",
        "catalog.toml:7",
        "unknown prerequisite \"T-ZERO\" of T-ONE",
    ),
    (
        "prerequisite_cycle",
        "catalog.toml:2",
        "prerequisite cycle: T-ONE → T-TWO → T-ONE",
    ),
    ("malformed_toml", "T-ONE/questions.toml:24", "invalid TOML"),
    (
        "true_false_options",
        "T-ONE/questions.toml:26",
        "T-3: a true_false question's options are exactly [\"True\", \"False\"]",
    ),
    (
        "ordering_incomplete",
        "T-ONE/questions.toml:34",
        "T-4: an ordering question's correct order lists every option once",
    ),
    (
        "question_count_mismatch",
        "catalog.toml:11",
        "question_count = 3 but the domains draw 2",
    ),
    (
        "unknown_folder",
        "T-NINE:1",
        "folder T-NINE names no certification of catalog.toml",
    ),
    (
        "duplicate_option",
        "T-ONE/questions.toml:6",
        "T-1: duplicate option \"b\"",
    ),
    (
        "unknown_field",
        "T-ONE/questions.toml:9",
        "invalid TOML: unknown field `explenation`",
    ),
    (
        "bad_code",
        "catalog.toml:2",
        "code \"t_one\" must match [A-Z0-9-]{2,16}",
    ),
    (
        "angoff_without_difficulty",
        "T-ONE/questions.toml:21",
        "T-3: T-ONE uses the angoff cut score, so every question needs a difficulty",
    ),
    ("missing_catalog", "catalog.toml:1", "cannot read"),
    (
        "lab_reference_not_full",
        "T-LAB/labs.toml:12",
        "TL-LAB: the reference scores 3/4, not full marks (passed: user, not-root; failed: healthcheck)",
    ),
    (
        "lab_starter_half",
        "T-LAB/labs.toml:11",
        "TL-LAB: the starter scores 3/4, not less than half",
    ),
    (
        "lab_example_wrong",
        "T-LAB/labs.toml:34",
        "TL-LAB: example \"no user\" scores 1, not the 2 it expects",
    ),
    (
        "lab_check_cannot_fail",
        "T-LAB/labs.toml:27",
        "TL-LAB: check \"healthcheck\" passes on the starter and on every example",
    ),
    (
        "lab_points_mismatch",
        "T-LAB/labs.toml:2",
        "TL-LAB: its checks add up to 4 points, but the lab is worth 5",
    ),
    (
        "lab_expr_invalid",
        "T-LAB/labs.toml:18",
        "TL-LAB: check user: does not compile: at 1:16: Syntax error",
    ),
    (
        "lab_blank_scores",
        "T-LAB/labs.toml:2",
        "TL-LAB: an empty file scores 2/4, not less than half",
    ),
];

#[test]
fn a_valid_lab_loads_with_its_spec() {
    let bank = bank::load(&fixture("lab_valid")).unwrap();
    let lab = bank
        .questions
        .iter()
        .find(|q| q.id == "TL-LAB")
        .and_then(|q| q.lab.as_ref())
        .expect("the lab");
    assert_eq!(
        (lab.format, lab.filename.as_str(), lab.checks.len()),
        (invigil::domain::labs::Format::Text, "Dockerfile", 3)
    );
    // Every failure is one line of `file:line: message`.
    let errors = bank::load(&fixture("lab_expr_invalid")).unwrap_err();
    assert!(
        errors.iter().all(|e| !e.to_string().contains('\n')),
        "{errors:?}"
    );
}

#[test]
fn each_broken_bank_fails_with_its_own_file_line_and_message() {
    for (name, place, message) in BROKEN {
        let errors = bank::load(&fixture(name)).expect_err(name);
        let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let expected = format!("{}: {message}", fixture(name).join(place).display());
        assert!(
            listed.iter().any(|e| e.starts_with(&expected)),
            "{name}: expected {expected:?} in {listed:#?}"
        );
    }
}

#[test]
fn a_broken_toml_file_does_not_also_report_its_pool_as_short() {
    let errors = bank::load(&fixture("malformed_toml")).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn every_error_of_a_bank_is_reported_not_just_the_first() {
    let errors = bank::load(&fixture("several_errors")).unwrap_err();
    let listed: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
    assert!(
        listed
            .iter()
            .any(|e| e.contains("pass_mark_percent 80.0 is outside")),
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .any(|e| e.contains("exactly one correct option")),
        "{listed:?}"
    );
    assert!(
        listed.iter().any(|e| e.contains("duplicate id T-1")),
        "{listed:?}"
    );
}

#[test]
fn the_valid_fixture_loads() {
    let bank = bank::load(&fixture("valid")).unwrap();
    assert_eq!(bank.certifications.len(), 1);
    assert_eq!(bank.questions.len(), 4);
}

#[test]
fn the_shipped_bank_passes_bank_check_and_prints_its_pools() {
    let out = Command::new(env!("CARGO_BIN_EXE_invigil"))
        .args(["bank", "check"])
        .arg(shipped_bank())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("4 certifications"));
    for code in ["MLOA-F", "MLOA-P", "MLOA-AA", "MLOA-AG"] {
        assert!(printed.contains(code));
    }
    assert!(printed.contains("after enemy groups, "), "{printed}");
    assert!(printed.contains("draws  8"), "{printed}");
    assert!(!printed.contains("warning"), "{printed}");
    assert!(
        printed.contains("review: 0 items past their review_by date, 0 without one"),
        "{printed}"
    );
}

#[test]
fn item_metadata_practice_pools_and_the_guide_load_from_the_bank() {
    let bank = bank::load(&fixture("practice")).unwrap();
    let item = |id: &str| bank.questions.iter().find(|q| q.id == id).unwrap();
    let first = item("PB-1");
    assert_eq!(first.objective.as_deref(), Some("B-1.1"));
    assert_eq!(first.references, ["A handbook, ch. 2"]);
    assert_eq!(first.tool_versions, ["tool>=1.0"]);
    assert_eq!(
        first.review_by,
        chrono::NaiveDate::from_ymd_opt(2026, 6, 30)
    );
    assert!(!first.practice && item("PB-PRA-1").practice);
    assert_eq!(bank.pool("P-BASE", "Basics").count(), 4);
    assert_eq!(bank.pool_of("P-BASE", "Basics", true).count(), 2);
    assert!(bank.offers_practice("P-BASE") && !bank.offers_practice("P-NEXT"));
    let base = &bank.certifications[0];
    assert_eq!(base.domains[0].objectives.len(), 2);
    assert_eq!(base.guide.next[0].title, "Practice Next");
    assert_eq!(bank.guide.roles[0].certifications, ["P-NEXT", "P-BASE"]);

    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let summary = bank.summary(today);
    for line in [
        "8 questions (2 practice)",
        "draws  2, practice 2  warning: under 3x the draw",
        "blueprint: 2 objectives, 2 covered by live items",
        "B-1.2    live   2, practice  0  Pick the right answers.",
        "review: 1 items past their review_by date, 6 without one",
        "PB-1 was due for review on 2026-06-30",
    ] {
        assert!(summary.contains(line), "{line:?} in {summary}");
    }
    // Before the date, nothing is due.
    let earlier = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    assert!(bank.summary(earlier).contains("review: 0 items past"));
}

#[test]
fn a_bank_split_over_two_folders_loads_as_one() {
    // Public: the catalog and the practice items; private: the live items.
    let root = tempfile::tempdir().unwrap();
    let (public, private) = (root.path().join("public"), root.path().join("private"));
    for dir in [&public, &private] {
        std::fs::create_dir_all(dir.join("P-BASE")).unwrap();
    }
    std::fs::create_dir_all(private.join("P-NEXT")).unwrap();
    let from = fixture("practice");
    std::fs::copy(from.join("catalog.toml"), public.join("catalog.toml")).unwrap();
    for (file, to) in [
        ("P-BASE/practice.toml", &public),
        ("P-BASE/live.toml", &private),
        ("P-NEXT/live.toml", &private),
    ] {
        std::fs::copy(from.join(file), to.join(file)).unwrap();
    }
    let joined = std::env::join_paths([&public, &private]).unwrap();
    let split = bank::load(std::path::Path::new(&joined)).unwrap();
    let whole = bank::load(&from).unwrap();
    let ids = |b: &bank::Bank| {
        let mut ids: Vec<String> = b.questions.iter().map(|q| q.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&split), ids(&whole));
    // The public half alone is refused: its live pools are empty.
    let errors = bank::load(&public).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("live pool holds only 0")),
        "{errors:?}"
    );
}

#[test]
fn a_lowered_pool_floor_is_allowed_and_reported() {
    let bank = bank::load(&fixture("labs")).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    assert!(
        bank.summary(today)
            .contains("warning: min_pool_ratio = 1 lowers the floor of 2x the draw"),
        "{}",
        bank.summary(today)
    );
}

#[test]
fn bank_check_exits_1_listing_the_errors() {
    let out = Command::new(env!("CARGO_BIN_EXE_invigil"))
        .args(["bank", "check"])
        .arg(fixture("several_errors"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 errors"), "{err}");
    assert!(
        err.contains("catalog.toml:12: pass_mark_percent 80.0"),
        "{err}"
    );
}

/// The program's practical part: at least six labs per certification, two or more on
/// every form, carrying at least 30 % of the points of any form that can be drawn; each
/// lab proven on its reference (full marks) and its starter (below half).
#[test]
fn the_shipped_bank_has_the_programs_labs() {
    use invigil::domain::kinds::QuestionKind;
    use invigil::domain::labs::{CheckSet, LabStatus};
    let bank = bank::load(&shipped_bank()).unwrap();
    for c in &bank.certifications {
        let labs: Vec<_> = bank
            .questions
            .iter()
            .filter(|q| q.certification_code == c.code && q.kind == QuestionKind::Lab)
            .collect();
        assert!(labs.len() >= 6, "{} has {} labs", c.code, labs.len());
        let practical = c
            .domains
            .iter()
            .find(|d| d.name == "Practical")
            .expect("a Practical domain");
        assert!(practical.questions >= 2, "{}", c.code);
        assert!(labs.iter().all(|q| q.domain == "Practical"), "{}", c.code);
        // The least a form's labs can weigh against the most its other items can.
        let mut lab_points: Vec<i64> = labs.iter().map(|q| i64::from(q.points)).collect();
        lab_points.sort_unstable();
        let least_labs: i64 = lab_points.iter().take(practical.questions as usize).sum();
        let most_others: i64 = c
            .domains
            .iter()
            .filter(|d| d.name != "Practical")
            .map(|d| {
                let mut points: Vec<i64> = bank
                    .pool(&c.code, &d.name)
                    .map(|q| i64::from(q.points))
                    .collect();
                points.sort_unstable_by(|a, b| b.cmp(a));
                points.iter().take(d.questions as usize).sum::<i64>()
            })
            .sum();
        assert!(
            least_labs * 100 >= 30 * (least_labs + most_others),
            "{}: labs carry {least_labs} of {} points",
            c.code,
            least_labs + most_others
        );
        for q in labs {
            let lab = q.lab.as_ref().expect("a lab's spec");
            let checks = CheckSet::compile(&lab.checks).expect("the checks compile");
            let reference = checks.grade(lab.format, &lab.reference);
            assert_eq!(
                (reference.status, reference.points_awarded),
                (LabStatus::Graded, q.points),
                "{}",
                q.id
            );
            let starter = checks.grade(lab.format, &lab.starter);
            assert!(
                starter.points_awarded * 2 < q.points,
                "{}: the starter scores {}",
                q.id,
                starter.points_awarded
            );
            assert!(!q.stem.contains(lab.reference.trim()), "{}", q.id);
        }
    }
}

#[test]
fn the_shipped_bank_meets_the_program() {
    let bank = bank::load(&shipped_bank()).unwrap();
    let marks: Vec<(String, i64, &str)> = bank
        .certifications
        .iter()
        .map(|c| (c.code.clone(), c.pass_mark.tenths(), c.cut_score.as_str()))
        .collect();
    assert_eq!(
        marks,
        [
            ("MLOA-F".into(), 700, "fixed"),
            ("MLOA-P".into(), 720, "fixed"),
            ("MLOA-AA".into(), 720, "angoff"),
            ("MLOA-AG".into(), 750, "fixed")
        ]
    );
    for c in &bank.certifications {
        assert!((4..=6).contains(&c.domains.len()), "{}", c.code);
        assert_eq!(c.min_pool_ratio, bank::DEFAULT_MIN_POOL_RATIO, "{}", c.code);
        assert!(
            bank.offers_practice(&c.code),
            "{} has no practice pool",
            c.code
        );
        for d in &c.domains {
            assert!(
                bank.slots(&c.code, &d.name) >= 3 * d.questions as usize,
                "{} {}",
                c.code,
                d.name
            );
            // Every objective measured by live items, and practised.
            for o in &d.objectives {
                for practice in [false, true] {
                    assert!(
                        bank.pool_of(&c.code, &d.name, practice)
                            .any(|q| q.objective.as_deref() == Some(o.id.as_str())),
                        "{} {} (practice: {practice})",
                        c.code,
                        o.id
                    );
                }
            }
            assert!(
                !d.objectives.is_empty(),
                "{} {} has no objectives",
                c.code,
                d.name
            );
        }
        assert!(
            !c.guide.audience.is_empty() && !c.guide.next.is_empty(),
            "{}",
            c.code
        );
        let pool: Vec<_> = bank
            .questions
            .iter()
            .filter(|q| q.certification_code == c.code)
            .collect();
        assert!(
            pool.iter()
                .all(|q| q.explanation.is_some() && q.difficulty.is_some()),
            "{}",
            c.code
        );
        for kind in invigil::domain::kinds::QuestionKind::ALL {
            assert!(
                pool.iter().any(|q| q.kind == kind),
                "{} has no {kind:?}",
                c.code
            );
        }
    }
}

#[actix_web::test]
async fn the_server_refuses_to_start_on_an_invalid_bank() {
    let (_db, url) = crate::helpers::TestDb::create(crate::helpers::Backend::Sqlite).unwrap();
    let mut settings = crate::helpers::test_settings(&url);
    settings.question_bank = fixture("several_errors");
    let err = invigil::startup::Application::build(
        settings,
        std::sync::Arc::new(invigil::clock::SystemClock),
    )
    .err()
    .expect("start refused");
    let text = format!("{err:#}");
    assert!(
        text.contains("3 errors") && text.contains("duplicate id T-1"),
        "{text}"
    );
}

async fn import(app: &TestApp, bank: bank::Bank) -> catalog::ImportReport {
    let now = app.clock.now_utc();
    app.state
        .db
        .write(move |conn| Ok(catalog::import(conn, &bank, now)?))
        .await
        .unwrap()
}

/// The question's (current version, active) row, and the version new forms draw from
/// (`None` when no form can draw it).
async fn current(app: &TestApp, question: &str) -> ((i32, bool), Option<(i32, String)>) {
    let question = question.to_string();
    app.state
        .db
        .read(move |conn| {
            use diesel::prelude::*;
            use invigil::db::schema::questions::dsl::*;
            let row: (i32, bool) = questions
                .find(&question)
                .select((current_version, active))
                .get_result(conn)?;
            let drawn = invigil::db::attempts::pool(conn, "MLOA-F", false)?
                .into_iter()
                .find(|(_, _, v)| v.question_id == question)
                .map(|(_, _, v)| (v.version, v.stem));
            Ok((row, drawn))
        })
        .await
        .unwrap()
}

both_backends! {
    async fn re_importing_an_unchanged_bank_changes_nothing(app: TestApp) {
        let report = import(&app, bank::load(&shipped_bank()).unwrap()).await;
        assert_eq!(report.added + report.changed + report.retired, 0, "{report}");
        assert_eq!(report.unchanged, bank::load(&shipped_bank()).unwrap().questions.len());
        let versions = app.state.db.read(|c| Ok(catalog::version_count(c, "F-PIPE-001")?)).await.unwrap();
        assert_eq!(versions, 1);
    }

    async fn a_changed_question_becomes_a_new_version_and_the_old_one_stays(app: TestApp) {
        let mut changed = bank::load(&shipped_bank()).unwrap();
        let q = changed.questions.iter_mut().find(|q| q.id == "F-PIPE-001").unwrap();
        q.stem.push_str(" (revised)");
        let report = import(&app, changed).await;
        assert_eq!((report.added, report.changed, report.unchanged, report.retired), (0, 1, bank::load(&shipped_bank()).unwrap().questions.len() - 1, 0));
        assert_eq!(app.state.db.read(|c| Ok(catalog::version_count(c, "F-PIPE-001")?)).await.unwrap(), 2);
        let ((version, active), drawn) = current(&app, "F-PIPE-001").await;
        assert_eq!((version, active), (2, true));
        let (drawn_version, stem) = drawn.expect("new forms draw the question");
        assert_eq!(drawn_version, 2);
        assert!(stem.ends_with(" (revised)"), "{stem}");
        // Reverting points back at the first version without writing a third.
        let report = import(&app, bank::load(&shipped_bank()).unwrap()).await;
        assert_eq!((report.added, report.changed, report.unchanged, report.retired), (0, 1, bank::load(&shipped_bank()).unwrap().questions.len() - 1, 0));
        assert_eq!(app.state.db.read(|c| Ok(catalog::version_count(c, "F-PIPE-001")?)).await.unwrap(), 2);
        let ((version, active), drawn) = current(&app, "F-PIPE-001").await;
        assert_eq!((version, active), (1, true));
        let (drawn_version, stem) = drawn.expect("new forms draw the question");
        assert_eq!(drawn_version, 1);
        assert!(!stem.contains("(revised)"), "{stem}");
    }

    async fn a_question_removed_from_the_bank_is_retired_not_deleted(app: TestApp) {
        let mut smaller = bank::load(&shipped_bank()).unwrap();
        smaller.questions.retain(|q| q.id != "F-PIPE-001");
        let report = import(&app, smaller).await;
        assert_eq!((report.added, report.changed, report.unchanged, report.retired), (0, 0, bank::load(&shipped_bank()).unwrap().questions.len() - 1, 1));
        assert_eq!(app.state.db.read(|c| Ok(catalog::version_count(c, "F-PIPE-001")?)).await.unwrap(), 1);
        // Still there, marked retired, and out of every new form.
        let ((version, active), drawn) = current(&app, "F-PIPE-001").await;
        assert_eq!((version, active), (1, false));
        assert!(drawn.is_none(), "a retired question is not drawn");
        // Back in the bank, it is active again on the same version.
        let report = import(&app, bank::load(&shipped_bank()).unwrap()).await;
        assert_eq!((report.added, report.changed, report.unchanged, report.retired), (0, 0, bank::load(&shipped_bank()).unwrap().questions.len(), 0));
        assert_eq!(current(&app, "F-PIPE-001").await.0, (1, true));
    }

    async fn the_catalog_lists_the_program_in_order(app: TestApp) {
        let resp = app.get("/v1/certifications", None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let text = resp.text().await.unwrap();
        let list: Vec<Value> = serde_json::from_str(&text).unwrap();
        let codes: Vec<&str> = list.iter().map(|c| c["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["MLOA-F", "MLOA-P", "MLOA-AA", "MLOA-AG"]);
        // The catalog never carries questions, keys or explanations (as fields: the
        // guide's prose may well say "system" or "correct").
        for leak in ["stem", "correct", "explanation", "difficulty", "options"] {
            assert!(!text.contains(&format!("\"{leak}\":")), "{leak} in the catalog");
        }
    }

    async fn one_certification_answers_per_the_contract(app: TestApp) {
        let c: Value = app.get("/v1/certifications/MLOA-P", None).await.json().await.unwrap();
        assert_eq!(c["title"], "Certified MLOps Architect – Professional");
        assert_eq!(c["track"], "Engineering");
        assert_eq!(c["level"], "professional");
        assert_eq!(c["recommended_order"], 2);
        assert_eq!(c["prerequisites"], serde_json::json!(["MLOA-F"]));
        assert_eq!(c["validity_months"], 24);
        assert_eq!(c["renewal_window_days"], 180);
        let exam = &c["exam"];
        assert_eq!(exam["duration_minutes"], 120);
        assert_eq!(exam["question_count"], 42);
        assert_eq!(exam["pass_mark_percent"], 72.0);
        assert_eq!(exam["pass_band"], serde_json::json!({"min_percent": 70.0, "max_percent": 75.0}));
        assert_eq!(exam["max_attempts_per_year"], 3);
        assert_eq!(exam["retake_wait_days"], 14);
        let domains = c["domains"].as_array().unwrap();
        assert_eq!(domains.len(), 6);
        assert_eq!(domains.iter().map(|d| d["questions"].as_i64().unwrap()).sum::<i64>(), 42);
        assert_eq!(domains[0]["name"], "Kubernetes for ML workloads");
    }

    async fn an_unknown_certification_is_404(app: TestApp) {
        assert_problem(app.get("/v1/certifications/NOPE", None).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}
