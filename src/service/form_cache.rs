//! The questions of attempts' forms as drawn at their start: position, option ids in the
//! order shown, that order's map to the original, and kind. A drawn form never changes,
//! so a save can check its selection against this copy instead of asking the database.
//!
//! Bounded like `KnownClients`: emptied when it passes its bound, so memory stays small
//! however many attempts run; a form missing from it costs one read.

use crate::domain::kinds::QuestionKind;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const MAX_FORMS: usize = 50_000;

/// One question of a drawn form, as a save checks it.
pub struct FormQuestion {
    pub position: i32,
    pub option_ids: Vec<String>,
    /// For each option shown, its index in the question as written.
    pub option_order: Vec<usize>,
    pub kind: QuestionKind,
}

/// A drawn form: its questions by public id.
pub type Form = HashMap<String, FormQuestion>;

#[derive(Default)]
pub struct FormCache {
    forms: Mutex<HashMap<String, Arc<Form>>>,
}

impl FormCache {
    pub fn get(&self, attempt_id: &str) -> Option<Arc<Form>> {
        self.forms.lock().ok()?.get(attempt_id).cloned()
    }

    pub fn insert(&self, attempt_id: String, form: Form) -> Arc<Form> {
        let form = Arc::new(form);
        if let Ok(mut forms) = self.forms.lock() {
            if forms.len() >= MAX_FORMS {
                forms.clear();
            }
            forms.insert(attempt_id, form.clone());
        }
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_kept_per_attempt_until_the_bound_empties_the_cache() {
        let cache = FormCache::default();
        assert!(cache.get("a").is_none());
        cache.insert("a".into(), Form::new());
        assert!(cache.get("a").is_some());
        assert!(cache.get("b").is_none());
        for i in 0..MAX_FORMS {
            cache.insert(format!("x{i}"), Form::new());
        }
        assert!(cache.get("a").is_none(), "emptied at the bound");
    }
}
