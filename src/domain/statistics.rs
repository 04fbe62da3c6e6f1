//! Item and test statistics for bank authors, with the formulas of Moodle's quiz
//! statistics report (<https://docs.moodle.org/dev/Quiz_statistics_calculations>).
//!
//! Each item's score in an attempt is a fraction of its points (0 or 1 for a choice item,
//! points awarded ÷ points possible for a lab). Because every candidate sits a different
//! form, an item's statistics are taken over the attempts that held it, and its "rest of
//! the test" is the attempt's score on the other items, as a fraction of their points.
//!
//! - facility index F = mean item score (0–1);
//! - standard deviation SD = the item scores' sample standard deviation (n − 1);
//! - discrimination index D = 100 · r(item, rest), the Pearson correlation;
//! - discriminative efficiency DE = 100 · C(item, rest) ÷ Cmax, where Cmax is the
//!   covariance of the two lists each sorted ascending (the largest any pairing reaches);
//! - Cronbach's α = k/(k − 1) · (1 − Σ V(item) ÷ V(total)) over the form's k items (equal
//!   to KR-20 for 0/1 items), with V(total) the variance of the attempts' total fractions
//!   scaled to k items; error ratio ER = 100 · √(1 − α); standard error of measurement
//!   SEM = ER/100 · SD(total), in percentage points.

