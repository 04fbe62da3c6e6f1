//! The questions' rules: each file, each question, and the pools they form.

use super::*;
use crate::bank::raw::{RawQuestion, RawQuestionFile};
use crate::bank::{BankError, Certification, Question};
use crate::domain::catalog::CutScore;
use crate::domain::kinds::QuestionKind;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Every `<code>/*.toml` of every root folder, checked against its certification. The
/// first root holds `catalog.toml`; the others (a private folder of live items beside a
/// public one of practice items, say) add question folders only.
pub(super) fn questions(
    roots: &[PathBuf],
    certifications: &[(Certification, DomainLines)],
    errors: &mut Errors,
) -> Vec<Question> {
    let by_code: HashMap<&str, &Certification> = certifications
        .iter()
        .map(|(c, _)| (c.code.as_str(), c))
        .collect();
    let mut out = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    // A pool is not reported short when one of its files could not be read, or one of its
    // items is in error: the count would mislead until those are fixed.
    let mut unreadable: HashSet<String> = HashSet::new();
    let mut folders: Vec<PathBuf> = Vec::new();
    for dir in roots {
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect();
                found.sort();
                folders.extend(found);
            }
            Err(e) => {
                errors.whole_file(dir, format!("cannot read the bank folder: {e}"));
                return out;
            }
        }
    }
    let dir = roots.first().map_or(Path::new("."), PathBuf::as_path);
    for folder in folders {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let Some(cert) = by_code.get(name.as_str()) else {
            errors.whole_file(
                &folder,
                format!("folder {name} names no certification of catalog.toml"),
            );
            continue;
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
        files.sort();
        for path in files {
            let Some(text) = read(&path, errors) else {
                unreadable.insert(cert.code.clone());
                continue;
            };
            let file = SourceFile::new(path.clone(), &text);
            match toml::from_str::<RawQuestionFile>(&text) {
                Ok(raw) => {
                    for q in &raw.question {
                        match question(&file, cert, q, &mut ids, errors) {
                            Some(question) => out.push(question),
                            None => {
                                unreadable.insert(cert.code.clone());
                            }
                        }
                    }
                }
                Err(e) => {
                    errors.push(&file, e.span(), format!("invalid TOML: {}", e.message()));
                    unreadable.insert(cert.code.clone());
                }
            }
        }
    }
    for (cert, lines) in certifications
        .iter()
        .filter(|(c, _)| !unreadable.contains(&c.code))
    {
        let has_practice = out
            .iter()
            .any(|q| q.practice && q.certification_code == cert.code);
        for d in &cert.domains {
            let line = lines.get(&d.name).copied().unwrap_or(1);
            let live = slots(&out, &cert.code, &d.name, false);
            let floor = cert.min_pool_ratio * d.questions as usize;
            if live < floor {
                errors.0.push(BankError {
                    file: dir.join("catalog.toml"),
                    line,
                    message: format!(
                        "domain {:?} of {} draws {} questions but its live pool holds only \
                         {live} that can share a form (each enemy group counts once); at \
                         least {floor} ({}x the draw) keep forms apart",
                        d.name, cert.code, d.questions, cert.min_pool_ratio
                    ),
                });
            }
            // Practice is optional per certification; offered, it must draw whole forms.
            let practice = slots(&out, &cert.code, &d.name, true);
            if has_practice && practice < d.questions as usize {
                errors.0.push(BankError {
                    file: dir.join("catalog.toml"),
                    line,
                    message: format!(
                        "domain {:?} of {} draws {} questions but its practice pool holds \
                         only {practice} that can share a form",
                        d.name, cert.code, d.questions
                    ),
                });
            }
        }
    }
    // A group lies within one domain of its certification: the draw keeps groups apart
    // domain by domain. (Another certification's group of that name is another group.)
    let mut homes: HashMap<(&str, &str), (&str, &str, &str)> = HashMap::new();
    for q in &out {
        let Some(g) = &q.group else { continue };
        let home = (
            q.certification_code.as_str(),
            q.domain.as_str(),
            q.id.as_str(),
        );
        let key = (q.certification_code.as_str(), g.as_str());
        match homes.get(&key) {
            Some((code, domain, first)) if (*code, *domain) != (home.0, home.1) => {
                errors.0.push(BankError {
                    file: dir.join(&q.certification_code),
                    line: 1,
                    message: format!(
                        "{}: group {g:?} is also held by {first} of {code} {domain:?}; a group \
                         lies within one domain",
                        q.id
                    ),
                });
            }
            Some(_) => {}
            None => {
                homes.insert(key, home);
            }
        }
    }
    out
}

