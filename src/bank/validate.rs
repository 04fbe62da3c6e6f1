//! Reading a bank folder and checking every rule, collecting all errors.

use super::raw::{RawCatalog, RawCertification, RawQuestion, RawQuestionFile};
use super::{Bank, BankError, Certification, Domain, Question, DEFAULT_PASS_BAND};
use crate::domain::catalog::{CutScore, Level, Percent};
use crate::domain::kinds::QuestionKind;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Loads and validates the bank in `dir`: the bank, or every error found.
pub fn load(dir: &Path) -> Result<Bank, Vec<BankError>> {
    let mut errors = Errors::default();
    let catalog_path = dir.join("catalog.toml");
    let certifications = match read(&catalog_path, &mut errors) {
        Some(text) => {
            let file = SourceFile::new(catalog_path.clone(), &text);
            match toml::from_str::<RawCatalog>(&text) {
                Ok(raw) => certifications(&file, raw, &mut errors),
                Err(e) => {
                    errors.push(&file, e.span(), format!("invalid TOML: {}", e.message()));
                    Vec::new()
                }
            }
        }
        None => Vec::new(),
    };
    let questions = questions(dir, &certifications, &mut errors);
    let mut errors = errors.0;
    if errors.is_empty() {
        Ok(Bank {
            certifications: certifications.into_iter().map(|(c, _)| c).collect(),
            questions,
        })
    } else {
        errors.sort();
        errors.dedup();
        Err(errors)
    }
}

/// A file's name and where its lines start, to turn byte offsets into line numbers.
struct SourceFile {
    path: PathBuf,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, text: &str) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile { path, line_starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .max(1)
    }
}

#[derive(Default)]
struct Errors(Vec<BankError>);

impl Errors {
    fn push(&mut self, file: &SourceFile, span: Option<Range<usize>>, message: impl Into<String>) {
        let line = span.map_or(1, |s| file.line(s.start));
        self.0.push(BankError {
            file: file.path.clone(),
            line,
            message: message.into(),
        });
    }

    fn at<T>(&mut self, file: &SourceFile, value: &Spanned<T>, message: impl Into<String>) {
        self.push(file, Some(value.span()), message);
    }

    fn whole_file(&mut self, path: &Path, message: impl Into<String>) {
        self.0.push(BankError {
            file: path.to_path_buf(),
            line: 1,
            message: message.into(),
        });
    }
}

fn read(path: &Path, errors: &mut Errors) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) => {
            errors.whole_file(path, format!("cannot read: {e}"));
            None
        }
    }
}

/// The code pattern of QUESTION-BANK.md: `[A-Z0-9-]{2,16}`.
fn valid_code(code: &str) -> bool {
    (2..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn in_range(
    errors: &mut Errors,
    file: &SourceFile,
    value: &Spanned<i64>,
    name: &str,
    range: Range<i64>,
) -> i32 {
    let v = *value.get_ref();
    if !range.contains(&v) {
        errors.at(
            file,
            value,
            format!(
                "{name} = {v} is outside {}..={}",
                range.start,
                range.end - 1
            ),
        );
    }
    v.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

fn non_empty(
    errors: &mut Errors,
    file: &SourceFile,
    value: &Spanned<String>,
    name: &str,
) -> String {
    let v = value.get_ref().trim().to_string();
    if v.is_empty() {
        errors.at(file, value, format!("{name} must not be empty"));
    }
    v
}

/// The line of each domain of a certification, for errors found later (short pools).
type DomainLines = HashMap<String, usize>;

fn certifications(
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
            domains.push(Domain { name, questions });
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
            domains,
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

/// Every `<code>/*.toml`, checked against its certification.
fn questions(
    dir: &Path,
    certifications: &[(Certification, DomainLines)],
    errors: &mut Errors,
) -> Vec<Question> {
    let by_code: HashMap<&str, &Certification> = certifications
        .iter()
        .map(|(c, _)| (c.code.as_str(), c))
        .collect();
    let mut out = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    // A pool is not reported short when one of its files could not even be read.
    let mut unreadable: HashSet<String> = HashSet::new();
    let mut folders: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => {
            errors.whole_file(dir, format!("cannot read the bank folder: {e}"));
            return out;
        }
    };
    folders.sort();
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
                        if let Some(question) = question(&file, cert, q, &mut ids, errors) {
                            out.push(question);
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
        for d in &cert.domains {
            let pool = out
                .iter()
                .filter(|q| q.certification_code == cert.code && q.domain == d.name)
                .count();
            if (pool as i32) < d.questions {
                let line = lines.get(&d.name).copied().unwrap_or(1);
                errors.0.push(BankError {
                    file: dir.join("catalog.toml"),
                    line,
                    message: format!(
                        "domain {:?} of {} draws {} questions but its pool holds only {pool}",
                        d.name, cert.code, d.questions
                    ),
                });
            }
        }
    }
    out
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
                "{id}: kind {:?} is not single, multiple, true_false or ordering",
                q.kind.get_ref()
            ),
        );
    }
    let stem = non_empty(errors, file, &q.stem, "stem");
    let options: Vec<String> = q
        .options
        .get_ref()
        .iter()
        .map(|o| o.get_ref().trim().to_string())
        .collect();
    let mut seen = HashSet::new();
    for (o, text) in q.options.get_ref().iter().zip(&options) {
        if text.is_empty() {
            errors.at(file, o, format!("{id}: an option is empty"));
        } else if !seen.insert(text.to_lowercase()) {
            errors.at(file, o, format!("{id}: duplicate option {text:?}"));
        }
    }
    let mut correct = Vec::new();
    for c in q.correct.get_ref() {
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
            errors.at(file, &q.correct, format!("{id}: {problem}"));
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
    })
}
