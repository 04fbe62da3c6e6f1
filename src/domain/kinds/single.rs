//! `single`: one right option among several.

use super::{indices_problems, KindRules};

pub struct Single;

impl KindRules for Single {
    fn validate(&self, options: &[String], correct: &[usize]) -> Vec<String> {
        let mut problems = indices_problems(options, correct);
        if options.len() < 2 {
            problems.push("a single-choice question needs at least 2 options".into());
        }
        if correct.len() != 1 {
            problems.push(format!(
                "a single-choice question has exactly one correct option, not {}",
                correct.len()
            ));
        }
        problems
    }

    fn accepts(&self, _option_count: usize, selected: &[usize]) -> Result<(), String> {
        if selected.len() > 1 {
            return Err("choose one option".into());
        }
        Ok(())
    }

    fn is_right(&self, correct: &[usize], selected: &[usize]) -> bool {
        selected == correct
    }
}
