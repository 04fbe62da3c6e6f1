//! Scoring and pass marks, in integers: a 70.0% at a 70% mark passes, always.

use super::catalog::Percent;

/// One question of a form as scored.
#[derive(Clone, Debug)]
pub struct ScoredItem {
    pub domain: String,
    pub points: i64,
    /// Points earned, 0..=points: all or nothing for a choice item, each passed check's
    /// points for a lab.
    pub awarded: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Score {
    pub points_awarded: i64,
    pub points_possible: i64,
    /// The score in tenths of a percent, rounded down, so that the one-decimal figure a
    /// candidate sees never reads as a pass when the exact score is below the mark.
    pub score: Percent,
    pub passed: bool,
    /// Per domain, in the order given.
    pub domains: Vec<(String, Percent)>,
}

/// `numerator / denominator` as a percentage in tenths, rounded down.
pub fn tenths_floor(numerator: i64, denominator: i64) -> Percent {
    if denominator <= 0 {
        return Percent::from_tenths(0);
    }
    Percent::from_tenths(numerator * 1000 / denominator)
}

/// Scores a form against `pass_mark`: passed iff awarded × 1000 ≥ mark (tenths) × possible.
pub fn score(items: &[ScoredItem], pass_mark: Percent, domain_order: &[String]) -> Score {
    let awarded: i64 = items.iter().map(|i| i.awarded.clamp(0, i.points)).sum();
    let possible: i64 = items.iter().map(|i| i.points).sum();
    let domains = domain_order
        .iter()
        .map(|d| {
            let mine = items.iter().filter(|i| &i.domain == d);
            let (got, of) = mine.fold((0, 0), |(g, o), i| {
                (g + i.awarded.clamp(0, i.points), o + i.points)
            });
            (d.clone(), tenths_floor(got, of))
        })
        .collect();
    Score {
        points_awarded: awarded,
        points_possible: possible,
        score: tenths_floor(awarded, possible),
        passed: possible > 0 && awarded * 1000 >= pass_mark.tenths() * possible,
        domains,
    }
}

/// The Angoff pass mark of one form: the points-weighted mean difficulty of its questions
/// × 100, to the nearest tenth, clamped into the band. Difficulties count to 1/1000.
pub fn angoff_mark(items: &[(i64, f64)], band: (Percent, Percent)) -> Percent {
    let weight: i64 = items.iter().map(|(p, _)| p).sum();
    if weight == 0 {
        return band.1;
    }
    let weighted: i64 = items
        .iter()
        .map(|(p, d)| p * (d * 1000.0).round() as i64)
        .sum();
    // Round half up: (2w + 2s) / (2w) without floats.
    let tenths = (2 * weighted + weight) / (2 * weight);
    Percent::from_tenths(tenths.clamp(band.0.tenths(), band.1.tenths()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(right: usize, total: usize) -> Vec<ScoredItem> {
        (0..total)
            .map(|i| ScoredItem {
                domain: "D".into(),
                points: 1,
                awarded: i64::from(i < right),
            })
            .collect()
    }

    fn pct(v: f64) -> Percent {
        Percent::parse(v).unwrap()
    }

    #[test]
    fn the_score_arithmetic_table() {
        // (right, of, mark, passes, shown)
        let table = [
            (7, 10, 70.0, true, 700),
            (6, 10, 70.0, false, 600),
            (71, 100, 72.0, false, 710),
            (72, 100, 72.0, true, 720),
            (21, 30, 70.0, true, 700),
            (20, 30, 70.0, false, 666),
            (30, 40, 75.0, true, 750),
            (29, 40, 72.0, true, 725),
            (28, 40, 72.0, false, 700),
            (0, 40, 70.0, false, 0),
            (40, 40, 75.0, true, 1000),
        ];
        for (right, of, mark, passes, shown) in table {
            let s = score(&items(right, of), pct(mark), &["D".to_string()]);
            assert_eq!(s.passed, passes, "{right}/{of} at {mark}");
            assert_eq!(s.score.tenths(), shown, "{right}/{of}");
            assert_eq!(
                (s.points_awarded, s.points_possible),
                (right as i64, of as i64)
            );
        }
    }

    #[test]
    fn a_form_with_no_points_passes_nobody() {
        let empty = score(&[], pct(70.0), &[]);
        assert_eq!((empty.passed, empty.score.tenths()), (false, 0));
        let zero_mark = score(&[], Percent::from_tenths(0), &[]);
        assert!(!zero_mark.passed);
    }

    #[test]
    fn a_score_just_under_the_mark_never_shows_as_the_mark() {
        // 699/1000 = 69.9%; 1399/2000 = 69.95% shows 69.9, not 70.0, and fails.
        let s = score(&items(1399, 2000), pct(70.0), &[]);
        assert!(!s.passed);
        assert_eq!(s.score.to_string(), "69.9");
    }

    #[test]
    fn points_weight_the_score_and_domains_break_it_down() {
        let form = vec![
            ScoredItem {
                domain: "A".into(),
                points: 3,
                awarded: 3,
            },
            ScoredItem {
                domain: "A".into(),
                points: 1,
                awarded: 0,
            },
            ScoredItem {
                domain: "B".into(),
                points: 2,
                awarded: 0,
            },
        ];
        let s = score(&form, pct(50.0), &["A".into(), "B".into()]);
        assert_eq!((s.points_awarded, s.points_possible), (3, 6));
        assert!(s.passed);
        assert_eq!(
            s.domains,
            vec![
                ("A".into(), Percent::from_tenths(750)),
                ("B".into(), Percent::from_tenths(0))
            ]
        );
    }

    #[test]
    fn partial_credit_counts_in_the_total_the_domain_and_the_exact_comparison() {
        let item = |domain: &str, points, awarded| ScoredItem {
            domain: domain.into(),
            points,
            awarded,
        };
        // 20 choice points, 14 right; a 10-point lab with 7: 21/30 = 70.0% passes at 70.
        let mut form: Vec<ScoredItem> = (0..20).map(|i| item("MC", 1, i64::from(i < 14))).collect();
        form.push(item("Practical", 10, 7));
        let s = score(&form, pct(70.0), &["MC".into(), "Practical".into()]);
        assert_eq!((s.points_awarded, s.points_possible), (21, 30));
        assert!(s.passed);
        assert_eq!(
            s.domains[1],
            ("Practical".into(), Percent::from_tenths(700))
        );
        // One check point fewer fails: 20/30 = 66.6%.
        form.last_mut().expect("the lab").awarded = 6;
        let s = score(&form, pct(70.0), &[]);
        assert!(!s.passed);
        assert_eq!(s.score.tenths(), 666);
        // A grade can never award more than the item is worth, nor less than nothing.
        let s = score(&[item("P", 10, 12), item("P", 5, -3)], pct(70.0), &[]);
        assert_eq!(s.points_awarded, 10);
    }

    #[test]
    fn angoff_takes_the_weighted_mean_difficulty_inside_the_band() {
        let band = (pct(70.0), pct(75.0));
        assert_eq!(angoff_mark(&[(1, 0.72), (1, 0.73)], band), pct(72.5));
        assert_eq!(angoff_mark(&[(3, 0.70), (1, 0.74)], band), pct(71.0));
        // 0.7234 → 72.3
        assert_eq!(angoff_mark(&[(1, 0.7234)], band), pct(72.3));
    }

    #[test]
    fn angoff_is_clamped_at_both_ends_of_the_band() {
        let band = (pct(70.0), pct(75.0));
        assert_eq!(angoff_mark(&[(1, 0.55), (1, 0.60)], band), pct(70.0));
        assert_eq!(angoff_mark(&[(1, 0.90), (1, 0.95)], band), pct(75.0));
    }
}
