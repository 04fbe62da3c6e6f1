//! The catalog's rules: certifications, their domains, and the prerequisite graph.

use super::*;
use crate::bank::raw::{RawCatalog, RawCertification, RawDomain};
use crate::bank::{Certification, Domain, Objective, DEFAULT_MIN_POOL_RATIO, DEFAULT_PASS_BAND};
use crate::domain::catalog::{CutScore, Level, Percent};
use std::collections::{BTreeMap, HashSet};

pub(super) fn certifications(
    file: &SourceFile,
    raw: RawCatalog,
    errors: &mut Errors,
) -> Vec<(Certification, DomainLines)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if raw.certification.is_empty() {
        errors.push(file, None, "the catalog has no [[certification]]");
    }
    for spanned in &raw.certification {
        let c: &RawCertification = spanned.get_ref();
        let code = c.code.get_ref().clone();
        if !valid_code(&code) {
            errors.at(
                file,
                &c.code,
                format!("code {code:?} must match [A-Z0-9-]{{2,16}}"),
            );
        }
        if !seen.insert(code.clone()) {
            errors.at(
                file,
                &c.code,
                format!("duplicate certification code {code}"),
            );
        }
        let level = Level::parse(c.level.get_ref()).unwrap_or_else(|| {
            errors.at(
                file,
                &c.level,
                format!(
                    "level {:?} is not foundation, professional or advanced",
                    c.level.get_ref()
                ),
            );
            Level::Foundation
        });
        let cut_score = match &c.cut_score {
            None => CutScore::Fixed,
            Some(s) => CutScore::parse(s.get_ref()).unwrap_or_else(|| {
                errors.at(
                    file,
                    s,
                    format!("cut_score {:?} is not fixed or angoff", s.get_ref()),
                );
                CutScore::Fixed
            }),
        };
        let pass_band = match &c.pass_band {
            None => DEFAULT_PASS_BAND,
            Some(band) => match band.get_ref().as_slice() {
                [lo, hi] => match (Percent::parse(*lo), Percent::parse(*hi)) {
                    (Ok(lo), Ok(hi)) if lo <= hi => (lo, hi),
                    (Ok(_), Ok(_)) => {
                        errors.at(file, band, "pass_band's lower end is above its upper end");
                        DEFAULT_PASS_BAND
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        errors.at(file, band, format!("pass_band: {e}"));
                        DEFAULT_PASS_BAND
                    }
                },
                _ => {
                    errors.at(file, band, "pass_band is [lower, upper]");
                    DEFAULT_PASS_BAND
                }
            },
        };
        let pass_mark = match Percent::parse(*c.pass_mark_percent.get_ref()) {
            Ok(mark) => {
                if mark < pass_band.0 || mark > pass_band.1 {
                    errors.at(
                        file,
                        &c.pass_mark_percent,
                        format!(
                            "pass_mark_percent {mark} is outside the pass band {}–{}",
                            pass_band.0, pass_band.1
                        ),
                    );
                }
                mark
            }
            Err(e) => {
                errors.at(
                    file,
                    &c.pass_mark_percent,
                    format!("pass_mark_percent: {e}"),
                );
                pass_band.0
            }
        };
        let mut domains = Vec::new();
        let mut domain_lines = DomainLines::new();
        let mut domain_names = HashSet::new();
        let mut objective_ids = HashSet::new();
        for d in &c.domain {
            let name = non_empty(errors, file, &d.get_ref().name, "a domain's name");
            if !domain_names.insert(name.clone()) {
                errors.at(
                    file,
                    &d.get_ref().name,
                    format!("duplicate domain {name:?} in {code}"),
                );
            }
            let questions = in_range(
                errors,
                file,
                &d.get_ref().questions,
                "a domain's questions",
                1..501,
            );
            domain_lines.insert(name.clone(), file.line(d.span().start));
            let objectives = objectives(errors, file, &code, d.get_ref(), &mut objective_ids);
            domains.push(Domain {
                name,
                questions,
                objectives,
            });
        }
        if domains.is_empty() {
            errors.push(
                file,
                Some(spanned.span()),
                format!("{code} has no [[certification.domain]]"),
            );
        }
        let question_count = in_range(errors, file, &c.question_count, "question_count", 1..1001);
        let drawn: i32 = domains.iter().map(|d| d.questions).sum();
        if drawn != question_count {
            errors.at(
                file,
                &c.question_count,
                format!("question_count = {question_count} but the domains draw {drawn}"),
            );
        }
        let prerequisites: Vec<String> = c
            .prerequisites
            .as_ref()
            .map(|p| p.get_ref().iter().map(|s| s.get_ref().clone()).collect())
            .unwrap_or_default();
        let cert = Certification {
            code: code.clone(),
            title: non_empty(errors, file, &c.title, "title"),
            track: non_empty(errors, file, &c.track, "track"),
            level,
            recommended_order: in_range(
                errors,
                file,
                &c.recommended_order,
                "recommended_order",
                1..1000,
            ),
            prerequisites,
            validity_months: in_range(errors, file, &c.validity_months, "validity_months", 24..37),
            renewal_window_days: in_range(
                errors,
                file,
                &c.renewal_window_days,
                "renewal_window_days",
                1..366,
            ),
            duration_minutes: in_range(
                errors,
                file,
                &c.duration_minutes,
                "duration_minutes",
                1..601,
            ),
            question_count,
            pass_mark,
            pass_band,
            cut_score,
            max_attempts_per_year: in_range(
                errors,
                file,
                &c.max_attempts_per_year,
                "max_attempts_per_year",
                1..101,
            ),
            retake_wait_days: in_range(
                errors,
                file,
                &c.retake_wait_days,
                "retake_wait_days",
                0..366,
            ),
            min_pool_ratio: c
                .min_pool_ratio
                .as_ref()
                .map_or(DEFAULT_MIN_POOL_RATIO, |r| {
                    in_range(errors, file, r, "min_pool_ratio", 1..11) as usize
                }),
            domains,
            guide: super::guide::certification(file, &raw, c, errors),
        };
        out.push((cert, domain_lines));
    }
    prerequisite_errors(file, &raw, errors);
    out
}

