//! The rules, each from a scripted event stream on a fixed clock.

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
    raised(&all, clients, now_secs, true)
}

/// The flags these events, exactly, raise by `now_secs`.
fn raised(events: &[EventFact], clients: &[ClientFact], now_secs: i64, running: bool) -> Vec<Flag> {
    raised_with_pauses(events, clients, &[], now_secs, running)
}

fn pause(from_secs: i64, until_secs: Option<i64>) -> Pause {
    Pause {
        from: t0() + Duration::seconds(from_secs),
        until: until_secs.map(|s| t0() + Duration::seconds(s)),
    }
}

fn raised_with_pauses(
    events: &[EventFact],
    clients: &[ClientFact],
    pauses: &[Pause],
    now_secs: i64,
    running: bool,
) -> Vec<Flag> {
    let obs = Observation {
        events,
        clients,
        pauses,
        started_at: t0(),
        now: t0() + Duration::seconds(now_secs),
        running,
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
    assert!(raised(&beats, &[], 90, true).is_empty());
    assert_eq!(raised(&beats, &[], 91, true)[0], Flag::HeartbeatGap);
    assert!(
        raised(&beats, &[], 500, false).is_empty(),
        "silence while paused or closed"
    );
    let late = [ev("heartbeat", 15), ev("heartbeat", 90)];
    assert_eq!(raised(&late, &[], 91, true)[0], Flag::HeartbeatGap);
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
    // Without heartbeats the gap rule fires too; only the focus rule is looked at here.
    let lost = [ev("focus_lost", 10)];
    let flags = |now, running| -> Vec<Flag> {
        raised(&lost, &[], now, running)
            .into_iter()
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
    assert!(raised(&beats, &[], 80, true).is_empty());
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

#[test]
fn time_paused_by_a_proctor_is_not_a_heartbeat_gap() {
    // 30 s running + a 140 s pause + 30 s running between two heartbeats: 60 s unpaused.
    let beats = [ev("heartbeat", 0), ev("heartbeat", 200)];
    let pauses = [pause(30, Some(170))];
    assert!(raised_with_pauses(&beats, &[], &pauses, 200, true).is_empty());
    // The same gap with a shorter pause is 140 s of silence.
    let short = [pause(50, Some(110))];
    assert_eq!(
        raised_with_pauses(&beats, &[], &short, 200, true),
        vec![Flag::HeartbeatGap]
    );
}

#[test]
fn a_pause_that_lasts_is_not_silence_either() {
    // Paused at 30 s and still paused at 300 s: 30 s of running silence.
    let beats = [ev("heartbeat", 0)];
    assert!(raised_with_pauses(&beats, &[], &[pause(30, None)], 300, true).is_empty());
    // Resumed at 100 s: silence since is counted again.
    assert_eq!(
        raised_with_pauses(&beats, &[], &[pause(30, Some(100))], 300, true),
        vec![Flag::HeartbeatGap]
    );
}

#[test]
fn focus_lost_during_a_pause_does_not_count_the_pause() {
    let beats: Vec<EventFact> = (0..=20).map(|i| ev("heartbeat", i * 15)).collect();
    let mut events = beats.clone();
    events.extend([ev("focus_lost", 10), ev("focus_regained", 200)]);
    events.sort_by_key(|e| e.at);
    // 190 s away, of which 150 s paused: 40 s lost.
    assert!(raised_with_pauses(&events, &[], &[pause(20, Some(170))], 300, true).is_empty());
    assert_eq!(
        raised_with_pauses(&events, &[], &[pause(20, Some(60))], 300, true),
        vec![Flag::FocusLost]
    );
}

#[test]
fn event_types_round_trip_through_their_names() {
    for t in EventType::ALL {
        assert_eq!(EventType::parse(t.as_str()), Some(t));
    }
    assert_eq!(EventType::parse("Heartbeat"), None);
}

#[test]
fn the_state_kept_signal_by_signal_is_the_state_replayed_from_the_timeline() {
    let rules = Rules::default();
    let me = ClientFact {
        addr: "198.51.100.1".into(),
        user_agent: "Firefox".into(),
    };
    let other = ClientFact {
        addr: "198.51.100.2".into(),
        user_agent: "Chrome".into(),
    };
    // Three hours of an exam: a heartbeat every 15 s, focus lost and regained, the camera
    // losing the face now and then, a pause of five minutes, and a second client.
    let mut events: Vec<(EventType, DateTime<Utc>)> = (1..=720)
        .map(|i| (EventType::Heartbeat, t0() + Duration::seconds(15 * i)))
        .collect();
    for i in 0..6 {
        let at = t0() + Duration::minutes(20 * i + 3);
        events.push((EventType::FocusLost, at));
        events.push((EventType::FocusRegained, at + Duration::seconds(4)));
        events.push((EventType::FaceNotDetected, at + Duration::seconds(9)));
    }
    events.sort_by_key(|(_, at)| *at);
    let pauses = [pause(3600, Some(3900))];
    let (paused_at, resumed_at) = (
        t0() + Duration::seconds(3600),
        t0() + Duration::seconds(3900),
    );
    let (mut paused, mut resumed) = (false, false);
    let mut kept = RuleState::new(t0());
    let mut raised = Vec::new();
    for (kind, at) in &events {
        if !paused && *at >= paused_at {
            kept.pause(paused_at);
            paused = true;
        }
        if !resumed && *at >= resumed_at {
            kept.resume(resumed_at);
            resumed = true;
        }
        raised.extend(kept.client(&me));
        raised.extend(kept.event(*kind, *at, &rules));
    }
    raised.extend(kept.client(&other));
    let (replayed, due) = RuleState::replay(t0(), &events, &[other, me], &pauses, &rules);
    assert_eq!(kept, replayed);
    let flags = |d: &[(Flag, String)]| d.iter().map(|(f, _)| *f).collect::<Vec<_>>();
    assert_eq!(flags(&raised), [Flag::FocusLost, Flag::ClientChanged]);
    assert_eq!(flags(&due), flags(&raised));
    let json = serde_json::to_string(&kept).unwrap();
    assert!(
        json.len() < 1024,
        "the state stays small: {} bytes",
        json.len()
    );
    assert_eq!(serde_json::from_str::<RuleState>(&json).unwrap(), kept);
}

#[test]
fn silence_is_counted_from_the_last_heartbeat_without_the_time_paused() {
    let rules = Rules::default();
    let mut state = RuleState::new(t0());
    assert!(state
        .event(EventType::Heartbeat, t0() + Duration::seconds(10), &rules)
        .is_none());
    state.pause(t0() + Duration::seconds(20));
    state.resume(t0() + Duration::seconds(620));
    let at = |s: i64| t0() + Duration::seconds(s);
    assert!(
        state.silence(at(670), true, &rules).is_empty(),
        "50 s unpaused"
    );
    assert!(
        state.silence(at(700), false, &rules).is_empty(),
        "only while running"
    );
    let due = state.silence(at(671), true, &rules);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].0, Flag::HeartbeatGap);
    assert!(
        state.silence(at(900), true, &rules).is_empty(),
        "raised once"
    );
}
