//! What an instance keeps per attempt to spare the database a read: the questions of
//! attempts' forms as drawn at their start (position, option ids in the order shown, that
//! order's map to the original, kind, and a lab's compiled checks), and each attempt's
//! proctoring rule state as this instance last wrote or read it. A drawn form never
//! changes, so a save can check its answer against this copy; a rule state can change
//! elsewhere, so it is only ever used as the value the database must still hold.
//!
//! Bounded like `KnownClients`: emptied when it passes its bound, so memory stays small
//! however many attempts run; an entry missing from it costs one read.

use crate::domain::kinds::QuestionKind;
use crate::domain::labs::{CheckSet, Format};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const MAX_ENTRIES: usize = 50_000;

/// One question of a drawn form, as a save checks it.
pub struct FormQuestion {
    pub position: i32,
    pub option_ids: Vec<String>,
    /// For each option shown, its index in the question as written.
    pub option_order: Vec<usize>,
    pub kind: QuestionKind,
    /// A lab's artifact format and checks, as drawn; None for the other kinds.
    pub lab: Option<Arc<(Format, CheckSet)>>,
}

/// A drawn form: its questions by public id.
pub type Form = HashMap<String, FormQuestion>;

/// Drawn forms by attempt.
pub type FormCache = PerAttempt<Arc<Form>>;

/// Rule states (as stored JSON) by attempt.
pub type RuleStateCache = PerAttempt<Arc<str>>;

/// A bounded map from attempt id to `V`.
pub struct PerAttempt<V> {
    entries: Mutex<HashMap<String, V>>,
}

impl<V> Default for PerAttempt<V> {
    fn default() -> Self {
        PerAttempt {
            entries: Mutex::default(),
        }
    }
}

impl<V: Clone> PerAttempt<V> {
    pub fn get(&self, attempt_id: &str) -> Option<V> {
        self.entries.lock().ok()?.get(attempt_id).cloned()
    }

    pub fn insert(&self, attempt_id: String, value: V) -> V {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(attempt_id, value.clone());
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_kept_per_attempt_until_the_bound_empties_the_cache() {
        let cache = FormCache::default();
        assert!(cache.get("a").is_none());
        cache.insert("a".into(), Arc::new(Form::new()));
        assert!(cache.get("a").is_some());
        assert!(cache.get("b").is_none());
        for i in 0..MAX_ENTRIES {
            cache.insert(format!("x{i}"), Arc::new(Form::new()));
        }
        assert!(cache.get("a").is_none(), "emptied at the bound");
        let states = RuleStateCache::default();
        states.insert("a".into(), Arc::from("{}"));
        states.insert("a".into(), Arc::from("{\"n\":1}"));
        assert_eq!(states.get("a").as_deref(), Some("{\"n\":1}"), "replaced");
    }
}
