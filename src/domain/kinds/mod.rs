//! Item kinds. What a kind means — which keys are valid, how its options are shown, how an
//! answer scores — lives in one module per kind, so that a new kind (a lab task graded by
//! declarative checks, an item imported from QTI) is one new module and one enum arm.

mod lab;
mod multiple;
mod ordering;
mod single;
mod true_false;

use serde::{Deserialize, Serialize};

/// The rules one kind of item follows.
pub trait KindRules: Sync {
    /// Problems with a question's options and key, as sentences (empty when valid).
    fn validate(&self, options: &[String], correct: &[usize]) -> Vec<String>;

    /// Whether the candidate sees the options in a random order.
    fn shuffles_options(&self) -> bool {
        true
    }

    /// Whether answers are an artifact (`{"artifact": …}`) rather than a selection.
    fn answered_with_artifact(&self) -> bool {
        false
    }

    /// Whether `selected` (original indices, each in range and listed once) is an answer
    /// of this kind's shape; `Err` says why not.
    fn accepts(&self, option_count: usize, selected: &[usize]) -> Result<(), String>;

    /// Whether the answer earns the question's points: all or nothing.
    fn is_right(&self, correct: &[usize], selected: &[usize]) -> bool;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
    Ordering,
    Lab,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 5] = [
        QuestionKind::Single,
        QuestionKind::Multiple,
        QuestionKind::TrueFalse,
        QuestionKind::Ordering,
        QuestionKind::Lab,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "true_false",
            QuestionKind::Ordering => "ordering",
            QuestionKind::Lab => "lab",
        }
    }

    pub fn parse(raw: &str) -> Option<QuestionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn rules(self) -> &'static dyn KindRules {
        match self {
            QuestionKind::Single => &single::Single,
            QuestionKind::Multiple => &multiple::Multiple,
            QuestionKind::TrueFalse => &true_false::TrueFalse,
            QuestionKind::Ordering => &ordering::Ordering,
            QuestionKind::Lab => &lab::Lab,
        }
    }
}

/// Rules every kind shares: indices in range and listed once.
fn indices_problems(options: &[String], correct: &[usize]) -> Vec<String> {
    let mut problems = Vec::new();
    for &i in correct {
        if i >= options.len() {
            problems.push(format!(
                "correct index {i} is out of range (the question has {} options)",
                options.len()
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for &i in correct {
        if !seen.insert(i) {
            problems.push(format!("correct index {i} is listed twice"));
        }
    }
    problems
}

/// Same options chosen, in any order.
fn same_set(a: &[usize], b: &[usize]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("option {i}")).collect()
    }

    #[test]
    fn single_and_true_false_score_only_the_key() {
        for kind in [QuestionKind::Single, QuestionKind::TrueFalse] {
            let r = kind.rules();
            assert!(r.is_right(&[1], &[1]));
            assert!(!r.is_right(&[1], &[0]));
            assert!(!r.is_right(&[1], &[]));
            assert!(r.accepts(2, &[1]).is_ok());
            assert!(r.accepts(2, &[]).is_ok());
            assert!(r.accepts(2, &[0, 1]).is_err());
        }
        assert!(!QuestionKind::TrueFalse.rules().shuffles_options());
        assert!(QuestionKind::Single.rules().shuffles_options());
    }

    #[test]
    fn multiple_scores_only_the_exact_set() {
        let r = QuestionKind::Multiple.rules();
        assert!(r.is_right(&[0, 2], &[2, 0]));
        assert!(!r.is_right(&[0, 2], &[0]));
        assert!(!r.is_right(&[0, 2], &[0, 1, 2]));
        assert!(r.accepts(4, &[0, 1, 2, 3]).is_ok());
        assert!(r.accepts(4, &[]).is_ok());
    }

    #[test]
    fn ordering_scores_only_the_exact_order_and_needs_every_option() {
        let r = QuestionKind::Ordering.rules();
        assert!(r.is_right(&[2, 0, 1], &[2, 0, 1]));
        assert!(!r.is_right(&[2, 0, 1], &[2, 1, 0]));
        assert!(r.accepts(3, &[1, 2, 0]).is_ok());
        assert!(r.accepts(3, &[1, 2]).is_err());
    }

    #[test]
    fn a_lab_takes_an_artifact_and_no_options() {
        let r = QuestionKind::Lab.rules();
        assert!(r.answered_with_artifact());
        assert!(!QuestionKind::Single.rules().answered_with_artifact());
        assert!(r.validate(&[], &[]).is_empty());
        assert!(!r.validate(&opts(2), &[]).is_empty());
        assert!(!r.validate(&[], &[0]).is_empty());
        assert!(r.accepts(0, &[]).is_err());
        assert!(!r.is_right(&[], &[]));
    }

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for k in QuestionKind::ALL {
            assert_eq!(QuestionKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(QuestionKind::parse("essay"), None);
    }

    #[test]
    fn single_needs_exactly_one_key() {
        let r = QuestionKind::Single.rules();
        assert!(r.validate(&opts(4), &[2]).is_empty());
        assert!(!r.validate(&opts(4), &[0, 1]).is_empty());
        assert!(!r.validate(&opts(4), &[]).is_empty());
        assert!(!r.validate(&opts(4), &[4]).is_empty());
        assert!(!r.validate(&opts(1), &[0]).is_empty());
    }

    #[test]
    fn multiple_needs_two_options_and_a_key() {
        let r = QuestionKind::Multiple.rules();
        assert!(r.validate(&opts(4), &[0, 3]).is_empty());
        assert!(r.validate(&opts(4), &[1]).is_empty());
        assert!(!r.validate(&opts(4), &[]).is_empty());
        assert!(!r.validate(&opts(1), &[0]).is_empty());
        assert!(!r.validate(&opts(4), &[1, 1]).is_empty());
    }

    #[test]
    fn true_false_has_exactly_true_and_false() {
        let r = QuestionKind::TrueFalse.rules();
        let tf = vec!["True".to_string(), "False".to_string()];
        assert!(r.validate(&tf, &[1]).is_empty());
        assert!(!r.validate(&tf, &[0, 1]).is_empty());
        assert!(!r
            .validate(&["Yes".to_string(), "No".to_string()], &[0])
            .is_empty());
        assert!(!r
            .validate(&["False".to_string(), "True".to_string()], &[0])
            .is_empty());
    }

    #[test]
    fn two_options_are_enough_for_every_kind() {
        for (kind, key) in [
            (QuestionKind::Single, vec![1]),
            (QuestionKind::Multiple, vec![0, 1]),
            (QuestionKind::Ordering, vec![1, 0]),
        ] {
            let problems = kind.rules().validate(&opts(2), &key);
            assert!(problems.is_empty(), "{kind:?}: {problems:?}");
        }
    }

    #[test]
    fn ordering_lists_every_index_once() {
        let r = QuestionKind::Ordering.rules();
        assert!(r.validate(&opts(4), &[2, 0, 3, 1]).is_empty());
        assert!(!r.validate(&opts(4), &[2, 0, 3]).is_empty());
        assert!(!r.validate(&opts(4), &[2, 0, 3, 3]).is_empty());
        assert!(!r.validate(&opts(4), &[2, 0, 3, 4]).is_empty());
        assert!(!r.validate(&opts(1), &[0]).is_empty());
    }
}
