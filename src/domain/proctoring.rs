//! Proctoring rules: what the candidate's client reports becomes named flags, each raised
//! once with its evidence, and an integrity score. Pure: the caller brings the history.

use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

/// Event types a client may report.
pub const EVENT_TYPES: [&str; 11] = [
    "heartbeat",
    "focus_lost",
    "focus_regained",
    "fullscreen_exit",
    "copy",
    "paste",
    "face_not_detected",
    "multiple_faces",
    "voice_detected",
    "network_offline",
    "network_online",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    MultipleFaces,
    FaceNotDetected,
    FocusLost,
    FullscreenExit,
    CopyPaste,
    HeartbeatGap,
    ClientChanged,
}

impl Flag {
    pub const ALL: [Flag; 7] = [
        Flag::MultipleFaces,
        Flag::FaceNotDetected,
        Flag::FocusLost,
        Flag::FullscreenExit,
        Flag::CopyPaste,
        Flag::HeartbeatGap,
        Flag::ClientChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::MultipleFaces => "multiple_faces",
            Flag::FaceNotDetected => "face_not_detected",
            Flag::FocusLost => "focus_lost",
            Flag::FullscreenExit => "fullscreen_exit",
            Flag::CopyPaste => "copy_paste",
            Flag::HeartbeatGap => "heartbeat_gap",
            Flag::ClientChanged => "client_changed",
        }
    }

    pub fn parse(raw: &str) -> Option<Flag> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }
}

/// Thresholds and weights; the defaults are the program's policy.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub face_not_detected_count: usize,
    pub face_not_detected_window: Duration,
    pub focus_lost_count: usize,
    pub focus_lost_longest: Duration,
    pub heartbeat_gap: Duration,
    /// A passing attempt with an integrity score below this is held for review.
    pub review_bar: i64,
    weights: [(Flag, i64); 7],
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            face_not_detected_count: 3,
            face_not_detected_window: Duration::minutes(10),
            focus_lost_count: 5,
            focus_lost_longest: Duration::seconds(60),
            heartbeat_gap: Duration::seconds(60),
            review_bar: 80,
            weights: [
                (Flag::MultipleFaces, 40),
                (Flag::FaceNotDetected, 25),
                (Flag::FocusLost, 15),
                (Flag::FullscreenExit, 10),
                (Flag::CopyPaste, 20),
                (Flag::HeartbeatGap, 15),
                (Flag::ClientChanged, 30),
            ],
        }
    }
}

impl Rules {
    pub fn weight(&self, flag: Flag) -> i64 {
        self.weights
            .iter()
            .find(|(f, _)| *f == flag)
            .map_or(0, |(_, w)| *w)
    }

    pub fn set_weight(&mut self, flag: Flag, weight: i64) {
        if let Some(entry) = self.weights.iter_mut().find(|(f, _)| *f == flag) {
            entry.1 = weight;
        }
    }

    /// 100 minus each raised flag's weight, floored at 0.
    pub fn integrity_score<'a>(&self, flags: impl IntoIterator<Item = &'a Flag>) -> i64 {
        (100 - flags.into_iter().map(|f| self.weight(*f)).sum::<i64>()).max(0)
    }

    /// Whether a passing attempt must wait for a proctor's review.
    pub fn needs_review(&self, flags: &[Flag]) -> bool {
        !flags.is_empty() || self.integrity_score(flags) < self.review_bar
    }
}

/// One reported event, at the server's receipt time.
#[derive(Clone, Debug)]
pub struct EventFact {
    pub kind: String,
    pub at: DateTime<Utc>,
}

/// Where one event or save came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClientFact {
    pub addr: String,
    pub user_agent: String,
}

/// What is known of an attempt when the rules run.
pub struct Observation<'a> {
    /// In receipt order.
    pub events: &'a [EventFact],
    pub clients: &'a [ClientFact],
    pub started_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// Running (not paused, not closed): only then does silence count.
    pub running: bool,
}

