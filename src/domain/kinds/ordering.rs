//! `ordering`: every option placed in order; only the exact order scores.

use super::{indices_problems, KindRules};

pub struct Ordering;

impl KindRules for Ordering {
    fn validate(&self, options: &[String], correct: &[usize]) -> Vec<String> {
        let mut problems = indices_problems(options, correct);
        if options.len() < 2 {
            problems.push("an ordering question needs at least 2 options".into());
        }
        if correct.len() != options.len() {
            problems.push(format!(
                "an ordering question's correct order lists every option once ({} options, {} listed)",
                options.len(),
                correct.len()
            ));
        }
        problems
    }
}
