DROP FUNCTION save_answer;
CREATE FUNCTION save_selection(
    p_attempt TEXT, p_user TEXT, p_deadline_from TIMESTAMP, p_position INTEGER,
    p_selected TEXT, p_now TIMESTAMP, p_save_id TEXT, p_addr TEXT, p_agent TEXT
) RETURNS TABLE (o_revision INTEGER, o_selected TEXT, o_saved_at TIMESTAMP, o_changed BOOLEAN)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM attempts a
     WHERE a.id = p_attempt AND a.user_id = p_user AND a.status = 'in_progress'
       AND a.deadline >= p_deadline_from
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO answers AS s (attempt_id, position, selected, revision, saved_at)
    VALUES (p_attempt, p_position, p_selected, 1, p_now)
    ON CONFLICT (attempt_id, position) DO UPDATE
       SET selected = excluded.selected, revision = s.revision + 1,
           saved_at = excluded.saved_at, artifact = NULL, diagnostics = NULL, grade = NULL
     WHERE s.selected <> excluded.selected
    RETURNING s.revision, s.selected, s.saved_at, TRUE
         INTO o_revision, o_selected, o_saved_at, o_changed;
    IF NOT FOUND THEN
        SELECT s.revision, s.selected, s.saved_at, FALSE
          INTO o_revision, o_selected, o_saved_at, o_changed
          FROM answers s
         WHERE s.attempt_id = p_attempt AND s.position = p_position;
    END IF;
    INSERT INTO answer_saves (id, attempt_id, position, revision, saved_at, client_addr, user_agent)
    VALUES (p_save_id, p_attempt, p_position, o_revision, p_now, p_addr, p_agent);
    RETURN NEXT;
END
$$;
