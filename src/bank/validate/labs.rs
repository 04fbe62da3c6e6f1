//! A lab's rules: its artifact, and a check set proven like code on the reference (full
//! marks), the starter (less than half) and graded examples (exactly their points), with
//! no check that cannot fail.

use super::*;
use crate::bank::raw::{RawCheck, RawQuestion};
use crate::domain::labs::{Check, CheckSet, Format, Grade, LabSpec, LabStatus, MAX_ARTIFACT_BYTES};
use std::collections::HashSet;

/// The lab of question `id`, or None with its errors recorded.
pub(super) fn lab(
    file: &SourceFile,
    id: &str,
    q: &RawQuestion,
    points: i32,
    errors: &mut Errors,
) -> Option<LabSpec> {
    let before = errors.0.len();
    if q.options.is_some() || q.correct.is_some() {
        errors.at(
            file,
            &q.kind,
            format!("{id}: a lab has no options and no correct key"),
        );
    }
    let Some(artifact) = &q.artifact else {
        errors.at(
            file,
            &q.id,
            format!("{id}: a lab needs a [question.artifact] table"),
        );
        return None;
    };
    let artifact = artifact.get_ref();
    let format = Format::parse(artifact.format.get_ref());
    if format.is_none() {
        errors.at(
            file,
            &artifact.format,
            format!(
                "{id}: artifact format {:?} is not yaml, json, toml or text",
                artifact.format.get_ref()
            ),
        );
    }
    let filename = non_empty(errors, file, &artifact.filename, "artifact filename");
    if filename.contains(['/', '\\']) {
        errors.at(
            file,
            &artifact.filename,
            format!("{id}: the artifact filename is a name, not a path"),
        );
    }
    for text in [&artifact.starter, &artifact.reference] {
        if text.get_ref().len() > MAX_ARTIFACT_BYTES {
            errors.at(
                file,
                text,
                format!("{id}: longer than the {MAX_ARTIFACT_BYTES} bytes a candidate may save"),
            );
        }
    }
    let checks = checks(file, id, &q.check, errors);
    if q.check.is_empty() {
        errors.at(
            file,
            &q.id,
            format!("{id}: a lab needs at least one [[question.check]]"),
        );
    }
    let total: i32 = checks.iter().map(|c| c.points).sum();
    if !q.check.is_empty() && total != points {
        errors.at(
            file,
            &q.id,
            format!("{id}: its checks add up to {total} points, but the lab is worth {points}"),
        );
    }
    if errors.0.len() > before {
        return None;
    }
    let (format, compiled) = match (format, CheckSet::compile(&checks)) {
        (Some(format), Ok(compiled)) => (format, compiled),
        (_, Err(failures)) => {
            for (i, why) in failures {
                errors.at(
                    file,
                    &q.check[i].get_ref().expr,
                    format!("{id}: check {}: {why}", checks[i].id),
                );
            }
            return None;
        }
        (None, Ok(_)) => return None,
    };
    prove(file, id, q, format, &compiled, errors);
    if errors.0.len() > before {
        return None;
    }
    Some(LabSpec {
        format,
        filename,
        starter: artifact.starter.get_ref().clone(),
        reference: artifact.reference.get_ref().clone(),
        checks,
    })
}

/// Fields only a lab may have, on a question of another kind.
pub(super) fn refuse_lab_fields(file: &SourceFile, id: &str, q: &RawQuestion, errors: &mut Errors) {
    if q.artifact.is_some() || !q.check.is_empty() || !q.example.is_empty() {
        errors.at(
            file,
            &q.kind,
            format!("{id}: artifact, check and example belong to kind = \"lab\" only"),
        );
    }
}

