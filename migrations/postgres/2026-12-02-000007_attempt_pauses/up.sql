-- Every pause of an attempt, not only the one that lasts: the proctoring rules leave time
-- paused out of silence (heartbeat gaps, focus lost).
CREATE TABLE attempt_pauses (
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    paused_at  TIMESTAMP NOT NULL,
    -- NULL while the pause lasts.
    resumed_at TIMESTAMP,
    PRIMARY KEY (attempt_id, paused_at),
    CHECK (resumed_at IS NULL OR resumed_at >= paused_at)
);

-- A pause under way when this runs.
INSERT INTO attempt_pauses (attempt_id, paused_at, resumed_at)
    SELECT id, paused_at, NULL FROM attempts WHERE paused_at IS NOT NULL;
