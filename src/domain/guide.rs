//! The program guide: who each certification is for, how to prepare, where it leads; the
//! learning paths and the role table; and, from these and what a candidate holds, the
//! next certifications to take. Public information, served as written in `catalog.toml`.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

/// What the guide says of one certification.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertificationGuide {
    /// Who it is for.
    pub audience: String,
    pub skills: Vec<String>,
    /// Real-world projects a holder should be able to carry out.
    pub projects: Vec<String>,
    /// Preparation plans by starting point (7–14, 30 and 60 days).
    pub preparation: Vec<PreparationPlan>,
    pub common_mistakes: Vec<String>,
    /// Where a holder goes next, in the program or outside it.
    pub next: Vec<NextStep>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PreparationPlan {
    /// The plan's length, e.g. `7-14`, `30`, `60`.
    pub days: String,
    /// The starting point it suits.
    pub suits: String,
    pub steps: Vec<String>,
}

/// How a next certification relates to the one held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    SameTrack,
    CrossTrack,
    Leadership,
}

impl Relation {
    pub fn parse(s: &str) -> Option<Relation> {
        match s {
            "same_track" => Some(Relation::SameTrack),
            "cross_track" => Some(Relation::CrossTrack),
            "leadership" => Some(Relation::Leadership),
            _ => None,
        }
    }

    fn phrase(self) -> &'static str {
        match self {
            Relation::SameTrack => "same track",
            Relation::CrossTrack => "cross-track",
            Relation::Leadership => "leadership",
        }
    }
}

/// A next certification: one of the program's (`code`), or an external one (`external`,
/// with its issuer), which invigil does not deliver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NextStep {
    pub relation: Relation,
    /// The program's certification code; None for an external certification.
    pub code: Option<String>,
    pub title: String,
    pub external: bool,
    /// Who issues an external certification.
    pub issuer: Option<String>,
}

/// A learning path (DevOps, MLOps, FinOps …): the program's certifications along it and
/// the external ones that belong to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LearningPath {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Program certification codes, in the order to take them.
    pub certifications: Vec<String>,
    /// External certifications on this path, by title.
    pub external: Vec<String>,
}

/// One line of the role table: a job and the certifications recommended for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = JobRole)]
pub struct Role {
    pub id: String,
    pub name: String,
    /// The learning path this role follows (a `LearningPath` id).
    pub path: String,
    /// The program track it leads into.
    pub track: String,
    /// Program certification codes, in the recommended order.
    pub certifications: Vec<String>,
}

/// The program-wide tables of the guide.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgramGuide {
    pub paths: Vec<LearningPath>,
    pub roles: Vec<Role>,
}

/// What the recommendation needs of one program certification.
#[derive(Clone, Debug)]
pub struct Offer<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub recommended_order: i32,
    pub prerequisites: &'a [String],
    pub next: &'a [NextStep],
}

/// A candidate's standing in one certification, as far as recommending goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holding {
    Active,
    /// Held, inside its renewal window: renewing it is the first recommendation.
    RenewalDue,
}

/// One recommended certification and why, before eligibility is looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// A program code, or None for an external certification.
    pub code: Option<String>,
    pub title: String,
    pub issuer: Option<String>,
    pub reasons: Vec<String>,
}

/// The next certifications for a candidate, best first:
/// 1. renewals of what they hold inside its renewal window;
/// 2. the role's certifications (in the role table's order) not held;
/// 3. the guide's next steps of what they hold (same track, then cross-track, then
///    leadership; program certifications before external ones);
/// 4. with nothing held and no role, the program's entry points (no prerequisites).
///
/// A certification reached by several rules appears once, at its best place, with every
/// reason. Held certifications (active) are never suggested.
pub fn recommend(
    offers: &[Offer<'_>],
    held: &[(String, Holding)],
    role: Option<&Role>,
) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = Vec::new();
    let mut add = |code: Option<&str>, title: &str, issuer: Option<&str>, reason: String| {
        let existing = out.iter_mut().find(|s| match (code, &s.code) {
            (Some(c), Some(d)) => c == d,
            (None, None) => s.title == title,
            _ => false,
        });
        match existing {
            Some(s) => {
                if !s.reasons.contains(&reason) {
                    s.reasons.push(reason);
                }
            }
            None => out.push(Suggestion {
                code: code.map(str::to_string),
                title: title.to_string(),
                issuer: issuer.map(str::to_string),
                reasons: vec![reason],
            }),
        }
    };
    let holding = |code: &str| held.iter().find(|(c, _)| c == code).map(|(_, h)| *h);
    let offer = |code: &str| offers.iter().find(|o| o.code == code);
    for (code, h) in held {
        if *h == Holding::RenewalDue {
            if let Some(o) = offer(code) {
                add(Some(o.code), o.title, None, "due for renewal".into());
            }
        }
    }
    if let Some(role) = role {
        for code in &role.certifications {
            if holding(code).is_some() {
                continue;
            }
            if let Some(o) = offer(code) {
                add(
                    Some(o.code),
                    o.title,
                    None,
                    format!("recommended for {}", role.name),
                );
            }
        }
    }
    let mut held_offers: Vec<&Offer<'_>> = held.iter().filter_map(|(c, _)| offer(c)).collect();
    held_offers.sort_by_key(|o| o.recommended_order);
    for relation in [
        Relation::SameTrack,
        Relation::CrossTrack,
        Relation::Leadership,
    ] {
        for external in [false, true] {
            for from in &held_offers {
                for step in from.next.iter().filter(|s| s.relation == relation) {
                    if step.external != external {
                        continue;
                    }
                    if step.code.as_deref().is_some_and(|c| holding(c).is_some()) {
                        continue;
                    }
                    let reason = format!("next after {} ({})", from.code, relation.phrase());
                    add(
                        step.code.as_deref(),
                        &step.title,
                        step.issuer.as_deref(),
                        reason,
                    );
                }
            }
        }
    }
    if held.is_empty() && role.is_none() {
        let mut entry: Vec<&Offer<'_>> = offers
            .iter()
            .filter(|o| o.prerequisites.is_empty())
            .collect();
        entry.sort_by_key(|o| o.recommended_order);
        for o in entry {
            add(
                Some(o.code),
                o.title,
                None,
                "an entry point of the program".into(),
            );
        }
    }
    // Never a program certification the catalog does not offer.
    let known: HashSet<&str> = offers.iter().map(|o| o.code).collect();
    out.retain(|s| s.code.as_deref().is_none_or(|c| known.contains(c)));
    out
}

#[cfg(test)]
mod tests;
