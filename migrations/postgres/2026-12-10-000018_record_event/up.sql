-- A proctoring event in one round trip, like save_answer: the attempt locked and checked
-- (the user's, in progress, not past deadline + grace), the per-minute limit counted,
-- the attempt's rule state replaced by the one the caller computed from it (only if the
-- database still holds the state the caller started from: otherwise another request
-- changed it meanwhile) and the event added to the timeline. FALSE, with nothing written,
-- when any check fails: the caller then takes the long path, which also says why.
CREATE FUNCTION record_event(
    p_attempt TEXT, p_user TEXT, p_deadline_from TIMESTAMP, p_minute_ago TIMESTAMP,
    p_per_minute BIGINT, p_state_was TEXT, p_state TEXT, p_last_heartbeat TIMESTAMP,
    p_id TEXT, p_kind TEXT, p_occurred_at TIMESTAMP, p_received_at TIMESTAMP,
    p_details TEXT, p_addr TEXT, p_agent TEXT
) RETURNS BOOLEAN
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM attempts a
     WHERE a.id = p_attempt AND a.user_id = p_user AND a.status = 'in_progress'
       AND a.deadline >= p_deadline_from
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    IF (SELECT count(*) FROM attempt_events e
         WHERE e.attempt_id = p_attempt AND e.received_at > p_minute_ago) >= p_per_minute THEN
        RETURN FALSE;
    END IF;
    UPDATE attempt_rule_states s SET state = p_state, last_heartbeat_at = p_last_heartbeat
     WHERE s.attempt_id = p_attempt AND s.state = p_state_was;
    IF NOT FOUND THEN
        RETURN FALSE;
    END IF;
    INSERT INTO attempt_events (id, attempt_id, kind, occurred_at, received_at, details, client_addr, user_agent)
    VALUES (p_id, p_attempt, p_kind, p_occurred_at, p_received_at, p_details, p_addr, p_agent);
    RETURN TRUE;
END
$$;
