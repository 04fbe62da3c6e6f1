//! Catalog concepts: levels, cut-score policies and percentages held exactly.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Foundation,
    Professional,
    Advanced,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Foundation => "foundation",
            Level::Professional => "professional",
            Level::Advanced => "advanced",
        }
    }

    pub fn parse(raw: &str) -> Option<Level> {
        [Level::Foundation, Level::Professional, Level::Advanced]
            .into_iter()
            .find(|l| l.as_str() == raw)
    }
}

/// How an attempt's pass mark is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CutScore {
    /// The certification's `pass_mark_percent` for every attempt.
    Fixed,
    /// Each form's mark from its own questions' Angoff difficulty, clamped into the band.
    Angoff,
}

impl CutScore {
    pub fn as_str(self) -> &'static str {
        match self {
            CutScore::Fixed => "fixed",
            CutScore::Angoff => "angoff",
        }
    }

    pub fn parse(raw: &str) -> Option<CutScore> {
        [CutScore::Fixed, CutScore::Angoff]
            .into_iter()
            .find(|c| c.as_str() == raw)
    }
}

/// A percentage in tenths of a percent, so that marks compare exactly in integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(i64);

impl Percent {
    pub const fn from_tenths(tenths: i64) -> Percent {
        Percent(tenths)
    }

    /// Parses a percentage with at most one decimal between 0 and 100.
    pub fn parse(value: f64) -> Result<Percent, String> {
        if !value.is_finite() || !(0.0..=100.0).contains(&value) {
            return Err(format!("{value} is not a percentage between 0 and 100"));
        }
        let tenths = (value * 10.0).round();
        if (value * 10.0 - tenths).abs() > 1e-6 {
            return Err(format!("{value} has more than one decimal"));
        }
        Ok(Percent(tenths as i64))
    }

    pub fn tenths(self) -> i64 {
        self.0
    }

    /// For display only; never compare these.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 10.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_cut_score_policies_read_and_print_as_their_names() {
        for (level, name) in [
            (Level::Foundation, "foundation"),
            (Level::Professional, "professional"),
            (Level::Advanced, "advanced"),
        ] {
            assert_eq!(level.as_str(), name);
            assert_eq!(Level::parse(name), Some(level));
        }
        for (policy, name) in [(CutScore::Fixed, "fixed"), (CutScore::Angoff, "angoff")] {
            assert_eq!(policy.as_str(), name);
            assert_eq!(CutScore::parse(name), Some(policy));
        }
        assert_eq!(Level::parse("expert"), None);
        assert_eq!(CutScore::parse("Angoff"), None);
    }

    #[test]
    fn a_percentage_shows_as_the_number_it_holds() {
        assert_eq!(Percent::from_tenths(725).as_f64(), 72.5);
        assert_eq!(Percent::from_tenths(1000).as_f64(), 100.0);
        assert_eq!(Percent::from_tenths(7).to_string(), "0.7");
    }

    #[test]
    fn percentages_keep_one_decimal_exactly() {
        assert_eq!(Percent::parse(70.0).unwrap().tenths(), 700);
        assert_eq!(Percent::parse(72.5).unwrap().tenths(), 725);
        assert_eq!(Percent::parse(0.1).unwrap().tenths(), 1);
        assert_eq!(Percent::parse(72.5).unwrap().to_string(), "72.5");
        assert!(Percent::parse(72.25).is_err());
        assert!(Percent::parse(100.1).is_err());
        assert!(Percent::parse(-1.0).is_err());
        assert!(Percent::parse(f64::NAN).is_err());
    }
}
