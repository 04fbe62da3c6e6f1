-- Proctoring: what the candidate's client reports, the flags rules raise from it, proctor
-- warnings, pauses, accommodations, and the append-only audit trail.

ALTER TABLE attempts ADD COLUMN paused_at TIMESTAMP;
ALTER TABLE attempts ADD COLUMN extra_time_percent INTEGER NOT NULL DEFAULT 0;

CREATE TABLE attempt_events (
    id          TEXT PRIMARY KEY NOT NULL,
    attempt_id  TEXT NOT NULL REFERENCES attempts (id),
    kind        TEXT NOT NULL CHECK (kind IN ('heartbeat', 'focus_lost', 'focus_regained', 'fullscreen_exit',
                    'copy', 'paste', 'face_not_detected', 'multiple_faces', 'voice_detected',
                    'network_offline', 'network_online')),
    -- As the client reported it, and as the server received it.
    occurred_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    details     TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    user_agent  TEXT NOT NULL
);
CREATE INDEX attempt_events_timeline ON attempt_events (attempt_id, received_at);

-- Every answer save, with where it came from.
CREATE TABLE answer_saves (
    id          TEXT PRIMARY KEY NOT NULL,
    attempt_id  TEXT NOT NULL REFERENCES attempts (id),
    position    INTEGER NOT NULL,
    revision    INTEGER NOT NULL,
    saved_at    TIMESTAMP NOT NULL,
    client_addr TEXT NOT NULL,
    user_agent  TEXT NOT NULL
);
CREATE INDEX answer_saves_by_attempt ON answer_saves (attempt_id, saved_at);

CREATE TABLE attempt_flags (
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    rule       TEXT NOT NULL,
    raised_at  TIMESTAMP NOT NULL,
    detail     TEXT NOT NULL,
    -- A rule raises its flag once per attempt.
    PRIMARY KEY (attempt_id, rule)
);

CREATE TABLE attempt_warnings (
    id         TEXT PRIMARY KEY NOT NULL,
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    proctor_id TEXT NOT NULL REFERENCES users (id),
    text       TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    issued_at  TIMESTAMP NOT NULL
);
CREATE INDEX attempt_warnings_by_attempt ON attempt_warnings (attempt_id, issued_at);

CREATE TABLE accommodations (
    id                 TEXT PRIMARY KEY NOT NULL,
    user_id            TEXT NOT NULL REFERENCES users (id),
    certification_code TEXT REFERENCES certifications (code),
    extra_time_percent INTEGER NOT NULL CHECK (extra_time_percent BETWEEN 1 AND 100),
    created_by         TEXT NOT NULL REFERENCES users (id),
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX accommodations_by_user ON accommodations (user_id, created_at);

CREATE TABLE audit_log (
    id                 TEXT PRIMARY KEY NOT NULL,
    seq                BIGINT NOT NULL,
    at                 TIMESTAMP NOT NULL,
    actor              TEXT NOT NULL,
    action             TEXT NOT NULL,
    attempt_id         TEXT,
    certificate_number TEXT,
    from_status        TEXT,
    to_status          TEXT,
    detail             TEXT
);
CREATE INDEX audit_by_attempt ON audit_log (attempt_id, at, seq);
CREATE INDEX audit_by_certificate ON audit_log (certificate_number, at, seq);

-- Append-only, whatever the application does.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
