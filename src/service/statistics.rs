//! Item statistics of a certification, for bank authors: each item's facility,
//! discrimination and efficiency, and the test's reliability, from its scored attempts
//! (formulas in [`crate::domain::statistics`]).

use crate::db::attempts::{AttemptQuestionRow, VersionRow};
use crate::db::statistics::FormAnswer;
use crate::db::{catalog, statistics as rows, DbConn};
use crate::domain::kinds::QuestionKind;
use crate::domain::lifecycle::AttemptStatus;
use crate::domain::statistics::{self, Observation};
use crate::error::{ApiError, ApiResult};
use crate::service::attempts::finalise::{choice_right, score_item};
use crate::service::attempts::{decode, kind_of};
use crate::views::{ItemStatisticsView, StatisticsView, TestStatisticsView};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The attempts that count: scored on their answers and not ended by a proctor.
const SCORED: [AttemptStatus; 4] = [
    AttemptStatus::Passed,
    AttemptStatus::Failed,
    AttemptStatus::PendingReview,
    AttemptStatus::Invalidated,
];

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// The statistics of certification `code`: over each candidate's first scored attempt, or
/// over every scored attempt with `all_attempts`. 404 for an unknown certification.
pub fn compute(conn: &mut DbConn, code: &str, all_attempts: bool) -> ApiResult<StatisticsView> {
    let cert = catalog::stored(conn, code)?.ok_or(ApiError::NotFound)?;
    let statuses: Vec<&str> = SCORED.iter().map(|s| s.as_str()).collect();
    let mut seen = HashSet::new();
    let ids: Vec<String> = rows::attempts(conn, code, &statuses)?
        .into_iter()
        .filter(|(_, user, _)| all_attempts || seen.insert(user.clone()))
        .map(|(id, _, _)| id)
        .collect();
    let forms = rows::form_answers(conn, &ids)?;
    let question_ids: Vec<String> = forms
        .iter()
        .map(|q| q.question_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Each version decoded once, however many forms hold it.
    let mut versions: HashMap<(String, i32), Version> = HashMap::new();
    for row in rows::versions(conn, &question_ids)? {
        let version = Version {
            kind: kind_of(&row)?,
            correct: decode(&row.correct)?,
            row,
        };
        versions.insert(
            (version.row.question_id.clone(), version.row.version),
            version,
        );
    }

    // Each attempt's items: (question id, version, domain, kind, awarded, points).
    type Scored<'a> = (&'a str, i32, &'a str, &'a str, i64, i64);
    let mut by_attempt: BTreeMap<&str, Vec<Scored<'_>>> = BTreeMap::new();
    for item in &forms {
        let v = versions
            .get(&(item.question_id.clone(), item.version))
            .ok_or_else(|| ApiError::internal("a form names a version that is not stored"))?;
        let points = i64::from(v.row.points);
        let awarded = if v.kind.rules().answered_with_artifact() {
            lab_points(conn, item, &v.row)?
        } else {
            match &item.selected {
                Some(selected) => {
                    let right = choice_right(
                        v.kind,
                        &v.correct,
                        &item.option_ids,
                        &item.option_order,
                        selected,
                    )?;
                    if right {
                        points
                    } else {
                        0
                    }
                }
                None => 0,
            }
        };
        by_attempt
            .entry(item.attempt_id.as_str())
            .or_default()
            .push((
                v.row.question_id.as_str(),
                v.row.version,
                v.row.domain.as_str(),
                v.row.kind.as_str(),
                awarded,
                points,
            ));
    }

    let mut totals = Vec::with_capacity(by_attempt.len());
    let mut observations: BTreeMap<(String, i32), (String, String, Vec<Observation>)> =
        BTreeMap::new();
    for items in by_attempt.values() {
        let awarded: i64 = items.iter().map(|i| i.4).sum();
        let possible: i64 = items.iter().map(|i| i.5).sum();
        if possible <= 0 {
            continue;
        }
        totals.push(awarded as f64 / possible as f64);
        for (id, version, domain, kind, got, points) in items {
            let rest_possible = possible - points;
            if *points <= 0 || rest_possible <= 0 {
                continue;
            }
            observations
                .entry((id.to_string(), *version))
                .or_insert_with(|| (domain.to_string(), kind.to_string(), Vec::new()))
                .2
                .push(Observation {
                    item: *got as f64 / *points as f64,
                    rest: (awarded - got) as f64 / rest_possible as f64,
                });
        }
    }

    let mut item_variances = Vec::new();
    let mut items = Vec::new();
    for ((question_id, version), (domain, kind, obs)) in observations {
        let Some(s) = statistics::item(&obs) else {
            continue;
        };
        if obs.len() > 1 {
            item_variances.push(s.standard_deviation * s.standard_deviation);
        }
        items.push(ItemStatisticsView {
            question_id,
            version,
            domain,
            kind,
            attempts: s.attempts,
            facility_index: round(s.facility, 3),
            standard_deviation: round(s.standard_deviation, 3),
            discrimination_index: s.discrimination_index.map(|d| round(d, 1)),
            discriminative_efficiency: s.discriminative_efficiency.map(|d| round(d, 1)),
            flags: s.flags.iter().map(|f| f.to_string()).collect(),
        });
    }
    let k = cert.row.question_count.max(0) as usize;
    let t = statistics::test(&totals, &item_variances, k);
    Ok(StatisticsView {
        certification_code: cert.row.code.clone(),
        first_attempts_only: !all_attempts,
        test: TestStatisticsView {
            attempts: t.attempts,
            mean_percent: round(t.mean, 1),
            standard_deviation_percent: round(t.standard_deviation, 1),
            cronbach_alpha: t.cronbach_alpha.map(|a| round(a, 3)),
            error_ratio_percent: t.error_ratio.map(|e| round(e, 1)),
            standard_error_percent: t.standard_error.map(|e| round(e, 1)),
            pass_mark_percent: f64::from(cert.row.pass_mark_tenths) / 10.0,
        },
        items,
    })
}

