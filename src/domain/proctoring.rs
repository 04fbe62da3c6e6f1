//! Proctoring rules: what the candidate's client reports becomes named flags, each raised
//! once with its evidence, and an integrity score. Pure: the caller brings the history.

use chrono::{DateTime, Duration, Utc};

mod state;
pub use state::{RuleState, MAX_CLIENTS};

/// What a client may report, as `type` of an event.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Heartbeat,
    FocusLost,
    FocusRegained,
    FullscreenExit,
    Copy,
    Paste,
    FaceNotDetected,
    MultipleFaces,
    VoiceDetected,
    NetworkOffline,
    NetworkOnline,
}

impl EventType {
    pub const ALL: [EventType; 11] = [
        EventType::Heartbeat,
        EventType::FocusLost,
        EventType::FocusRegained,
        EventType::FullscreenExit,
        EventType::Copy,
        EventType::Paste,
        EventType::FaceNotDetected,
        EventType::MultipleFaces,
        EventType::VoiceDetected,
        EventType::NetworkOffline,
        EventType::NetworkOnline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Heartbeat => "heartbeat",
            EventType::FocusLost => "focus_lost",
            EventType::FocusRegained => "focus_regained",
            EventType::FullscreenExit => "fullscreen_exit",
            EventType::Copy => "copy",
            EventType::Paste => "paste",
            EventType::FaceNotDetected => "face_not_detected",
            EventType::MultipleFaces => "multiple_faces",
            EventType::VoiceDetected => "voice_detected",
            EventType::NetworkOffline => "network_offline",
            EventType::NetworkOnline => "network_online",
        }
    }

    pub fn parse(raw: &str) -> Option<EventType> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
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

    /// What the flag means, in words for the candidate (completing "held because …").
    pub fn plain_words(self) -> &'static str {
        match self {
            Flag::MultipleFaces => "more than one face was seen on camera",
            Flag::FaceNotDetected => "no face was seen on camera for a while",
            Flag::FocusLost => "the exam window lost focus often or for long",
            Flag::FullscreenExit => "the exam left full-screen mode",
            Flag::CopyPaste => "copying or pasting was detected",
            Flag::HeartbeatGap => "the exam page stopped reporting for a while",
            Flag::ClientChanged => "answers came from more than one device or browser",
        }
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
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ClientFact {
    pub addr: String,
    pub user_agent: String,
}

/// A proctor's pause: the clock stood still from `from` until `until` (None: it lasts).
#[derive(Clone, Copy, Debug)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// What is known of an attempt when the rules run.
pub struct Observation<'a> {
    /// In receipt order.
    pub events: &'a [EventFact],
    pub clients: &'a [ClientFact],
    /// The proctor's pauses, oldest first. Time paused is no one's silence: a candidate
    /// waiting for an identity check sends no heartbeat and may look away.
    pub pauses: &'a [Pause],
    pub started_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// Running (not paused, not closed): only then does silence count.
    pub running: bool,
}

/// Every flag the history justifies, with its evidence, in the rules' order: the
/// history replayed through [`RuleState`].
pub fn evaluate(obs: &Observation<'_>, rules: &Rules) -> Vec<(Flag, String)> {
    let events: Vec<(EventType, DateTime<Utc>)> = obs
        .events
        .iter()
        .filter_map(|e| EventType::parse(&e.kind).map(|kind| (kind, e.at)))
        .collect();
    let (mut state, mut flags) =
        RuleState::replay(obs.started_at, &events, obs.clients, obs.pauses, rules);
    flags.extend(state.silence(obs.now, obs.running, rules));
    flags.sort_by_key(|(flag, _)| *flag);
    flags
}

#[cfg(test)]
mod tests;
