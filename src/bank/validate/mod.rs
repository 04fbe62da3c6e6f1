//! Reading a bank folder and checking every rule, collecting all errors.

use super::raw::RawCatalog;
use super::{Bank, BankError};
use crate::domain::guide::ProgramGuide;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Loads and validates the bank in `dir`: the bank, or every error found. `dir` may list
/// several folders joined as in `PATH` (`public-bank:private-bank`): the first holds
/// `catalog.toml`, and each adds its certification folders.
pub fn load(dir: &Path) -> Result<Bank, Vec<BankError>> {
    let mut errors = Errors::default();
    let roots: Vec<PathBuf> = std::env::split_paths(dir).collect();
    let first = roots.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let catalog_path = first.join("catalog.toml");
    let (certifications, guide) = match read(&catalog_path, &mut errors) {
        Some(text) => {
            let file = SourceFile::new(catalog_path.clone(), &text);
            match toml::from_str::<RawCatalog>(&text) {
                Ok(raw) => {
                    let guide = guide::program(&file, &raw, &mut errors);
                    (certifications(&file, raw, &mut errors), guide)
                }
                Err(e) => {
                    errors.push(&file, e.span(), format!("invalid TOML: {}", e.message()));
                    (Vec::new(), ProgramGuide::default())
                }
            }
        }
        None => (Vec::new(), ProgramGuide::default()),
    };
    let questions = questions(&roots, &certifications, &mut errors);
    let mut errors = errors.0;
    if errors.is_empty() {
        Ok(Bank {
            certifications: certifications.into_iter().map(|(c, _)| c).collect(),
            questions,
            guide,
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

mod catalog;
mod guide;
mod labs;
mod questions;

use catalog::certifications;
use questions::questions;