/// A stored question version with what scoring needs of it decoded.
struct Version {
    row: VersionRow,
    kind: QuestionKind,
    correct: Vec<usize>,
}

/// The points a lab earned: from the grade stored with its answer (only the total is
/// read), graded now as scoring would when an artifact was saved without one, else 0.
fn lab_points(conn: &mut DbConn, item: &FormAnswer, version: &VersionRow) -> ApiResult<i64> {
    #[derive(serde::Deserialize)]
    struct Points {
        points_awarded: i32,
    }
    if let Some(grade) = &item.grade {
        return Ok(decode::<Points>(grade)?.points_awarded.into());
    }
    if item.has_artifact != Some(true) {
        return Ok(0);
    }
    let answer = crate::db::attempts::answer(conn, &item.attempt_id, item.position)?
        .ok_or_else(|| ApiError::internal("a saved lab answer went missing"))?;
    let question = AttemptQuestionRow {
        attempt_id: item.attempt_id.clone(),
        position: item.position,
        public_id: String::new(),
        question_id: item.question_id.clone(),
        version: item.version,
        domain: version.domain.clone(),
        option_order: item.option_order.clone(),
        option_ids: item.option_ids.clone(),
    };
    Ok(score_item(&question, version, Some(&answer))?.0.awarded)
}

/// The statistics as a table, for `invigil bank stats`.
pub fn render(s: &StatisticsView) -> String {
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v}"));
    let t = &s.test;
    let mut out = format!(
        "{} ({} attempts{}): mean {}%, SD {}, alpha {}, error ratio {}%, SEM {} points \
         beside a pass mark of {}%\n",
        s.certification_code,
        t.attempts,
        if s.first_attempts_only {
            ", first only"
        } else {
            ""
        },
        t.mean_percent,
        t.standard_deviation_percent,
        opt(t.cronbach_alpha),
        opt(t.error_ratio_percent),
        opt(t.standard_error_percent),
        t.pass_mark_percent
    );
    out.push_str("  item         v  attempts  facility    SD    D     DE   flags\n");
    for i in &s.items {
        out.push_str(&format!(
            "  {:<12} {:>2} {:>9} {:>9} {:>5} {:>5} {:>6}   {}\n",
            i.question_id,
            i.version,
            i.attempts,
            i.facility_index,
            i.standard_deviation,
            opt(i.discrimination_index),
            opt(i.discriminative_efficiency),
            i.flags.join("; ")
        ));
    }
    out
}
