//! What `invigil bank check` prints about a valid bank: pools against the draw, the
//! blueprint's coverage, and the items due for review.

use super::{slots_of, Bank, Certification};
use chrono::NaiveDate;
use std::fmt::Write;

/// A live pool under this multiple of its draw is reported: two forms would still share
/// about a third of their items.
pub const WARN_POOL_RATIO: usize = 3;

impl Bank {
    /// A human summary for bank authors, as of `today` (for review dates).
    pub fn summary(&self, today: NaiveDate) -> String {
        let mut out = format!(
            "{} certifications, {} questions ({} practice)\n",
            self.certifications.len(),
            self.questions.len(),
            self.questions.iter().filter(|q| q.practice).count()
        );
        for c in &self.certifications {
            let _ = writeln!(
                out,
                "{} {} ({}, {} questions in {} min, pass mark {}% {})",
                c.code,
                c.title,
                c.level.as_str(),
                c.question_count,
                c.duration_minutes,
                c.pass_mark,
                c.cut_score.as_str()
            );
            if c.min_pool_ratio < super::DEFAULT_MIN_POOL_RATIO {
                let _ = writeln!(
                    out,
                    "  warning: min_pool_ratio = {} lowers the floor of {}x the draw: forms repeat",
                    c.min_pool_ratio,
                    super::DEFAULT_MIN_POOL_RATIO
                );
            }
            self.pools(&mut out, c);
            self.coverage(&mut out, c);
        }
        self.reviews(&mut out, today);
        out
    }

    fn pools(&self, out: &mut String, c: &Certification) {
        let practice = self.offers_practice(&c.code);
        for d in &c.domains {
            let pool = self.pool(&c.code, &d.name).count();
            let slots = self.slots(&c.code, &d.name);
            let note = if slots < WARN_POOL_RATIO * d.questions as usize {
                format!("  warning: under {WARN_POOL_RATIO}x the draw")
            } else {
                String::new()
            };
            let practice = if practice {
                let n = slots_of(self.pool_of(&c.code, &d.name, true));
                format!(", practice {n}")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {:<48} pool {:>3} ({slots} after enemy groups, {:.1}x), draws {:>2}{practice}{note}",
                d.name,
                pool,
                slots as f64 / f64::from(d.questions.max(1)),
                d.questions
            );
        }
    }

    /// Live and practice items per objective; an objective no live item measures is a
    /// hole in the blueprint's coverage.
    fn coverage(&self, out: &mut String, c: &Certification) {
        let objectives: Vec<_> = c.domains.iter().flat_map(|d| &d.objectives).collect();
        if objectives.is_empty() {
            let _ = writeln!(out, "  no blueprint: items name no objectives");
            return;
        }
        let count = |id: &str, practice: bool| {
            self.questions
                .iter()
                .filter(|q| q.certification_code == c.code && q.practice == practice)
                .filter(|q| q.objective.as_deref() == Some(id))
                .count()
        };
        let uncovered: Vec<&str> = objectives
            .iter()
            .filter(|o| count(&o.id, false) == 0)
            .map(|o| o.id.as_str())
            .collect();
        let _ = writeln!(
            out,
            "  blueprint: {} objectives, {} covered by live items{}",
            objectives.len(),
            objectives.len() - uncovered.len(),
            if uncovered.is_empty() {
                String::new()
            } else {
                format!("; warning: not covered: {}", uncovered.join(", "))
            }
        );
        for o in objectives {
            let _ = writeln!(
                out,
                "    {:<8} live {:>3}, practice {:>2}  {}",
                o.id,
                count(&o.id, false),
                count(&o.id, true),
                o.statement
            );
        }
    }

    fn reviews(&self, out: &mut String, today: NaiveDate) {
        let mut due: Vec<_> = self
            .questions
            .iter()
            .filter_map(|q| q.review_by.filter(|d| *d < today).map(|d| (d, &q.id)))
            .collect();
        due.sort();
        let undated = self
            .questions
            .iter()
            .filter(|q| q.review_by.is_none())
            .count();
        let _ = writeln!(
            out,
            "review: {} items past their review_by date, {undated} without one",
            due.len()
        );
        for (date, id) in due {
            let _ = writeln!(out, "  {id} was due for review on {date}");
        }
    }
}