/// Every flag the history justifies, with its evidence.
pub fn evaluate(obs: &Observation<'_>, rules: &Rules) -> Vec<(Flag, String)> {
    let mut flags = Vec::new();
    let of = |kind: &'static str| obs.events.iter().filter(move |e| e.kind == kind);
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);

    if let Some(first) = of("multiple_faces").next() {
        flags.push((
            Flag::MultipleFaces,
            format!("multiple faces reported at {}", stamp(first.at)),
        ));
    }
    let faces: Vec<DateTime<Utc>> = of("face_not_detected").map(|e| e.at).collect();
    let n = rules.face_not_detected_count.max(1);
    if let Some(w) = faces
        .windows(n)
        .find(|w| w[n - 1] - w[0] <= rules.face_not_detected_window)
    {
        flags.push((
            Flag::FaceNotDetected,
            format!(
                "{n} face_not_detected events between {} and {}",
                stamp(w[0]),
                stamp(w[n - 1])
            ),
        ));
    }
    if let Some(detail) = focus_lost(obs, rules) {
        flags.push((Flag::FocusLost, detail));
    }
    if let Some(first) = of("fullscreen_exit").next() {
        flags.push((
            Flag::FullscreenExit,
            format!("left full screen at {}", stamp(first.at)),
        ));
    }
    if let Some(first) = obs
        .events
        .iter()
        .find(|e| e.kind == "copy" || e.kind == "paste")
    {
        flags.push((
            Flag::CopyPaste,
            format!("{} at {}", first.kind, stamp(first.at)),
        ));
    }
    if let Some(detail) = heartbeat_gap(obs, rules) {
        flags.push((Flag::HeartbeatGap, detail));
    }
    let distinct: BTreeSet<&ClientFact> = obs.clients.iter().collect();
    if distinct.len() > 1 {
        let seen: Vec<String> = distinct
            .iter()
            .map(|c| format!("{} ({})", c.addr, c.user_agent))
            .collect();
        flags.push((
            Flag::ClientChanged,
            format!("answers or events from {}", seen.join(", ")),
        ));
    }
    flags
}

fn focus_lost(obs: &Observation<'_>, rules: &Rules) -> Option<String> {
    let losses = obs.events.iter().filter(|e| e.kind == "focus_lost").count();
    if losses >= rules.focus_lost_count {
        return Some(format!("focus lost {losses} times"));
    }
    // A loss that lasted too long: regained late, or not at all while the attempt runs.
    let mut lost_at: Option<DateTime<Utc>> = None;
    for e in obs.events {
        match e.kind.as_str() {
            "focus_lost" if lost_at.is_none() => lost_at = Some(e.at),
            "focus_regained" => {
                if let Some(start) = lost_at.take() {
                    if e.at - start > rules.focus_lost_longest {
                        return Some(format!("focus lost for {} s", (e.at - start).num_seconds()));
                    }
                }
            }
            _ => {}
        }
    }
    match lost_at {
        Some(start) if obs.running && obs.now - start > rules.focus_lost_longest => Some(format!(
            "focus lost for {} s and not regained",
            (obs.now - start).num_seconds()
        )),
        _ => None,
    }
}

