use super::*;
use AttemptStatus as S;

/// Short names for the table below.
const IP: Result<S, Refusal> = Ok(S::InProgress);
const PA: Result<S, Refusal> = Ok(S::Paused);
const SU: Result<S, Refusal> = Ok(S::Submitted);
const EX: Result<S, Refusal> = Ok(S::Expired);
const TE: Result<S, Refusal> = Ok(S::Terminated);
const PS: Result<S, Refusal> = Ok(S::Passed);
const FA: Result<S, Refusal> = Ok(S::Failed);
const PR: Result<S, Refusal> = Ok(S::PendingReview);
const IN: Result<S, Refusal> = Ok(S::Invalidated);
const PAUSED: Result<S, Refusal> = Err(Refusal::Paused);
const NOT_PAUSED: Result<S, Refusal> = Err(Refusal::NotPaused);
const OPEN: Result<S, Refusal> = Err(Refusal::StillOpen);

fn closed(s: S) -> Result<S, Refusal> {
    Err(Refusal::Closed(s))
}

fn not_held(s: S) -> Result<S, Refusal> {
    Err(Refusal::NotHeld(s))
}

/// The whole lifecycle, written out by hand: one row per status, one column per event in
/// the order of `AttemptEvent::ALL`:
/// save, client event, submit, expire, warn, pause, resume, terminate,
/// score pass, score fail, score hold, approve, reject.
fn expected() -> Vec<(S, [Result<S, Refusal>; 13])> {
    let c = closed;
    let h = not_held;
    vec![
        (
            S::InProgress,
            [
                IP, IP, SU, EX, IP, PA, NOT_PAUSED, TE, OPEN, OPEN, OPEN, OPEN, OPEN,
            ],
        ),
        (
            S::Paused,
            [
                PAUSED, PA, PAUSED, PAUSED, PA, PAUSED, IP, TE, OPEN, OPEN, OPEN, OPEN, OPEN,
            ],
        ),
        {
            let s = S::Submitted;
            (
                s,
                [
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    PS,
                    FA,
                    PR,
                    h(s),
                    h(s),
                ],
            )
        },
        {
            let s = S::Expired;
            (
                s,
                [
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    PS,
                    FA,
                    PR,
                    h(s),
                    h(s),
                ],
            )
        },
        {
            let s = S::Terminated;
            (
                s,
                [
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    TE,
                    TE,
                    TE,
                    h(s),
                    h(s),
                ],
            )
        },
        {
            let s = S::Passed;
            (
                s,
                [
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    h(s),
                    h(s),
                ],
            )
        },
        {
            let s = S::Failed;
            (
                s,
                [
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    h(s),
                    h(s),
                ],
            )
        },
        {
            let s = S::PendingReview;
            (
                s,
                [
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    PS,
                    IN,
                ],
            )
        },
        {
            let s = S::Invalidated;
            (
                s,
                [
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    c(s),
                    h(s),
                    h(s),
                ],
            )
        },
    ]
}

#[test]
fn every_status_and_event_pair_goes_where_the_table_says() {
    let table = expected();
    assert_eq!(
        table.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        AttemptStatus::ALL.to_vec(),
        "the table has one row per status, in order"
    );
    for (status, row) in table {
        for (event, want) in AttemptEvent::ALL.into_iter().zip(row) {
            assert_eq!(transition(status, event), want, "{status} + {event:?}");
        }
    }
}

#[test]
fn the_event_list_names_each_event_once() {
    for (i, a) in AttemptEvent::ALL.iter().enumerate() {
        assert!(!AttemptEvent::ALL[i + 1..].contains(a), "{a:?} twice");
    }
}

#[test]
fn statuses_round_trip_through_their_names() {
    for s in AttemptStatus::ALL {
        assert_eq!(AttemptStatus::parse(s.as_str()), Some(s));
        assert_eq!(serde_json::to_value(s).expect("serialises"), s.as_str());
    }
    assert_eq!(AttemptStatus::parse("In_Progress"), None);
    assert_eq!(AttemptStatus::parse(""), None);
}

#[test]
fn only_running_and_paused_attempts_are_open() {
    let open: Vec<_> = AttemptStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .collect();
    assert_eq!(open, vec![S::InProgress, S::Paused]);
}

#[test]
fn no_event_reopens_a_closed_attempt() {
    for status in AttemptStatus::ALL.into_iter().filter(|s| !s.is_open()) {
        for event in AttemptEvent::ALL {
            if let Ok(next) = transition(status, event) {
                assert!(
                    !next.is_open(),
                    "{status} + {event:?} reopened it as {next}"
                );
            }
        }
    }
}