fn checks(
    file: &SourceFile,
    id: &str,
    raw: &[Spanned<RawCheck>],
    errors: &mut Errors,
) -> Vec<Check> {
    let mut seen = HashSet::new();
    raw.iter()
        .map(|c| {
            let c = c.get_ref();
            let check_id = non_empty(errors, file, &c.id, "check id");
            if !check_id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                errors.at(
                    file,
                    &c.id,
                    format!("{id}: check id {check_id:?} is not [a-z0-9-]+"),
                );
            }
            if !seen.insert(check_id.clone()) {
                errors.at(
                    file,
                    &c.id,
                    format!("{id}: duplicate check id {check_id:?}"),
                );
            }
            Check {
                id: check_id,
                points: in_range(errors, file, &c.points, "check points", 1..101),
                requirement: non_empty(errors, file, &c.requirement, "requirement"),
                expr: non_empty(errors, file, &c.expr, "expr"),
            }
        })
        .collect()
}

/// Grades the reference, the starter and every example, and checks each verdict.
fn prove(
    file: &SourceFile,
    id: &str,
    q: &RawQuestion,
    format: Format,
    checks: &CheckSet,
    errors: &mut Errors,
) {
    let Some(artifact) = q.artifact.as_ref().map(|a| a.get_ref()) else {
        return;
    };
    let total = checks.points_possible();
    let reference = checks.grade(format, artifact.reference.get_ref());
    if reference.points_awarded != total {
        errors.at(
            file,
            &artifact.reference,
            format!(
                "{id}: the reference scores {}/{total}, not full marks ({})",
                reference.points_awarded,
                verdict(&reference)
            ),
        );
    }
    let starter = checks.grade(format, artifact.starter.get_ref());
    if starter.points_awarded * 2 >= total {
        errors.at(
            file,
            &artifact.starter,
            format!(
                "{id}: the starter scores {}/{total}, not less than half ({})",
                starter.points_awarded,
                verdict(&starter)
            ),
        );
    }
    // Saving nothing must not pay: a check that passes on an empty file (a "no root user"
    // check with no user at all) would give points for no work.
    let blank = checks.grade(format, "");
    if blank.points_awarded * 2 >= total {
        errors.at(
            file,
            &q.id,
            format!(
                "{id}: an empty file scores {}/{total}, not less than half ({})",
                blank.points_awarded,
                verdict(&blank)
            ),
        );
    }
    let mut failed_somewhere: Vec<bool> = starter
        .checks
        .iter()
        .map(|c| starter.status == LabStatus::Graded && !c.passed)
        .collect();
    for example in &q.example {
        let example = example.get_ref();
        let name = example.name.get_ref();
        let grade = checks.grade(format, example.artifact.get_ref());
        let expected = *example.points.get_ref();
        if i64::from(grade.points_awarded) != expected {
            errors.at(
                file,
                &example.points,
                format!(
                    "{id}: example {name:?} scores {}, not the {expected} it expects ({})",
                    grade.points_awarded,
                    verdict(&grade)
                ),
            );
        }
        // An example that does not parse fails every check, and so shows none of them
        // failing for a reason.
        if grade.status == LabStatus::Graded {
            for (failed, outcome) in failed_somewhere.iter_mut().zip(&grade.checks) {
                *failed |= !outcome.passed;
            }
        }
    }
    for (raw, failed) in q.check.iter().zip(failed_somewhere) {
        if !failed {
            errors.at(
                file,
                &raw.get_ref().id,
                format!(
                    "{id}: check {:?} passes on the starter and on every example: show it failing on one",
                    raw.get_ref().id.get_ref()
                ),
            );
        }
    }
}

/// What a grade found, for a bank author: the checks passed and failed, or why it could
/// not be graded.
fn verdict(grade: &Grade) -> String {
    if grade.status == LabStatus::Ungradable {
        let d = &grade.diagnostics[0];
        return format!(
            "ungradable: line {} column {}: {}",
            d.line, d.column, d.message
        );
    }
    let ids = |passed: bool| -> String {
        let ids: Vec<&str> = grade
            .checks
            .iter()
            .filter(|c| c.passed == passed)
            .map(|c| c.id.as_str())
            .collect();
        if ids.is_empty() {
            "none".into()
        } else {
            ids.join(", ")
        }
    };
    format!("passed: {}; failed: {}", ids(true), ids(false))
}