/// One item's score in one attempt, and that attempt's score on the rest of its form.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// 0.0–1.0.
    pub item: f64,
    /// 0.0–1.0.
    pub rest: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ItemStatistics {
    pub attempts: usize,
    pub facility: f64,
    pub standard_deviation: f64,
    /// −100–100; `None` when either side does not vary.
    pub discrimination_index: Option<f64>,
    /// −100–100; `None` when either side does not vary.
    pub discriminative_efficiency: Option<f64>,
    /// The covariance of the item with the rest of the test.
    pub covariance_with_rest: f64,
    /// Why authors should look at it: `facility under 0.3`, `facility over 0.9`,
    /// `discrimination under 20`, `negative covariance with the rest of the test`.
    pub flags: Vec<&'static str>,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Sample covariance (n − 1); 0 for fewer than two values.
fn covariance(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 {
        return 0.0;
    }
    let (ma, mb) = (mean(a), mean(b));
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (a.len() - 1) as f64
}

/// Sample variance (n − 1).
pub fn variance(v: &[f64]) -> f64 {
    covariance(v, v)
}

/// An item's statistics over its observations; `None` without any.
pub fn item(observations: &[Observation]) -> Option<ItemStatistics> {
    if observations.is_empty() {
        return None;
    }
    let x: Vec<f64> = observations.iter().map(|o| o.item).collect();
    let r: Vec<f64> = observations.iter().map(|o| o.rest).collect();
    let facility = mean(&x);
    let cov = covariance(&x, &r);
    let (vx, vr) = (variance(&x), variance(&r));
    let discrimination = (vx > 0.0 && vr > 0.0).then(|| 100.0 * cov / (vx * vr).sqrt());
    let (mut xs, mut rs) = (x.clone(), r.clone());
    xs.sort_by(f64::total_cmp);
    rs.sort_by(f64::total_cmp);
    let cmax = covariance(&xs, &rs);
    let efficiency = (cmax > 0.0).then(|| 100.0 * cov / cmax);
    let mut flags = Vec::new();
    if facility < 0.3 {
        flags.push("facility under 0.3");
    }
    if facility > 0.9 {
        flags.push("facility over 0.9");
    }
    if discrimination.is_some_and(|d| d < 20.0) {
        flags.push("discrimination under 20");
    }
    if cov < 0.0 {
        flags.push("negative covariance with the rest of the test");
    }
    Some(ItemStatistics {
        attempts: x.len(),
        facility,
        standard_deviation: variance(&x).sqrt(),
        discrimination_index: discrimination,
        discriminative_efficiency: efficiency,
        covariance_with_rest: cov,
        flags,
    })
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestStatistics {
    pub attempts: usize,
    /// Mean score, percent.
    pub mean: f64,
    /// Percentage points.
    pub standard_deviation: f64,
    pub cronbach_alpha: Option<f64>,
    /// Percent.
    pub error_ratio: Option<f64>,
    /// Percentage points.
    pub standard_error: Option<f64>,
}

/// The test's statistics: `totals` each attempt's score (0–1), `item_variances` each
/// item's variance, `k` the items on a form.
pub fn test(totals: &[f64], item_variances: &[f64], k: usize) -> TestStatistics {
    let sd = if totals.len() > 1 {
        variance(totals).sqrt()
    } else {
        0.0
    };
    // The total as a sum of k item scores: its variance is k² times the fraction's.
    let total_variance = variance(totals) * (k * k) as f64;
    let alpha = (k > 1 && total_variance > 0.0 && !item_variances.is_empty()).then(|| {
        let mean_item_variance = mean(item_variances);
        k as f64 / (k - 1) as f64 * (1.0 - k as f64 * mean_item_variance / total_variance)
    });
    let error_ratio = alpha.map(|a| 100.0 * (1.0 - a).max(0.0).sqrt());
    TestStatistics {
        attempts: totals.len(),
        mean: if totals.is_empty() {
            0.0
        } else {
            100.0 * mean(totals)
        },
        standard_deviation: 100.0 * sd,
        cronbach_alpha: alpha,
        error_ratio,
        standard_error: error_ratio.map(|er| er / 100.0 * 100.0 * sd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(pairs: &[(f64, f64)]) -> Vec<Observation> {
        pairs
            .iter()
            .map(|&(item, rest)| Observation { item, rest })
            .collect()
    }

    #[test]
    fn a_discriminating_item_correlates_with_the_rest() {
        // Right exactly when the rest of the test went well.
        let s = item(&obs(&[(1.0, 0.9), (1.0, 0.8), (0.0, 0.3), (0.0, 0.2)])).unwrap();
        assert_eq!(s.attempts, 4);
        assert!((s.facility - 0.5).abs() < 1e-12);
        // SD of [1,1,0,0] with n − 1: sqrt(1/3).
        assert!((s.standard_deviation - (1.0f64 / 3.0).sqrt()).abs() < 1e-12);
        let d = s.discrimination_index.unwrap();
        assert!(d > 95.0, "{d}");
        // Already in the best order: covariance equals its maximum.
        assert!((s.discriminative_efficiency.unwrap() - 100.0).abs() < 1e-9);
        assert!(s.flags.is_empty(), "{:?}", s.flags);
    }

    #[test]
    fn an_item_the_weak_get_right_is_flagged() {
        let s = item(&obs(&[(0.0, 0.9), (0.0, 0.8), (1.0, 0.3), (1.0, 0.2)])).unwrap();
        assert!(s.discrimination_index.unwrap() < -95.0);
        assert!(s.covariance_with_rest < 0.0);
        assert!(s.flags.contains(&"discrimination under 20"));
        assert!(s
            .flags
            .contains(&"negative covariance with the rest of the test"));
    }

    #[test]
    fn facility_outside_the_useful_band_is_flagged_and_constant_items_have_no_r() {
        let easy = item(&obs(&[(1.0, 0.5), (1.0, 0.7), (1.0, 0.9)])).unwrap();
        assert_eq!(easy.discrimination_index, None);
        assert!(easy.flags.contains(&"facility over 0.9"));
        let hard = item(&obs(&[(0.0, 0.5), (0.0, 0.7), (1.0, 0.9), (0.0, 0.1)])).unwrap();
        assert!(hard.flags.contains(&"facility under 0.3"));
        assert_eq!(item(&[]), None);
    }

    #[test]
    fn alpha_is_kr20_for_right_or_wrong_items() {
        // Three persons, two items: scores [1,1], [1,0], [0,0]. KR-20 = 2/1 · (1 − Σpq/σ²)
        // with population p·q per item and the totals' population variance: items p = 2/3
        // and 1/3, pq = 2/9 each; totals 2, 1, 0 → σ² = 2/3; KR-20 = 2 · (1 − (4/9)/(2/3))
        // = 2/3. With sample variances (n − 1) throughout the ratio is the same.
        let items = [variance(&[1.0, 1.0, 0.0]), variance(&[1.0, 0.0, 0.0])];
        let t = test(&[1.0, 0.5, 0.0], &items, 2);
        assert!((t.cronbach_alpha.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((t.mean - 50.0).abs() < 1e-12);
        let er = t.error_ratio.unwrap();
        assert!((er - 100.0 * (1.0f64 / 3.0).sqrt()).abs() < 1e-9);
        assert!((t.standard_error.unwrap() - er / 100.0 * t.standard_deviation).abs() < 1e-9);
    }
}
