//! `true_false`: the options are exactly True and False, always in that order.

use super::{indices_problems, KindRules};

pub struct TrueFalse;

impl KindRules for TrueFalse {
    fn validate(&self, options: &[String], correct: &[usize]) -> Vec<String> {
        let mut problems = indices_problems(options, correct);
        if options != ["True", "False"] {
            problems
                .push(r#"a true_false question's options are exactly ["True", "False"]"#.into());
        }
        if correct.len() != 1 {
            problems.push(format!(
                "a true_false question has exactly one correct option, not {}",
                correct.len()
            ));
        }
        problems
    }

    fn shuffles_options(&self) -> bool {
        // True before False, always: a shuffled pair only confuses.
        false
    }

    fn accepts(&self, _option_count: usize, selected: &[usize]) -> Result<(), String> {
        if selected.len() > 1 {
            return Err("choose True or False".into());
        }
        Ok(())
    }

    fn is_right(&self, correct: &[usize], selected: &[usize]) -> bool {
        selected == correct
    }
}
