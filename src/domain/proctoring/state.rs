//! An attempt's rule state: what the proctoring rules need to remember of its history,
//! kept up to date one signal at a time, so that an event costs the same at minute 180
//! of an exam as at minute 1 (no re-reading of the timeline). The timeline stays the
//! record; [`RuleState::replay`] rebuilds the state from it.
//!
//! Time paused is no one's silence: with P(t) the time paused before instant t, the
//! unpaused time between a marker taken at `a` and an instant `b` is
//! `(b − a) − (P(b) − P(a))`, so each marker keeps P at its instant and no pause list is
//! needed.

use super::{ClientFact, EventType, Flag, Pause, Rules};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};

/// Distinct clients remembered per attempt; the evidence of `client_changed` needs two,
/// and a handful more shows a pattern. Beyond this, new clients are not remembered.
pub const MAX_CLIENTS: usize = 8;

/// An instant and the time paused before it (milliseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Marker {
    at: DateTime<Utc>,
    paused_ms: i64,
}

/// What the rules know of one attempt. Serialised as JSON beside the attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleState {
    /// The latest instant taken in; a signal received out of order counts as of then.
    seen_until: DateTime<Utc>,
    /// Closed pauses, in total (milliseconds).
    paused_ms: i64,
    /// The pause that lasts, if any.
    paused_since: Option<DateTime<Utc>>,
    /// Where silence is counted from: the last heartbeat, or the start.
    silence_from: Marker,
    last_heartbeat_at: Option<DateTime<Utc>>,
    /// The latest `face_not_detected` instants, at most the rule's count.
    faces_missing: VecDeque<DateTime<Utc>>,
    focus_losses: u32,
    /// A loss of focus not yet regained.
    focus_lost: Option<Marker>,
    clients: BTreeSet<ClientFact>,
    raised: BTreeSet<Flag>,
}

