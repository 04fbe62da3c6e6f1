-- Exam attempts: the served form, the saved answers, and exactly one result each.

CREATE TABLE attempts (
    id                 TEXT PRIMARY KEY NOT NULL,
    user_id            TEXT NOT NULL REFERENCES users (id),
    certification_code TEXT NOT NULL REFERENCES certifications (code),
    status             TEXT NOT NULL CHECK (status IN ('in_progress', 'paused', 'submitted', 'expired',
                           'terminated', 'passed', 'failed', 'pending_review', 'invalidated')),
    -- Hex of the 32 CSPRNG bytes the form was drawn from (for audits; never shown).
    seed               TEXT NOT NULL,
    started_at         TIMESTAMP NOT NULL,
    deadline           TIMESTAMP NOT NULL,
    pass_mark_tenths   INTEGER NOT NULL CHECK (pass_mark_tenths BETWEEN 0 AND 1000),
    closed_at          TIMESTAMP,
    last_saved_at      TIMESTAMP,
    CHECK (deadline > started_at),
    CHECK ((closed_at IS NULL) = (status IN ('in_progress', 'paused')))
);
-- One open attempt per candidate, whatever races between requests or instances.
CREATE UNIQUE INDEX attempts_one_open_per_candidate ON attempts (user_id)
    WHERE status IN ('in_progress', 'paused');
CREATE INDEX attempts_by_candidate ON attempts (user_id, certification_code, started_at);
CREATE INDEX attempts_open_by_deadline ON attempts (deadline)
    WHERE status IN ('in_progress', 'paused');

-- The form as served: which question version sits where, and how its options were shown.
CREATE TABLE attempt_questions (
    attempt_id   TEXT NOT NULL REFERENCES attempts (id),
    position     INTEGER NOT NULL CHECK (position >= 1),
    public_id    TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    domain       TEXT NOT NULL,
    -- JSON: original option index of each shown option, and the ids they are shown under.
    option_order TEXT NOT NULL,
    option_ids   TEXT NOT NULL,
    PRIMARY KEY (attempt_id, position),
    UNIQUE (attempt_id, public_id),
    UNIQUE (attempt_id, question_id),
    FOREIGN KEY (question_id, version) REFERENCES question_versions (question_id, version)
);

CREATE TABLE answers (
    attempt_id TEXT NOT NULL,
    position   INTEGER NOT NULL,
    -- JSON array of the option ids chosen, in the candidate's order.
    selected   TEXT NOT NULL,
    revision   INTEGER NOT NULL CHECK (revision >= 1),
    saved_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (attempt_id, position),
    FOREIGN KEY (attempt_id, position) REFERENCES attempt_questions (attempt_id, position)
);

CREATE TABLE results (
    attempt_id       TEXT PRIMARY KEY NOT NULL REFERENCES attempts (id),
    points_awarded   INTEGER NOT NULL CHECK (points_awarded >= 0),
    points_possible  INTEGER NOT NULL CHECK (points_possible > 0),
    score_tenths     INTEGER NOT NULL CHECK (score_tenths BETWEEN 0 AND 1000),
    pass_mark_tenths INTEGER NOT NULL CHECK (pass_mark_tenths BETWEEN 0 AND 1000),
    passed           BOOLEAN NOT NULL,
    -- JSON [{"name": …, "score_tenths": …}] in catalog order.
    domains          TEXT NOT NULL,
    closed_reason    TEXT NOT NULL CHECK (closed_reason IN ('submitted', 'expired', 'terminated')),
    submitted_at     TIMESTAMP NOT NULL,
    scored_at        TIMESTAMP NOT NULL,
    CHECK (points_awarded <= points_possible)
);
