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
/// form and each question's options. Errors when a pool is smaller than its draw.
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
        chosen.extend(
            index::sample(&mut rng, candidates.len(), *count)
                .into_iter()
                .map(|i| candidates[i]),
        );
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn pool(domain: &str, n: usize, kind: QuestionKind) -> Vec<PoolItem> {
        (0..n)
            .map(|i| PoolItem {
                question_id: format!("{domain}-{i:03}"),
                version: 1,
                domain: domain.into(),
                kind,
                option_count: if kind == QuestionKind::TrueFalse {
                    2
                } else {
                    4
                },
            })
            .collect()
    }

    fn seeds(n: usize) -> impl Iterator<Item = Seed> {
        let mut master = ChaCha20Rng::seed_from_u64(20261126);
        (0..n).map(move |_| {
            let mut s = [0u8; 32];
            master.fill_bytes(&mut s);
            s
        })
    }

    #[test]
    fn a_form_draws_each_domains_count_without_repeats() {
        let mut p = pool("A", 18, QuestionKind::Single);
        p.extend(pool("B", 16, QuestionKind::Multiple));
        let domains = vec![("A".to_string(), 8), ("B".to_string(), 7)];
        let form = draw(&[1; 32], &domains, &p).unwrap();
        assert_eq!(form.len(), 15);
        assert_eq!(form.iter().filter(|q| q.domain == "A").count(), 8);
        let unique: std::collections::HashSet<_> = form.iter().map(|q| &q.question_id).collect();
        assert_eq!(unique.len(), 15);
        assert_eq!(
            form.iter().map(|q| q.position).collect::<Vec<_>>(),
            (1..=15).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_same_seed_draws_the_same_form_and_another_seed_another() {
        let p = pool("A", 18, QuestionKind::Single);
        let domains = vec![("A".to_string(), 8)];
        let mut shuffled = p.clone();
        shuffled.reverse();
        assert_eq!(
            draw(&[7; 32], &domains, &p).unwrap(),
            draw(&[7; 32], &domains, &shuffled).unwrap()
        );
        assert_ne!(
            draw(&[7; 32], &domains, &p).unwrap(),
            draw(&[8; 32], &domains, &p).unwrap()
        );
    }

    #[test]
    fn a_pool_smaller_than_its_draw_is_an_error() {
        assert!(draw(
            &[0; 32],
            &[("A".to_string(), 5)],
            &pool("A", 4, QuestionKind::Single)
        )
        .is_err());
    }

    #[test]
    fn every_question_of_a_pool_is_drawn_about_equally_often() {
        // Chi-square goodness of fit: 18 questions, 8 drawn per form, 6000 forms.
        let p = pool("A", 18, QuestionKind::Single);
        let domains = vec![("A".to_string(), 8)];
        let forms = 6000;
        let mut counts: HashMap<String, f64> = HashMap::new();
        for seed in seeds(forms) {
            for q in draw(&seed, &domains, &p).unwrap() {
                *counts.entry(q.question_id).or_default() += 1.0;
            }
        }
        assert_eq!(counts.len(), 18, "every question is drawn at some point");
        let expected = forms as f64 * 8.0 / 18.0;
        let chi2: f64 = counts
            .values()
            .map(|o| (o - expected).powi(2) / expected)
            .sum();
        // Critical value of chi-square with 17 degrees of freedom at p = 0.001.
        assert!(
            chi2 < 40.79,
            "chi-square {chi2:.2} says the draw is not uniform"
        );
    }

    #[test]
    fn every_option_reaches_every_position_and_true_false_keeps_its_order() {
        let p = pool("A", 4, QuestionKind::Single);
        let mut reached = [[false; 4]; 4];
        for seed in seeds(400) {
            for q in draw(&seed, &[("A".to_string(), 4)], &p).unwrap() {
                for (shown, &original) in q.option_order.iter().enumerate() {
                    reached[original][shown] = true;
                }
            }
        }
        assert!(
            reached.iter().all(|row| row.iter().all(|&r| r)),
            "{reached:?}"
        );
        for seed in seeds(50) {
            for q in draw(
                &seed,
                &[("A".to_string(), 3)],
                &pool("A", 3, QuestionKind::TrueFalse),
            )
            .unwrap()
            {
                assert_eq!(q.option_order, vec![0, 1]);
            }
        }
    }

    #[test]
    fn option_ids_are_opaque_and_unique_per_form() {
        let form = draw(
            &[3; 32],
            &[("A".to_string(), 8)],
            &pool("A", 18, QuestionKind::Single),
        )
        .unwrap();
        let mut all = std::collections::HashSet::new();
        for q in &form {
            assert!(
                !q.public_id.contains("A-0"),
                "the public id names the bank item"
            );
            for id in &q.option_ids {
                assert!(id.starts_with("o_") && id.len() == 18);
                assert!(all.insert(id.clone()));
            }
        }
        let other = draw(
            &[4; 32],
            &[("A".to_string(), 8)],
            &pool("A", 18, QuestionKind::Single),
        )
        .unwrap();
        assert!(other
            .iter()
            .flat_map(|q| &q.option_ids)
            .all(|id| !all.contains(id)));
    }
}
