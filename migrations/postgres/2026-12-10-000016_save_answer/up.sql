-- save_selection becomes save_answer: a lab's artifact (with its syntax diagnostics) is
-- saved in the same one round trip as a selection. As before: the attempt locked and
-- checked (the user's, in progress, not past deadline + grace), the answer upserted
-- (unchanged if it is the same selection and artifact, as on the long path), and the save
-- logged; no row when the attempt is not answerable, so that the caller takes the path
-- that says why.
DROP FUNCTION save_selection;
CREATE FUNCTION save_answer(
    p_attempt TEXT, p_user TEXT, p_deadline_from TIMESTAMP, p_position INTEGER,
    p_selected TEXT, p_artifact TEXT, p_diagnostics TEXT, p_now TIMESTAMP, p_save_id TEXT,
    p_addr TEXT, p_agent TEXT
) RETURNS TABLE (o_revision INTEGER, o_saved_at TIMESTAMP, o_changed BOOLEAN)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM attempts a
     WHERE a.id = p_attempt AND a.user_id = p_user AND a.status = 'in_progress'
       AND a.deadline >= p_deadline_from
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO answers AS s (attempt_id, position, selected, revision, saved_at, artifact, diagnostics)
    VALUES (p_attempt, p_position, p_selected, 1, p_now, p_artifact, p_diagnostics)
    ON CONFLICT (attempt_id, position) DO UPDATE
       SET selected = excluded.selected, revision = s.revision + 1,
           saved_at = excluded.saved_at, artifact = excluded.artifact,
           diagnostics = excluded.diagnostics, grade = NULL
     WHERE s.selected <> excluded.selected OR s.artifact IS DISTINCT FROM excluded.artifact
    RETURNING s.revision, s.saved_at, TRUE
         INTO o_revision, o_saved_at, o_changed;
    IF NOT FOUND THEN
        SELECT s.revision, s.saved_at, FALSE
          INTO o_revision, o_saved_at, o_changed
          FROM answers s
         WHERE s.attempt_id = p_attempt AND s.position = p_position;
    END IF;
    INSERT INTO answer_saves (id, attempt_id, position, revision, saved_at, client_addr, user_agent)
    VALUES (p_save_id, p_attempt, p_position, o_revision, p_now, p_addr, p_agent);
    RETURN NEXT;
END
$$;
