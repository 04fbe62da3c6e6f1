//! `multiple`: any subset may be chosen; only the exact set of keys scores.

use super::{indices_problems, KindRules};

pub struct Multiple;

impl KindRules for Multiple {
    fn validate(&self, options: &[String], correct: &[usize]) -> Vec<String> {
        let mut problems = indices_problems(options, correct);
        if options.len() < 2 {
            problems.push("a multiple-choice question needs at least 2 options".into());
        }
        if correct.is_empty() {
            problems.push("a multiple-choice question needs at least one correct option".into());
        }
        problems
    }
}