/// Items of one enemy group fill one place on a form between them.
fn slots(questions: &[Question], code: &str, domain: &str, practice: bool) -> usize {
    crate::bank::slots_of(
        questions.iter().filter(|q| {
            q.certification_code == code && q.domain == domain && q.practice == practice
        }),
    )
}

fn question(
    file: &SourceFile,
    cert: &Certification,
    spanned: &Spanned<RawQuestion>,
    ids: &mut HashMap<String, String>,
    errors: &mut Errors,
) -> Option<Question> {
    let q = spanned.get_ref();
    let before = errors.0.len();
    let id = non_empty(errors, file, &q.id, "id");
    let here = format!("{}:{}", file.path.display(), file.line(q.id.span().start));
    if let Some(first) = ids.insert(id.clone(), here.clone()) {
        errors.at(file, &q.id, format!("duplicate id {id} (first at {first})"));
        ids.insert(id.clone(), first);
    }
    let domain = q.domain.get_ref().clone();
    if !cert.domains.iter().any(|d| d.name == domain) {
        errors.at(
            file,
            &q.domain,
            format!("{id}: unknown domain {domain:?} for {}", cert.code),
        );
    }
    let kind = QuestionKind::parse(q.kind.get_ref());
    if kind.is_none() {
        errors.at(
            file,
            &q.kind,
            format!(
                "{id}: kind {:?} is not single, multiple, true_false, ordering or lab",
                q.kind.get_ref()
            ),
        );
    }
    let stem = non_empty(errors, file, &q.stem, "stem");
    let no_options = Vec::new();
    let raw_options = q.options.as_ref().map_or(&no_options, |o| o.get_ref());
    let options: Vec<String> = raw_options
        .iter()
        .map(|o| o.get_ref().trim().to_string())
        .collect();
    let mut seen = HashSet::new();
    for (o, text) in raw_options.iter().zip(&options) {
        if text.is_empty() {
            errors.at(file, o, format!("{id}: an option is empty"));
        } else if !seen.insert(text.to_lowercase()) {
            errors.at(file, o, format!("{id}: duplicate option {text:?}"));
        }
    }
    let mut correct = Vec::new();
    let no_key = Vec::new();
    for c in q.correct.as_ref().map_or(&no_key, |c| c.get_ref()) {
        match usize::try_from(*c.get_ref()) {
            Ok(i) => correct.push(i),
            Err(_) => errors.at(
                file,
                c,
                format!("{id}: correct index {} is negative", c.get_ref()),
            ),
        }
    }
    if let Some(kind) = kind {
        for problem in kind.rules().validate(&options, &correct) {
            match &q.correct {
                Some(key) => errors.at(file, key, format!("{id}: {problem}")),
                None => errors.at(file, &q.kind, format!("{id}: {problem}")),
            }
        }
    }
    let points = q
        .points
        .as_ref()
        .map_or(1, |p| in_range(errors, file, p, "points", 1..101));
    let difficulty = q.difficulty.as_ref().map(|d| {
        let v = *d.get_ref();
        if !(v > 0.0 && v <= 1.0) {
            errors.at(
                file,
                d,
                format!("{id}: difficulty {v} is not a probability in (0, 1]"),
            );
        }
        v
    });
    if difficulty.is_none() && cert.cut_score == CutScore::Angoff {
        errors.at(
            file,
            &q.id,
            format!(
                "{id}: {} uses the angoff cut score, so every question needs a difficulty",
                cert.code
            ),
        );
    }
    let explanation = q
        .explanation
        .as_ref()
        .map(|e| e.get_ref().trim().to_string())
        .filter(|e| !e.is_empty());
    let lab = match kind {
        Some(QuestionKind::Lab) => super::labs::lab(file, &id, q, points, errors),
        _ => {
            super::labs::refuse_lab_fields(file, &id, q, errors);
            None
        }
    };
    let group = q.group.as_ref().map(|g| {
        let name = g.get_ref().trim().to_string();
        let well_formed = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !well_formed {
            errors.at(file, g, format!("{id}: group is 1 to 64 of [a-z0-9-]"));
        }
        name
    });
    let metadata = metadata(file, cert, &id, &domain, q, errors);
    if errors.0.len() > before {
        return None;
    }
    Some(Question {
        id,
        certification_code: cert.code.clone(),
        domain,
        kind: kind?,
        stem,
        options,
        correct,
        points,
        difficulty,
        explanation,
        group,
        objective: metadata.objective,
        practice: metadata.practice,
        references: metadata.references,
        tool_versions: metadata.tool_versions,
        review_by: metadata.review_by,
        lab,
    })
}

