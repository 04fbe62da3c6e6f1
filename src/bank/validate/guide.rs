//! The program guide's rules: next steps name a program certification or an external
//! one with its issuer; paths and roles name known certifications, paths and tracks.

use super::*;
use crate::bank::raw::{RawCatalog, RawCertification};
use crate::domain::guide::{
    CertificationGuide, LearningPath, NextStep, PreparationPlan, ProgramGuide, Relation, Role,
};
use std::collections::HashSet;

fn texts(
    errors: &mut Errors,
    file: &SourceFile,
    list: &[Spanned<String>],
    what: &str,
) -> Vec<String> {
    list.iter()
        .map(|v| non_empty(errors, file, v, what))
        .collect()
}

fn codes(raw: &RawCatalog) -> HashSet<&str> {
    raw.certification
        .iter()
        .map(|c| c.get_ref().code.get_ref().as_str())
        .collect()
}

/// One certification's page of the guide (every field optional).
pub(super) fn certification(
    file: &SourceFile,
    raw: &RawCatalog,
    c: &RawCertification,
    errors: &mut Errors,
) -> CertificationGuide {
    let known = codes(raw);
    let own = c.code.get_ref().as_str();
    let preparation = c
        .preparation
        .iter()
        .map(|p| {
            let p = p.get_ref();
            PreparationPlan {
                days: non_empty(errors, file, &p.days, "a preparation plan's days"),
                suits: non_empty(errors, file, &p.suits, "a preparation plan's suits"),
                steps: texts(errors, file, &p.steps, "a preparation step"),
            }
        })
        .collect();
    let mut next = Vec::new();
    for n in &c.next {
        let n = n.get_ref();
        let relation = Relation::parse(n.relation.get_ref()).unwrap_or_else(|| {
            errors.at(
                file,
                &n.relation,
                format!(
                    "relation {:?} is not same_track, cross_track or leadership",
                    n.relation.get_ref()
                ),
            );
            Relation::SameTrack
        });
        let step = match (&n.code, &n.title, &n.issuer) {
            (Some(code), None, None) => {
                let name = code.get_ref().clone();
                if name == own {
                    errors.at(file, code, format!("{own} lists itself as its next step"));
                } else if !known.contains(name.as_str()) {
                    errors.at(
                        file,
                        code,
                        format!("unknown next certification {name:?} of {own}"),
                    );
                }
                let title = raw
                    .certification
                    .iter()
                    .find(|c| c.get_ref().code.get_ref() == &name)
                    .map(|c| c.get_ref().title.get_ref().clone())
                    .unwrap_or_default();
                NextStep {
                    relation,
                    code: Some(name),
                    title,
                    external: false,
                    issuer: None,
                }
            }
            (None, Some(title), Some(issuer)) => NextStep {
                relation,
                code: None,
                title: non_empty(errors, file, title, "an external certification's title"),
                external: true,
                issuer: Some(non_empty(
                    errors,
                    file,
                    issuer,
                    "an external certification's issuer",
                )),
            },
            _ => {
                errors.at(
                    file,
                    &n.relation,
                    format!(
                        "a next step of {own} names either a program `code`, or an external \
                         certification's `title` and `issuer`"
                    ),
                );
                continue;
            }
        };
        next.push(step);
    }
    CertificationGuide {
        audience: c
            .audience
            .as_ref()
            .map(|a| non_empty(errors, file, a, "audience"))
            .unwrap_or_default(),
        skills: texts(errors, file, &c.skills, "a skill"),
        projects: texts(errors, file, &c.projects, "a project"),
        preparation,
        common_mistakes: texts(errors, file, &c.common_mistakes, "a common mistake"),
        next,
    }
}

fn well_formed_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The learning paths and the role table.
pub(super) fn program(file: &SourceFile, raw: &RawCatalog, errors: &mut Errors) -> ProgramGuide {
    let known = codes(raw);
    let tracks: HashSet<&str> = raw
        .certification
        .iter()
        .map(|c| c.get_ref().track.get_ref().as_str())
        .collect();
    let check_codes = |errors: &mut Errors, list: &[Spanned<String>], whose: &str| {
        for c in list {
            if !known.contains(c.get_ref().as_str()) {
                errors.at(
                    file,
                    c,
                    format!("{whose} names unknown certification {:?}", c.get_ref()),
                );
            }
        }
        list.iter().map(|c| c.get_ref().clone()).collect::<Vec<_>>()
    };
    let mut ids = HashSet::new();
    let mut paths = Vec::new();
    for p in &raw.path {
        let p = p.get_ref();
        let id = p.id.get_ref().clone();
        if !well_formed_id(&id) {
            errors.at(
                file,
                &p.id,
                format!("path id {id:?} is 1 to 64 of [a-z0-9-]"),
            );
        }
        if !ids.insert(id.clone()) {
            errors.at(file, &p.id, format!("duplicate path {id}"));
        }
        paths.push(LearningPath {
            name: non_empty(errors, file, &p.name, "a path's name"),
            description: non_empty(errors, file, &p.description, "a path's description"),
            certifications: check_codes(errors, &p.certifications, &format!("path {id}")),
            external: texts(errors, file, &p.external, "an external certification"),
            id,
        });
    }
    let mut role_ids = HashSet::new();
    let mut roles = Vec::new();
    for r in &raw.role {
        let r = r.get_ref();
        let id = r.id.get_ref().clone();
        if !well_formed_id(&id) {
            errors.at(
                file,
                &r.id,
                format!("role id {id:?} is 1 to 64 of [a-z0-9-]"),
            );
        }
        if !role_ids.insert(id.clone()) {
            errors.at(file, &r.id, format!("duplicate role {id}"));
        }
        if !ids.contains(r.path.get_ref()) {
            errors.at(
                file,
                &r.path,
                format!("role {id} names unknown path {:?}", r.path.get_ref()),
            );
        }
        if !tracks.contains(r.track.get_ref().as_str()) {
            errors.at(
                file,
                &r.track,
                format!("role {id} names unknown track {:?}", r.track.get_ref()),
            );
        }
        roles.push(Role {
            name: non_empty(errors, file, &r.name, "a role's name"),
            path: r.path.get_ref().clone(),
            track: r.track.get_ref().clone(),
            certifications: check_codes(errors, &r.certifications, &format!("role {id}")),
            id,
        });
    }
    ProgramGuide { paths, roles }
}
