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

    fn accepts(&self, option_count: usize, selected: &[usize]) -> Result<(), String> {
        if selected.len() != option_count {
            return Err(format!(
                "an ordering answer places all {option_count} options"
            ));
        }
        Ok(())
    }

    fn is_right(&self, correct: &[usize], selected: &[usize]) -> bool {
        selected == correct
    }
}