fn heartbeat_gap(obs: &Observation<'_>, rules: &Rules) -> Option<String> {
    let mut last = obs.started_at;
    for e in obs.events.iter().filter(|e| e.kind == "heartbeat") {
        if e.at - last > rules.heartbeat_gap {
            return Some(format!(
                "no heartbeat for {} s before {}",
                (e.at - last).num_seconds(),
                e.at.to_rfc3339()
            ));
        }
        last = e.at;
    }
    (obs.running && obs.now - last > rules.heartbeat_gap)
        .then(|| format!("no heartbeat for {} s", (obs.now - last).num_seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn ev(kind: &str, secs: i64) -> EventFact {
        EventFact {
            kind: kind.into(),
            at: t0() + Duration::seconds(secs),
        }
    }

    fn flags_of(events: &[EventFact], clients: &[ClientFact], now_secs: i64) -> Vec<Flag> {
        // Heartbeats every 15 s keep the heartbeat rule quiet unless a test wants it.
        let mut all: Vec<EventFact> = (0..=now_secs / 15)
            .map(|i| ev("heartbeat", i * 15))
            .collect();
        all.extend(events.iter().cloned());
        all.sort_by_key(|e| e.at);
        let obs = Observation {
            events: &all,
            clients,
            started_at: t0(),
            now: t0() + Duration::seconds(now_secs),
            running: true,
        };
        evaluate(&obs, &Rules::default())
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn a_quiet_attempt_raises_nothing() {
        assert!(flags_of(
            &[
                ev("focus_lost", 10),
                ev("focus_regained", 20),
                ev("voice_detected", 30)
            ],
            &[],
            120
        )
        .is_empty());
    }

    #[test]
    fn one_multiple_faces_event_is_enough() {
        assert_eq!(
            flags_of(&[ev("multiple_faces", 5)], &[], 60),
            vec![Flag::MultipleFaces]
        );
    }

    #[test]
    fn faces_missing_three_times_within_ten_minutes() {
        let spread = [
            ev("face_not_detected", 0),
            ev("face_not_detected", 400),
            ev("face_not_detected", 1100),
        ];
        assert!(flags_of(&spread, &[], 1200).is_empty());
        let close = [
            ev("face_not_detected", 0),
            ev("face_not_detected", 300),
            ev("face_not_detected", 600),
        ];
        assert_eq!(flags_of(&close, &[], 700), vec![Flag::FaceNotDetected]);
    }

    #[test]
    fn focus_lost_five_times_or_once_for_over_a_minute() {
        let four: Vec<EventFact> = (0..4)
            .flat_map(|i| [ev("focus_lost", i * 20), ev("focus_regained", i * 20 + 5)])
            .collect();
        assert!(flags_of(&four, &[], 200).is_empty());
        let five: Vec<EventFact> = (0..5)
            .flat_map(|i| [ev("focus_lost", i * 20), ev("focus_regained", i * 20 + 5)])
            .collect();
        assert_eq!(flags_of(&five, &[], 200), vec![Flag::FocusLost]);
        assert_eq!(
            flags_of(&[ev("focus_lost", 10), ev("focus_regained", 71)], &[], 100),
            vec![Flag::FocusLost]
        );
        assert!(flags_of(&[ev("focus_lost", 10), ev("focus_regained", 70)], &[], 100).is_empty());
        assert_eq!(
            flags_of(&[ev("focus_lost", 10)], &[], 71),
            vec![Flag::FocusLost]
        );
    }

    #[test]
    fn fullscreen_exits_and_clipboard_use_are_flagged_at_once() {
        assert_eq!(
            flags_of(&[ev("fullscreen_exit", 3)], &[], 10),
            vec![Flag::FullscreenExit]
        );
        assert_eq!(flags_of(&[ev("paste", 3)], &[], 10), vec![Flag::CopyPaste]);
        assert_eq!(
            flags_of(&[ev("copy", 3), ev("paste", 4)], &[], 10),
            vec![Flag::CopyPaste]
        );
    }

    #[test]
    fn a_minute_without_heartbeat_is_a_gap() {
        let beats = [ev("heartbeat", 15), ev("heartbeat", 30)];
        let obs = |now: i64, running| Observation {
            events: &beats,
            clients: &[],
            started_at: t0(),
            now: t0() + Duration::seconds(now),
            running,
        };
        assert!(evaluate(&obs(90, true), &Rules::default()).is_empty());
        assert_eq!(
            evaluate(&obs(91, true), &Rules::default())[0].0,
            Flag::HeartbeatGap
        );
        assert!(
            evaluate(&obs(500, false), &Rules::default()).is_empty(),
            "silence while paused or closed"
        );
        let late = [ev("heartbeat", 15), ev("heartbeat", 90)];
        let obs = Observation {
            events: &late,
            clients: &[],
            started_at: t0(),
            now: t0() + Duration::seconds(91),
            running: true,
        };
        assert_eq!(evaluate(&obs, &Rules::default())[0].0, Flag::HeartbeatGap);
    }

    #[test]
    fn a_second_client_is_flagged() {
        let one = ClientFact {
            addr: "198.51.100.1".into(),
            user_agent: "Firefox".into(),
        };
        let other_agent = ClientFact {
            addr: "198.51.100.1".into(),
            user_agent: "Chrome".into(),
        };
        assert!(flags_of(&[], &[one.clone(), one.clone()], 10).is_empty());
        assert_eq!(
            flags_of(&[], &[one, other_agent], 10),
            vec![Flag::ClientChanged]
        );
    }

    #[test]
    fn flags_read_and_print_as_their_names() {
        let names: Vec<&str> = Flag::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "multiple_faces",
                "face_not_detected",
                "focus_lost",
                "fullscreen_exit",
                "copy_paste",
                "heartbeat_gap",
                "client_changed"
            ]
        );
        for flag in Flag::ALL {
            assert_eq!(Flag::parse(flag.as_str()), Some(flag));
        }
        assert_eq!(Flag::parse("copy"), None);
    }

    #[test]
    fn a_loss_reported_twice_counts_from_the_first_report() {
        // Lost at 10 and again at 50 (no regain between), regained at 75: 65 s away.
        let twice = [
            ev("focus_lost", 10),
            ev("focus_lost", 50),
            ev("focus_regained", 75),
        ];
        assert_eq!(flags_of(&twice, &[], 100), vec![Flag::FocusLost]);
    }

    #[test]
    fn a_loss_not_regained_counts_only_while_the_attempt_runs_and_past_a_minute() {
        let lost = [ev("focus_lost", 10)];
        let obs = |now: i64, running| Observation {
            events: &lost,
            clients: &[],
            started_at: t0(),
            now: t0() + Duration::seconds(now),
            running,
        };
        let flags = |now, running| -> Vec<Flag> {
            evaluate(&obs(now, running), &Rules::default())
                .into_iter()
                .map(|(f, _)| f)
                .filter(|f| *f == Flag::FocusLost)
                .collect()
        };
        assert!(
            flags(70, true).is_empty(),
            "exactly a minute is not over it"
        );
        assert_eq!(flags(71, true), vec![Flag::FocusLost]);
        assert!(flags(500, false).is_empty(), "paused or closed");
    }

    #[test]
    fn heartbeats_exactly_a_minute_apart_leave_no_gap() {
        let beats = [ev("heartbeat", 15), ev("heartbeat", 75)];
        let obs = Observation {
            events: &beats,
            clients: &[],
            started_at: t0(),
            now: t0() + Duration::seconds(80),
            running: true,
        };
        assert!(evaluate(&obs, &Rules::default()).is_empty());
    }

    #[test]
    fn a_weight_set_for_one_flag_changes_only_that_flag() {
        let mut rules = Rules::default();
        rules.set_weight(Flag::CopyPaste, 55);
        assert_eq!(rules.weight(Flag::CopyPaste), 55);
        assert_eq!(rules.weight(Flag::MultipleFaces), 40);
        assert_eq!(rules.integrity_score(&[Flag::CopyPaste]), 45);
    }

    #[test]
    fn without_flags_a_pass_is_held_only_below_the_bar() {
        let strict = Rules {
            review_bar: 100,
            ..Rules::default()
        };
        assert!(!strict.needs_review(&[]), "100 is not below 100");
        let mut weightless = Rules::default();
        weightless.set_weight(Flag::FullscreenExit, 0);
        assert!(
            weightless.needs_review(&[Flag::FullscreenExit]),
            "any flag holds"
        );
    }

    #[test]
    fn the_integrity_score_subtracts_weights_down_to_zero() {
        let rules = Rules::default();
        assert_eq!(rules.integrity_score(&[]), 100);
        assert_eq!(rules.integrity_score(&[Flag::FullscreenExit]), 90);
        assert_eq!(rules.integrity_score(&Flag::ALL), 0);
        assert!(!rules.needs_review(&[]));
        assert!(rules.needs_review(&[Flag::FullscreenExit]));
    }
}
