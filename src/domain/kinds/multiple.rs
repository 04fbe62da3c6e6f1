//! `multiple`: any subset may be chosen; only the exact set of keys scores.

use super::{indices_problems, same_set, KindRules};

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

    fn accepts(&self, _option_count: usize, _selected: &[usize]) -> Result<(), String> {
        Ok(())
    }

    fn is_right(&self, correct: &[usize], selected: &[usize]) -> bool {
        same_set(correct, selected)
    }
}