/// A flag newly due, with its evidence.
pub type Due = (Flag, String);

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl RuleState {
    /// The state of an attempt started at `started_at` that has reported nothing.
    pub fn new(started_at: DateTime<Utc>) -> RuleState {
        RuleState {
            seen_until: started_at,
            paused_ms: 0,
            paused_since: None,
            silence_from: Marker {
                at: started_at,
                paused_ms: 0,
            },
            last_heartbeat_at: None,
            faces_missing: VecDeque::new(),
            focus_losses: 0,
            focus_lost: None,
            clients: BTreeSet::new(),
            raised: BTreeSet::new(),
        }
    }

    /// The flags this state has raised, in the rules' order.
    pub fn raised(&self) -> impl Iterator<Item = Flag> + '_ {
        self.raised.iter().copied()
    }

    pub fn last_heartbeat_at(&self) -> Option<DateTime<Utc>> {
        self.last_heartbeat_at
    }

    /// Whether this client (address and user agent) has reported on the attempt before.
    pub fn knows(&self, client: &ClientFact) -> bool {
        self.clients.contains(client)
    }

    fn advance(&mut self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.seen_until = self.seen_until.max(at);
        self.seen_until
    }

    fn paused_before(&self, t: DateTime<Utc>) -> i64 {
        let running_pause = self
            .paused_since
            .map_or(0, |s| (t - s).num_milliseconds().max(0));
        self.paused_ms + running_pause
    }

    fn marker(&self, at: DateTime<Utc>) -> Marker {
        Marker {
            at,
            paused_ms: self.paused_before(at),
        }
    }

    fn unpaused_since(&self, from: Marker, to: DateTime<Utc>) -> Duration {
        to - from.at - Duration::milliseconds(self.paused_before(to) - from.paused_ms)
    }

    /// Raises `flag` unless it is raised already.
    fn raise(&mut self, flag: Flag, detail: impl FnOnce() -> String) -> Option<Due> {
        self.raised.insert(flag).then(|| (flag, detail()))
    }

    /// A proctor paused the attempt at `at`.
    pub fn pause(&mut self, at: DateTime<Utc>) {
        let at = self.advance(at);
        if self.paused_since.is_none() {
            self.paused_since = Some(at);
        }
    }

    /// A proctor resumed the attempt at `at`.
    pub fn resume(&mut self, at: DateTime<Utc>) {
        let at = self.advance(at);
        if let Some(since) = self.paused_since.take() {
            self.paused_ms += (at - since).num_milliseconds().max(0);
        }
    }

    /// A client reported on the attempt (an event or a save): a second one raises
    /// `client_changed`.
    pub fn client(&mut self, client: &ClientFact) -> Option<Due> {
        if self.clients.contains(client) || self.clients.len() >= MAX_CLIENTS {
            return None;
        }
        self.clients.insert(client.clone());
        if self.clients.len() < 2 {
            return None;
        }
        let seen: Vec<String> = self
            .clients
            .iter()
            .map(|c| format!("{} ({})", c.addr, c.user_agent))
            .collect();
        self.raise(Flag::ClientChanged, || {
            format!("answers or events from {}", seen.join(", "))
        })
    }

    /// An event received at `at`; returns the flag it makes due, if any. Its client is
    /// taken in by [`RuleState::client`].
    pub fn event(&mut self, kind: EventType, at: DateTime<Utc>, rules: &Rules) -> Option<Due> {
        let at = self.advance(at);
        match kind {
            EventType::Heartbeat => {
                let gap = self.unpaused_since(self.silence_from, at);
                self.silence_from = self.marker(at);
                self.last_heartbeat_at = Some(at);
                if gap > rules.heartbeat_gap {
                    self.raise(Flag::HeartbeatGap, || {
                        format!(
                            "no heartbeat for {} s before {}",
                            gap.num_seconds(),
                            at.to_rfc3339()
                        )
                    })
                } else {
                    None
                }
            }
            EventType::MultipleFaces => self.raise(Flag::MultipleFaces, || {
                format!("multiple faces reported at {}", stamp(at))
            }),
            EventType::FaceNotDetected => self.face_not_detected(at, rules),
            EventType::FocusLost => {
                self.focus_losses += 1;
                if self.focus_lost.is_none() {
                    self.focus_lost = Some(self.marker(at));
                }
                if self.focus_losses as usize >= rules.focus_lost_count {
                    let losses = self.focus_losses;
                    self.raise(Flag::FocusLost, || format!("focus lost {losses} times"))
                } else {
                    None
                }
            }
            EventType::FocusRegained => match self.focus_lost.take() {
                Some(start) => {
                    let lost = self.unpaused_since(start, at);
                    if lost > rules.focus_lost_longest {
                        self.raise(Flag::FocusLost, || {
                            format!("focus lost for {} s", lost.num_seconds())
                        })
                    } else {
                        None
                    }
                }
                None => None,
            },
            EventType::FullscreenExit => self.raise(Flag::FullscreenExit, || {
                format!("left full screen at {}", stamp(at))
            }),
            EventType::Copy | EventType::Paste => self.raise(Flag::CopyPaste, || {
                format!("{} at {}", kind.as_str(), stamp(at))
            }),
            EventType::VoiceDetected | EventType::NetworkOffline | EventType::NetworkOnline => None,
        }
    }

    fn face_not_detected(&mut self, at: DateTime<Utc>, rules: &Rules) -> Option<Due> {
        let n = rules.face_not_detected_count.max(1);
        self.faces_missing.push_back(at);
        while self.faces_missing.len() > n {
            self.faces_missing.pop_front();
        }
        let first = *self.faces_missing.front()?;
        if self.faces_missing.len() == n && at - first <= rules.face_not_detected_window {
            self.raise(Flag::FaceNotDetected, || {
                format!(
                    "{n} face_not_detected events between {} and {}",
                    stamp(first),
                    stamp(at)
                )
            })
        } else {
            None
        }
    }

    /// The flags silence makes due by `now`: no heartbeat for too long, focus lost and
    /// not regained. Silence counts only while the attempt runs.
    pub fn silence(&mut self, now: DateTime<Utc>, running: bool, rules: &Rules) -> Vec<Due> {
        if !running {
            return Vec::new();
        }
        let now = now.max(self.seen_until);
        let mut due = Vec::new();
        if let Some(start) = self.focus_lost {
            let lost = self.unpaused_since(start, now);
            if lost > rules.focus_lost_longest {
                due.extend(self.raise(Flag::FocusLost, || {
                    format!("focus lost for {} s and not regained", lost.num_seconds())
                }));
            }
        }
        let gap = self.unpaused_since(self.silence_from, now);
        if gap > rules.heartbeat_gap {
            due.extend(self.raise(Flag::HeartbeatGap, || {
                format!("no heartbeat for {} s", gap.num_seconds())
            }));
        }
        due
    }

    /// The state the timeline leads to: events in receipt order and the proctor's pauses
    /// (oldest first) replayed as they happened, and the clients that reported (by event
    /// or save). Returns it with every flag raised on the way.
    pub fn replay(
        started_at: DateTime<Utc>,
        events: &[(EventType, DateTime<Utc>)],
        clients: &[ClientFact],
        pauses: &[Pause],
        rules: &Rules,
    ) -> (RuleState, Vec<Due>) {
        enum Step {
            Pause,
            Resume,
            Event(EventType),
        }
        let mut steps: Vec<(DateTime<Utc>, u8, Step)> = Vec::new();
        for p in pauses {
            steps.push((p.from, 0, Step::Pause));
            if let Some(until) = p.until {
                steps.push((until, 1, Step::Resume));
            }
        }
        for (kind, at) in events {
            steps.push((*at, 2, Step::Event(*kind)));
        }
        // Stable: events keep their receipt order among equal instants.
        steps.sort_by_key(|(at, order, _)| (*at, *order));
        let mut state = RuleState::new(started_at);
        let mut due = Vec::new();
        for (at, _, step) in steps {
            match step {
                Step::Pause => state.pause(at),
                Step::Resume => state.resume(at),
                Step::Event(kind) => due.extend(state.event(kind, at, rules)),
            }
        }
        for client in clients {
            due.extend(state.client(client));
        }
        (state, due)
    }
}