/// Unknown prerequisites, a certification requiring itself, and cycles.
fn prerequisite_errors(file: &SourceFile, raw: &RawCatalog, errors: &mut Errors) {
    let codes: HashSet<&str> = raw
        .certification
        .iter()
        .map(|c| c.get_ref().code.get_ref().as_str())
        .collect();
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in &raw.certification {
        let c = c.get_ref();
        let code = c.code.get_ref().as_str();
        for p in c.prerequisites.iter().flat_map(|p| p.get_ref().iter()) {
            let name = p.get_ref().as_str();
            if name == code {
                errors.at(file, p, format!("{code} lists itself as a prerequisite"));
            } else if !codes.contains(name) {
                errors.at(file, p, format!("unknown prerequisite {name:?} of {code}"));
            } else {
                graph.entry(code).or_default().push(name);
            }
        }
    }
    // A cycle is reported once, at the certification where the search first closes it.
    let mut done: HashSet<&str> = HashSet::new();
    for start in graph.keys().copied().collect::<Vec<_>>() {
        let mut path = vec![start];
        cycle_from(start, &graph, &mut path, &mut done, &mut |cycle| {
            let first = cycle[0];
            let at = raw
                .certification
                .iter()
                .find(|c| c.get_ref().code.get_ref() == first)
                .map(|c| c.get_ref().code.span());
            errors.push(
                file,
                at,
                format!("prerequisite cycle: {}", cycle.join(" → ")),
            );
        });
    }
}

fn cycle_from<'a>(
    node: &'a str,
    graph: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    done: &mut HashSet<&'a str>,
    report: &mut dyn FnMut(Vec<&str>),
) {
    if done.contains(node) {
        return;
    }
    for &next in graph.get(node).map(Vec::as_slice).unwrap_or(&[]) {
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle = path[pos..].to_vec();
            cycle.push(next);
            report(cycle);
        } else {
            path.push(next);
            cycle_from(next, graph, path, done, report);
            path.pop();
        }
    }
    done.insert(node);
}

/// A domain's blueprint objectives: ids unique within the certification, each with a
/// statement of what a candidate must be able to do.
fn objectives(
    errors: &mut Errors,
    file: &SourceFile,
    code: &str,
    domain: &RawDomain,
    seen: &mut HashSet<String>,
) -> Vec<Objective> {
    let mut out = Vec::new();
    for o in &domain.objective {
        let o = o.get_ref();
        let id = non_empty(errors, file, &o.id, "an objective's id");
        let well_formed = id.len() <= 32
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !well_formed {
            errors.at(
                file,
                &o.id,
                format!("objective {id:?}: 1 to 32 of [A-Za-z0-9.-]"),
            );
        }
        if !seen.insert(id.clone()) {
            errors.at(file, &o.id, format!("duplicate objective {id} in {code}"));
        }
        let statement = non_empty(errors, file, &o.statement, "an objective's statement");
        out.push(Objective { id, statement });
    }
    out
}
