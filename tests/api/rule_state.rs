//! Each attempt's rule state: kept up to date one signal at a time, always what its
//! timeline rebuilds, rebuilt from the timeline when missing, and what the silence sweep
//! reads.

use crate::both_backends;
use crate::helpers::{answer_key, NowUtc, TestApp, Tokens};
use crate::proctoring::{act, event, setup};
use chrono::Duration;
use invigil::domain::proctoring::RuleState;
use invigil::service::flags;
use invigil::service::proctoring::sweep_silence;
use invigil::service::timing::Timing;
use reqwest::StatusCode;
use serde_json::json;

/// The stored state, the state the timeline rebuilds, the flags the table holds and the
/// flags the rebuild finds due.
async fn stored_and_rebuilt(
    app: &TestApp,
    attempt: &str,
) -> (Option<RuleState>, RuleState, Vec<String>, Vec<String>) {
    let attempt = attempt.to_string();
    let timing = Timing::of(&app.state);
    app.state
        .db
        .read(move |conn| {
            let row = invigil::db::attempts::find(conn, &attempt)?.expect("attempt");
            let stored = invigil::db::rule_states::find(conn, &attempt)?
                .map(|json| serde_json::from_str(&json).expect("a stored state parses"));
            let (rebuilt, due) = flags::rebuild(conn, &row, &timing.rules)?;
            let mut raised: Vec<String> = flags::raised(conn, &attempt)?
                .iter()
                .map(|f| f.as_str().to_string())
                .collect();
            let mut due: Vec<String> = due.iter().map(|(f, _)| f.as_str().to_string()).collect();
            raised.sort();
            due.sort();
            Ok((stored, rebuilt, raised, due))
        })
        .await
        .unwrap()
}