struct Metadata {
    objective: Option<String>,
    practice: bool,
    references: Vec<String>,
    tool_versions: Vec<String>,
    review_by: Option<chrono::NaiveDate>,
}

/// The item's objective (required once the certification has a blueprint, and one of
/// its own domain's), its pool, and the maintenance fields.
fn metadata(
    file: &SourceFile,
    cert: &Certification,
    id: &str,
    domain: &str,
    q: &RawQuestion,
    errors: &mut Errors,
) -> Metadata {
    let has_blueprint = cert.domains.iter().any(|d| !d.objectives.is_empty());
    let objective = q.objective.as_ref().map(|o| o.get_ref().trim().to_string());
    match (&q.objective, &objective) {
        (Some(at), Some(name)) => {
            let home = cert
                .domains
                .iter()
                .find(|d| d.objectives.iter().any(|o| &o.id == name));
            match home {
                None => errors.at(
                    file,
                    at,
                    format!(
                        "{id}: objective {name:?} is not in the blueprint of {}",
                        cert.code
                    ),
                ),
                Some(d) if d.name != domain => errors.at(
                    file,
                    at,
                    format!("{id}: objective {name} belongs to domain {:?}", d.name),
                ),
                Some(_) => {}
            }
        }
        _ if has_blueprint => errors.at(
            file,
            &q.id,
            format!("{id}: names no objective of the blueprint of {}", cert.code),
        ),
        _ => {}
    }
    let list = |field: &Option<Spanned<Vec<Spanned<String>>>>, name: &str, errors: &mut Errors| {
        let mut out = Vec::new();
        for v in field.iter().flat_map(|l| l.get_ref()) {
            let text = v.get_ref().trim().to_string();
            if text.is_empty() {
                errors.at(file, v, format!("{id}: an entry of {name} is empty"));
            }
            out.push(text);
        }
        out
    };
    let references = list(&q.references, "references", errors);
    let tool_versions = list(&q.tool_versions, "tool_versions", errors);
    let review_by = q.review_by.as_ref().and_then(|d| {
        let date = d.get_ref();
        match (date.date, date.time) {
            (Some(day), None) => chrono::NaiveDate::from_ymd_opt(
                i32::from(day.year),
                u32::from(day.month),
                u32::from(day.day),
            ),
            _ => {
                errors.at(file, d, format!("{id}: review_by is a date (YYYY-MM-DD)"));
                None
            }
        }
    });
    Metadata {
        objective,
        practice: q.practice.as_ref().is_some_and(|p| *p.get_ref()),
        references,
        tool_versions,
        review_by,
    }
}
