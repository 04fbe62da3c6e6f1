//! The CEL environment every check runs in: the standard library, built once per process,
//! with `matches` compiling each pattern once per process instead of on every call.
//!
//! cel's own `matches` (its `regex` feature, left off) compiles the pattern each time it is
//! called, so `lines.all(l, l.matches(p))` over a 200-line Dockerfile compiled `p` 200
//! times, and that compilation was nearly all of a grading. The semantics are the
//! specification's (`matches(string, string) -> bool`, RE2 syntax, unanchored, as the
//! `regex` crate reads it) and the error is cel's own, so a check grades exactly as before.

use cel::common::types::{CelBool, CelString};
use cel::{Env, ExecutionError};
use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Patterns the process keeps compiled (one cache for every thread: gradings run on the
/// blocking pool, whose threads come and go, so a per-thread cache kept recompiling). The
/// bank's checks hold a few dozen; the bound only keeps a pattern built from artifact text
/// (`x.matches(doc.y)`) from growing the cache without end.
const KEPT_PATTERNS: usize = 512;

/// The standard environment with the cached `matches`, shared by every grading.
pub fn shared() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| Arc::new(build())).clone()
}

fn build() -> Env {
    let mut env = Env::stdlib();
    // Both spellings the specification declares: `matches(s, re)` and `s.matches(re)`.
    // They cannot collide: without the `regex` feature the standard library has no
    // `matches`, and a test below fails if a later cel adds one.
    let global = cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>,
        id = "matches");
    let member =
        cel::add_member_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>);
    if let Err(e) = global.and(member) {
        // Unreachable unless cel itself changes; the environment still grades, with its own.
        tracing::error!(error = ?e, "the cached matches was not registered");
    }
    env
}

fn matches(this: &CelString<'_>, re: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    static COMPILED: OnceLock<Mutex<HashMap<String, Regex>>> = OnceLock::new();
    let cache = COMPILED.get_or_init(Default::default);
    let pattern = re.inner();
    // A Regex clone shares the compiled program; the lock is held for lookups only.
    let cached = cache.lock().ok().and_then(|c| c.get(pattern).cloned());
    let compiled = match cached {
        Some(compiled) => compiled,
        None => {
            let compiled = Regex::new(pattern).map_err(|err| ExecutionError::FunctionError {
                function: "matches".to_string(),
                message: format!("'{pattern}' not a valid regex:\n{err}"),
            })?;
            if let Ok(mut c) = cache.lock() {
                if c.len() >= KEPT_PATTERNS {
                    c.clear();
                }
                c.insert(pattern.to_string(), compiled.clone());
            }
            compiled
        }
    };
    Ok(CelBool::from(compiled.is_match(this.inner())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cel::{Context, Program, Value};

    fn run(expr: &str) -> Result<Value, ExecutionError> {
        let program = Program::compile(expr).expect("compiles");
        program.execute(&Context::with_env(shared()))
    }

    #[test]
    fn both_spellings_match_unanchored_as_re2() {
        assert_eq!(run("'foobar'.matches('^[a-z]*$')"), Ok(Value::Bool(true)));
        assert_eq!(run("matches('foo1', '^[a-z]*$')"), Ok(Value::Bool(false)));
        assert_eq!(
            run("'xx-ubuntu-22.04'.matches('ubuntu-[0-9]{2}')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(run("'ABC'.matches('(?i)^abc$')"), Ok(Value::Bool(true)));
    }

    #[test]
    fn a_pattern_compiled_once_answers_every_subject() {
        // The same pattern over many subjects: the cache must not answer one subject's
        // result for another.
        assert_eq!(
            run("['a1', 'b', 'c3'].filter(s, s.matches('[0-9]$'))"),
            Ok(Value::List(Arc::new(vec![
                Value::from("a1"),
                Value::from("c3")
            ])))
        );
        assert_eq!(
            run("['a1', 'b'].all(s, s.matches('[0-9]$'))"),
            Ok(Value::Bool(false))
        );
    }

    #[test]
    fn an_invalid_pattern_is_the_checks_error_every_time() {
        for _ in 0..2 {
            match run("'foobar'.matches('(foo')") {
                Err(ExecutionError::FunctionError { function, message }) => {
                    assert_eq!(function, "matches");
                    assert!(message.starts_with("'(foo' not a valid regex"), "{message}");
                }
                other => panic!("expected the regex error, got {other:?}"),
            }
        }
    }

    #[test]
    fn the_cache_is_bounded_and_stays_correct_past_its_bound() {
        for i in 0..(KEPT_PATTERNS + 10) {
            let expr = format!("'n{i}'.matches('^n{i}$') && !'n{i}x'.matches('^n{i}$')");
            assert_eq!(run(&expr), Ok(Value::Bool(true)), "{expr}");
        }
    }

    #[test]
    fn the_standard_library_declares_no_matches_of_its_own() {
        // If cel's regex feature were on (or a later cel declared `matches` without it),
        // registering ours would fail and grading would compile patterns per call again.
        let mut env = Env::stdlib();
        assert!(
            cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>,
                id = "matches")
            .is_ok()
        );
    }
}
