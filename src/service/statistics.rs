//! Item statistics of a certification, for bank authors: each item's facility,
//! discrimination and efficiency, and the test's reliability, from its scored attempts
//! (formulas in [`crate::domain::statistics`]).

use crate::db::{catalog, statistics as rows, DbConn};
use crate::domain::lifecycle::AttemptStatus;
use crate::domain::statistics::{self, Observation};
use crate::error::{ApiError, ApiResult};
use crate::service::attempts::finalise::score_item;
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
    let forms = rows::forms(conn, &ids)?;
    let answers = rows::answers(conn, &ids)?;
    let answer_of: HashMap<(&str, i32), &crate::db::attempts::AnswerRow> = answers
        .iter()
        .map(|a| ((a.attempt_id.as_str(), a.position), a))
        .collect();

    // Each attempt's items: (question id, version, domain, kind, awarded, points).
    type Scored = (String, i32, String, String, i64, i64);
    let mut by_attempt: BTreeMap<&str, Vec<Scored>> = BTreeMap::new();
    for (question, version) in &forms {
        let answer = answer_of
            .get(&(question.attempt_id.as_str(), question.position))
            .copied();
        // An unanswered lab earns nothing: no need to read its checks.
        let item = match (answer, &version.lab) {
            (None, Some(_)) => crate::domain::scoring::ScoredItem {
                domain: question.domain.clone(),
                points: version.points.into(),
                awarded: 0,
            },
            _ => score_item(question, version, answer)?.0,
        };
        by_attempt
            .entry(question.attempt_id.as_str())
            .or_default()
            .push((
                version.question_id.clone(),
                version.version,
                question.domain.clone(),
                version.kind.clone(),
                item.awarded,
                item.points,
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
                .entry((id.clone(), *version))
                .or_insert_with(|| (domain.clone(), kind.clone(), Vec::new()))
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
