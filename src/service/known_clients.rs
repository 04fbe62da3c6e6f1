//! The clients (address and user agent) this instance has seen an attempt's saves come
//! from, so that the next save from the same client skips asking the database.
//!
//! Only a save from a client new to its attempt can raise `client_changed`; a client once
//! recorded stays recorded, so the set never needs invalidating, and a client missing
//! from it (another instance saw it, or the set was emptied) only costs that one query.
//! It holds keyed 64-bit hashes, emptied when they pass a bound, so that memory stays
//! small however many attempts run: two clients colliding in a hash (about one chance in
//! 10^9 at the bound) would cost one flag check.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

const MAX_ENTRIES: usize = 200_000;

#[derive(Default)]
pub struct KnownClients {
    keys: RandomState,
    seen: Mutex<HashSet<u64>>,
}

/// One (attempt, address, user agent) triple, hashed.
#[derive(Clone, Copy)]
pub struct ClientKey(u64);

impl KnownClients {
    pub fn key(&self, attempt_id: &str, addr: &str, user_agent: &str) -> ClientKey {
        ClientKey(self.keys.hash_one((attempt_id, addr, user_agent)))
    }

    pub fn contains(&self, key: ClientKey) -> bool {
        self.seen.lock().is_ok_and(|seen| seen.contains(&key.0))
    }

    /// Records a client whose save has committed.
    pub fn insert(&self, key: ClientKey) {
        if let Ok(mut seen) = self.seen.lock() {
            if seen.len() >= MAX_ENTRIES {
                seen.clear();
            }
            seen.insert(key.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_known_once_inserted_and_only_for_its_attempt() {
        let known = KnownClients::default();
        let key = known.key("attempt-1", "10.0.0.1", "Firefox");
        assert!(!known.contains(key));
        known.insert(key);
        assert!(known.contains(known.key("attempt-1", "10.0.0.1", "Firefox")));
        assert!(!known.contains(known.key("attempt-2", "10.0.0.1", "Firefox")));
        assert!(!known.contains(known.key("attempt-1", "10.0.0.2", "Firefox")));
        assert!(!known.contains(known.key("attempt-1", "10.0.0.1", "Chrome")));
    }
}
