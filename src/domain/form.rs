//! Drawing a candidate's form: which questions, in which order, with which options shown
//! in which order under which opaque ids. Everything comes from one stored seed, so that
//! the same form can be drawn again for an audit.

use super::kinds::QuestionKind;
use rand::seq::{index, SliceRandom};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

pub type Seed = [u8; 32];

/// A fresh seed from the operating system's CSPRNG.
pub fn new_seed() -> Seed {
    use rand::TryRngCore;
    let mut seed = [0u8; 32];
    // The OS generator failing is not something a request can recover from.
    rand::rngs::OsRng
        .try_fill_bytes(&mut seed)
        .unwrap_or_else(|_| rand::rng().fill_bytes(&mut seed));
    seed
}

/// A question that may be drawn: the current version of one item in a pool.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolItem {
    pub question_id: String,
    pub version: i32,
    pub domain: String,
    /// Its enemy group: no form holds two items of one group.
    pub group: Option<String>,
    pub kind: QuestionKind,
    pub option_count: usize,
}

/// A question as placed on one candidate's form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnItem {
    pub question_id: String,
    pub version: i32,
    pub domain: String,
    /// 1-based place on the form.
    pub position: usize,
    /// The id the candidate sees for this question; says nothing about the bank.
    pub public_id: String,
    /// `option_order[i]` is the original index of the option shown i-th.
    pub option_order: Vec<usize>,
    /// The opaque id of the option shown i-th.
    pub option_ids: Vec<String>,
}

/// Draws `count` questions per domain uniformly without replacement, shuffles the whole
/// form and each question's options. Where a domain has enemy groups, the draw is uniform
/// over the selections that hold at most one item of each group (rejection sampling);
/// without groups it is the plain uniform draw, seed for seed. Errors when a pool is
/// smaller than its draw, or its groups leave too few items to fill it.
pub fn draw(
    seed: &Seed,
    domains: &[(String, usize)],
    pool: &[PoolItem],
) -> Result<Vec<DrawnItem>, String> {
    let mut rng = ChaCha20Rng::from_seed(*seed);
    let mut chosen: Vec<&PoolItem> = Vec::new();
    for (domain, count) in domains {
        // Sorted so that the same seed over the same pool always draws the same form.
        let mut candidates: Vec<&PoolItem> = pool.iter().filter(|p| &p.domain == domain).collect();
        candidates.sort_by(|a, b| a.question_id.cmp(&b.question_id));
        if candidates.len() < *count {
            return Err(format!(
                "the pool of {domain:?} holds {} questions, fewer than the {count} drawn",
                candidates.len()
            ));
        }
        chosen.extend(sample_apart(&mut rng, &candidates, *count)?);
    }
    chosen.shuffle(&mut rng);
    let mut ids = IdMaker::default();
    Ok(chosen
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let mut option_order: Vec<usize> = (0..item.option_count).collect();
            if item.kind.rules().shuffles_options() {
                option_order.shuffle(&mut rng);
            }
            DrawnItem {
                question_id: item.question_id.clone(),
                version: item.version,
                domain: item.domain.clone(),
                position: i + 1,
                public_id: ids.make(&mut rng, "q"),
                option_ids: option_order
                    .iter()
                    .map(|_| ids.make(&mut rng, "o"))
                    .collect(),
                option_order,
            }
        })
        .collect())
}

/// Rejection sampling gives up after this many draws that put two items of one group
/// together, and says the domain's groups leave too little choice.
const MAX_REJECTIONS: usize = 100_000;

/// `count` items of `candidates`, uniformly among the selections with at most one item
/// per enemy group.
fn sample_apart<'a>(
    rng: &mut ChaCha20Rng,
    candidates: &[&'a PoolItem],
    count: usize,
) -> Result<Vec<&'a PoolItem>, String> {
    let grouped = candidates.iter().any(|c| c.group.is_some());
    for _ in 0..MAX_REJECTIONS {
        let picked: Vec<&PoolItem> = index::sample(rng, candidates.len(), count)
            .into_iter()
            .map(|i| candidates[i])
            .collect();
        let mut seen = std::collections::HashSet::new();
        if !grouped
            || picked
                .iter()
                .filter_map(|p| p.group.as_deref())
                .all(|g| seen.insert(g))
        {
            return Ok(picked);
        }
    }
    Err(format!(
        "no selection of {count} keeps the enemy groups of {:?} apart",
        candidates
            .first()
            .map(|c| c.domain.as_str())
            .unwrap_or_default()
    ))
}

/// Random ids, unique within one form.
#[derive(Default)]
struct IdMaker(std::collections::HashSet<String>);

impl IdMaker {
    fn make(&mut self, rng: &mut ChaCha20Rng, prefix: &str) -> String {
        loop {
            let id = format!("{prefix}_{:016x}", rng.next_u64());
            if self.0.insert(id.clone()) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests;