async fn event_from(
    app: &TestApp,
    t: &Tokens,
    attempt: &str,
    kind: &str,
    agent: &str,
) -> StatusCode {
    let at = invigil::views::instant(&app.clock.now_utc());
    app.client
        .post(format!("{}/v1/attempts/{attempt}/events", app.address))
        .bearer_auth(&t.access)
        .header("user-agent", agent)
        .json(&json!({"type": kind, "occurred_at": at}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn forget_state(app: &TestApp, attempt: &str) {
    let attempt = attempt.to_string();
    app.state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            use invigil::db::schema::attempt_rule_states as rs;
            diesel::delete(rs::table.filter(rs::attempt_id.eq(attempt))).execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
}

both_backends! {
    async fn the_stored_state_is_what_the_timeline_rebuilds(app: TestApp) {
        let (t, proctor, aid) = setup(&app).await;
        let step = |s: i64| app.clock.advance(Duration::seconds(s));
        // A long exam in miniature: every kind of signal, a pause, a second client, and
        // silence long enough to trip the heartbeat rule once.
        for kind in ["heartbeat", "focus_lost", "heartbeat", "focus_regained", "face_not_detected", "heartbeat"] {
            assert_eq!(event(&app, &t, &aid, kind).await.status(), StatusCode::ACCEPTED);
            step(10);
        }
        assert_eq!(act(&app, &proctor, &aid, "pause", Some("identity check")).await.status(), StatusCode::OK);
        step(120);
        assert_eq!(event(&app, &t, &aid, "face_not_detected").await.status(), StatusCode::ACCEPTED);
        assert_eq!(act(&app, &proctor, &aid, "resume", None).await.status(), StatusCode::OK);
        let (qid, key, _) = answer_key(&app, &aid).await.remove(0);
        for _ in 0..3 {
            let saved = app.put(&format!("/v1/attempts/{aid}/answers/{qid}"), Some(&t.access), &json!({"selected": key})).await;
            assert_eq!(saved.status(), StatusCode::OK);
            step(5);
        }
        assert_eq!(event_from(&app, &t, &aid, "heartbeat", "SecondBrowser/2.0").await, StatusCode::ACCEPTED);
        step(90);
        assert_eq!(event(&app, &t, &aid, "heartbeat").await.status(), StatusCode::ACCEPTED);
        assert_eq!(event(&app, &t, &aid, "copy").await.status(), StatusCode::ACCEPTED);

        let (stored, rebuilt, raised, due) = stored_and_rebuilt(&app, &aid).await;
        assert_eq!(stored.as_ref(), Some(&rebuilt), "the state kept event by event is the timeline's");
        assert_eq!(raised, ["client_changed", "copy_paste", "heartbeat_gap"]);
        assert_eq!(raised, due, "the timeline justifies exactly the flags raised");
        assert_eq!(rebuilt.last_heartbeat_at(), Some(invigil::db::from_db_time(invigil::db::to_db_time(app.clock.now_utc()))));
    }

    async fn instances_taking_turns_keep_one_state(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        // Each instance keeps the state it last wrote; the other's events make it stale.
        let other = app.second_instance();
        let kinds = ["heartbeat", "focus_lost", "heartbeat", "focus_regained", "heartbeat", "focus_lost", "focus_regained", "heartbeat", "copy"];
        for (i, kind) in kinds.iter().enumerate() {
            let on = if i % 3 == 0 { &other } else { &app };
            assert_eq!(event(on, &t, &aid, kind).await.status(), StatusCode::ACCEPTED, "{kind} #{i}");
            app.clock.advance(Duration::seconds(5));
        }
        let (stored, rebuilt, raised, due) = stored_and_rebuilt(&app, &aid).await;
        assert_eq!(stored.as_ref(), Some(&rebuilt), "no instance wrote over the other's events");
        assert_eq!(raised, ["copy_paste"]);
        assert_eq!(raised, due);
        let id = aid.clone();
        let timeline = app.state.db.read(move |c| Ok(invigil::db::proctoring::events(c, &id)?)).await.unwrap();
        assert_eq!(timeline.len(), kinds.len(), "every event is in the timeline once");
    }

    async fn a_missing_state_is_rebuilt_from_the_timeline(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        for kind in ["focus_lost", "focus_regained", "focus_lost", "focus_regained", "copy"] {
            assert_eq!(event(&app, &t, &aid, kind).await.status(), StatusCode::ACCEPTED);
            app.clock.advance(Duration::seconds(1));
        }
        // As for an attempt begun before states were kept.
        forget_state(&app, &aid).await;
        assert_eq!(stored_and_rebuilt(&app, &aid).await.0, None);
        for kind in ["focus_lost", "focus_regained", "focus_lost", "focus_regained", "focus_lost", "paste"] {
            assert_eq!(event(&app, &t, &aid, kind).await.status(), StatusCode::ACCEPTED);
            app.clock.advance(Duration::seconds(1));
        }
        let (stored, rebuilt, raised, _) = stored_and_rebuilt(&app, &aid).await;
        assert_eq!(stored, Some(rebuilt));
        // The fifth loss counts the two from before the state was lost; copy_paste stays one flag.
        assert_eq!(raised, ["copy_paste", "focus_lost"]);
        let id = aid.clone();
        let audit = app.state.db.read(move |c| Ok(invigil::db::audit::for_attempt(c, &id)?)).await.unwrap();
        assert_eq!(audit.iter().filter(|e| e.action == "flag").count(), 2, "each flag audited once");
    }

    async fn the_silence_sweep_reads_the_state(app: TestApp) {
        let (t, _proctor, aid) = setup(&app).await;
        assert_eq!(event(&app, &t, &aid, "heartbeat").await.status(), StatusCode::ACCEPTED);
        app.clock.advance(Duration::seconds(61));
        // A heartbeat row that reached the timeline without passing the rules: the sweep
        // goes by the state, which last heard one 61 s ago.
        let (id, now) = (aid.clone(), invigil::db::to_db_time(app.clock.now_utc()));
        app.state
            .db
            .write(move |conn| {
                invigil::db::proctoring::insert_event(conn, &invigil::db::proctoring::EventRow {
                    id: invigil::db::new_id(),
                    attempt_id: id,
                    kind: "heartbeat".into(),
                    occurred_at: now,
                    received_at: now,
                    details: "{}".into(),
                    client_addr: "127.0.0.1".into(),
                    user_agent: "test".into(),
                })?;
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(sweep_silence(&app.state).await.unwrap(), 1);
        assert_eq!(sweep_silence(&app.state).await.unwrap(), 0, "raised once");
    }
}
