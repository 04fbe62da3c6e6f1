//! `lab`: a practical task answered with an artifact, graded by the bank's checks
//! (`domain::labs`); it has no options and no key.

use super::KindRules;

pub struct Lab;

impl KindRules for Lab {
    fn validate(&self, options: &[String], correct: &[usize]) -> Vec<String> {
        let mut problems = Vec::new();
        if !options.is_empty() || !correct.is_empty() {
            problems.push("a lab has no options and no correct key: its checks grade it".into());
        }
        problems
    }

    fn shuffles_options(&self) -> bool {
        false
    }

    fn answered_with_artifact(&self) -> bool {
        true
    }

    fn accepts(&self, _option_count: usize, _selected: &[usize]) -> Result<(), String> {
        Err("a lab is answered with {\"artifact\": \"<text>\"}, not a selection".into())
    }

    fn is_right(&self, _correct: &[usize], _selected: &[usize]) -> bool {
        false
    }
}
