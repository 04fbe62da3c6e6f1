-- Each open attempt's proctoring rule state, kept up to date one event at a time so that
-- an event costs the same at minute 180 as at minute 1. The timeline (attempt_events,
-- answer_saves, attempt_pauses) stays the record: the state is rebuilt from it when it
-- is missing (an attempt begun before this table existed). JSON because only the rules
-- read it; the last heartbeat is a column because the silence sweep and the proctor
-- console query it.
CREATE TABLE attempt_rule_states (
    attempt_id        TEXT PRIMARY KEY REFERENCES attempts (id) ON DELETE CASCADE,
    state             TEXT NOT NULL,
    last_heartbeat_at TIMESTAMP
);
