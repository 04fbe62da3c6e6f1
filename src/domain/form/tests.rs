use super::*;
use std::collections::HashMap;

fn pool(domain: &str, n: usize, kind: QuestionKind) -> Vec<PoolItem> {
    (0..n)
        .map(|i| PoolItem {
            question_id: format!("{domain}-{i:03}"),
            version: 1,
            domain: domain.into(),
            group: None,
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
fn fresh_seeds_are_random() {
    let seeds: std::collections::HashSet<Seed> = (0..64).map(|_| new_seed()).collect();
    assert_eq!(seeds.len(), 64);
    assert!(!seeds.contains(&[0; 32]));
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

/// Pearson's chi-square statistic of observed counts against one expected count each.
fn chi_square<'a>(observed: impl IntoIterator<Item = &'a f64>, expected: f64) -> f64 {
    observed
        .into_iter()
        .map(|o| (o - expected).powi(2) / expected)
        .sum()
}

/// Counts of every key the draws produce, with the keys that never occur at zero.
fn tally<K: std::hash::Hash + Eq>(
    all: impl IntoIterator<Item = K>,
    seen: impl IntoIterator<Item = K>,
) -> HashMap<K, f64> {
    let mut counts: HashMap<K, f64> = all.into_iter().map(|k| (k, 0.0)).collect();
    for k in seen {
        *counts.get_mut(&k).expect("a key the test expects") += 1.0;
    }
    counts
}

// The seeds are fixed, so each test gives the same statistic on every run; the critical
// values (p = 0.001) are from the chi-square table (NIST/SEMATECH e-Handbook, 1.3.6.7.4),
// or its Wilson-Hilferty approximation above 100 degrees of freedom.

#[test]
fn every_question_of_a_pool_is_drawn_about_equally_often() {
    // 18 questions, 8 drawn per form, 6000 forms: 17 degrees of freedom.
    let p = pool("A", 18, QuestionKind::Single);
    let domains = vec![("A".to_string(), 8)];
    let forms = 6000;
    let counts = tally(
        p.iter().map(|q| q.question_id.clone()),
        seeds(forms).flat_map(|seed| {
            draw(&seed, &domains, &p)
                .unwrap()
                .into_iter()
                .map(|q| q.question_id)
        }),
    );
    let chi2 = chi_square(counts.values(), forms as f64 * 8.0 / 18.0);
    assert!(
        chi2 < 40.79,
        "chi-square {chi2:.2}: the draw is not uniform"
    );
}

#[test]
fn enemies_never_share_a_form_and_the_draw_stays_uniform_otherwise() {
    // 18 questions, 8 per form; 0–2 are one group, 3–4 another.
    let mut p = pool("A", 18, QuestionKind::Single);
    for (i, group) in [(0, "g1"), (1, "g1"), (2, "g1"), (3, "g2"), (4, "g2")] {
        p[i].group = Some(group.into());
    }
    let domains = vec![("A".to_string(), 8)];
    let forms = 6000;
    let mut drawn = Vec::new();
    for seed in seeds(forms) {
        let form = draw(&seed, &domains, &p).unwrap();
        for g in ["g1", "g2"] {
            let together = form
                .iter()
                .filter(|d| {
                    p.iter()
                        .any(|q| q.question_id == d.question_id && q.group.as_deref() == Some(g))
                })
                .count();
            assert!(together <= 1, "two items of {g} on one form");
        }
        drawn.extend(form.into_iter().map(|d| d.question_id));
    }
    let counts = tally(p.iter().map(|q| q.question_id.clone()), drawn);
    let share = |ids: &[usize]| -> (Vec<f64>, f64) {
        let c: Vec<f64> = ids.iter().map(|i| counts[&p[*i].question_id]).collect();
        let mean = c.iter().sum::<f64>() / c.len() as f64;
        (c, mean)
    };
    // The 13 ungrouped items alike (12 degrees of freedom), and each group's members
    // alike among themselves (2 and 1).
    let (free, mean) = share(&(5..18).collect::<Vec<_>>());
    let chi2 = chi_square(free.iter(), mean);
    assert!(
        chi2 < 32.91,
        "chi-square {chi2:.2}: ungrouped items are not uniform"
    );
    let (g1, mean1) = share(&[0, 1, 2]);
    assert!(
        chi_square(g1.iter(), mean1) < 13.82,
        "g1's members are not alike"
    );
    let (g2, mean2) = share(&[3, 4]);
    assert!(
        chi_square(g2.iter(), mean2) < 10.83,
        "g2's members are not alike"
    );
    // A group fills one place: it is drawn less often than a free item.
    assert!(
        mean1 < mean,
        "a group is not drawn as often as three free items"
    );
}

#[test]
fn groups_that_leave_too_few_items_for_the_draw_are_an_error() {
    let mut p = pool("A", 4, QuestionKind::Single);
    for q in &mut p[..3] {
        q.group = Some("same".into());
    }
    let err = draw(&[1; 32], &[("A".to_string(), 3)], &p).unwrap_err();
    assert!(err.contains("enemy groups"), "{err}");
    assert_eq!(
        draw(&[1; 32], &[("A".to_string(), 2)], &p).unwrap().len(),
        2
    );
}

#[test]
fn every_pair_of_questions_shares_a_form_about_equally_often() {
    // A draw of 8 neighbours from a random start passes the test above but never puts
    // two distant questions together. Uniform sampling puts each of the 153 pairs of
    // 18 questions on a form with probability (8 * 7) / (18 * 17).
    let p = pool("A", 18, QuestionKind::Single);
    let domains = vec![("A".to_string(), 8)];
    let forms = 6000;
    let ids: Vec<String> = p.iter().map(|q| q.question_id.clone()).collect();
    let all_pairs = ids
        .iter()
        .enumerate()
        .flat_map(|(i, a)| ids[i + 1..].iter().map(move |b| (a.clone(), b.clone())));
    let drawn_pairs = seeds(forms).flat_map(|seed| {
        let mut drawn: Vec<String> = draw(&seed, &domains, &p)
            .unwrap()
            .into_iter()
            .map(|q| q.question_id)
            .collect();
        drawn.sort();
        let mut pairs = Vec::new();
        for (i, a) in drawn.iter().enumerate() {
            for b in &drawn[i + 1..] {
                pairs.push((a.clone(), b.clone()));
            }
        }
        pairs
    });
    let counts = tally(all_pairs, drawn_pairs);
    assert_eq!(counts.len(), 153);
    let chi2 = chi_square(counts.values(), forms as f64 * 56.0 / 306.0);
    // 152 degrees of freedom. Pair counts are not independent cells, which makes the
    // statistic smaller than chi-square's, never larger: the bound stays conservative.
    assert!(
        chi2 < 211.7,
        "chi-square {chi2:.2}: some pairs are drawn together too rarely or too often"
    );
}

#[test]
fn every_question_takes_every_position_about_equally_often() {
    // Two domains, so that a form left in domain order (its questions unshuffled) puts
    // the first domain's questions only at the first positions.
    let mut p = pool("A", 9, QuestionKind::Single);
    p.extend(pool("B", 9, QuestionKind::Single));
    let domains = vec![("A".to_string(), 4), ("B".to_string(), 4)];
    let forms = 6000;
    let cells = p
        .iter()
        .flat_map(|q| (1..=8).map(move |pos| (q.question_id.clone(), pos)));
    let placed = seeds(forms).flat_map(|seed| {
        draw(&seed, &domains, &p)
            .unwrap()
            .into_iter()
            .map(|q| (q.question_id, q.position))
    });
    let counts = tally(cells, placed);
    // Each question is drawn with probability 4/9 and then lands on each of 8 places
    // alike: 144 cells, at most 143 degrees of freedom.
    let chi2 = chi_square(counts.values(), forms as f64 * 4.0 / 9.0 / 8.0);
    assert!(
        chi2 < 201.0,
        "chi-square {chi2:.2}: positions are not uniform"
    );
}

#[test]
fn every_order_of_the_options_is_shown_about_equally_often() {
    // Each option reaching each place is not enough: a rotation does that. All 24
    // orders of four options must come up alike (23 degrees of freedom).
    let p = pool("A", 4, QuestionKind::Single);
    let orders = {
        let mut all = Vec::new();
        for a in 0..4 {
            for b in 0..4 {
                for c in 0..4 {
                    for d in 0..4 {
                        let order = vec![a, b, c, d];
                        let mut sorted = order.clone();
                        sorted.sort();
                        if sorted == [0, 1, 2, 3] {
                            all.push(order);
                        }
                    }
                }
            }
        }
        all
    };
    assert_eq!(orders.len(), 24);
    let forms = 3000;
    let shown = seeds(forms).flat_map(|seed| {
        draw(&seed, &[("A".to_string(), 4)], &p)
            .unwrap()
            .into_iter()
            .map(|q| q.option_order)
    });
    let counts = tally(orders, shown);
    let chi2 = chi_square(counts.values(), forms as f64 * 4.0 / 24.0);
    assert!(
        chi2 < 49.73,
        "chi-square {chi2:.2}: option orders are not uniform"
    );
}

#[test]
fn true_false_keeps_its_order() {
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
