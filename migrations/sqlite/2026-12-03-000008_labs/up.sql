-- Practical lab tasks. A lab's version carries its artifact and checks as JSON
-- ({format, filename, starter, reference, checks}); no other kind has one.
--
-- SQLite cannot change a CHECK in place, so question_versions is rebuilt with 'lab' among
-- its kinds, the documented way: copy, drop, rename (migrations run with foreign keys off
-- and every key is checked before they commit, as attempt_questions refers to this table).

CREATE TABLE question_versions_with_labs (
    question_id  TEXT NOT NULL REFERENCES questions (id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    content_hash TEXT NOT NULL,
    domain       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'true_false', 'ordering', 'lab')),
    stem         TEXT NOT NULL,
    options      TEXT NOT NULL,
    correct      TEXT NOT NULL,
    points       INTEGER NOT NULL CHECK (points > 0),
    difficulty   REAL CHECK (difficulty IS NULL OR (difficulty > 0 AND difficulty <= 1)),
    explanation  TEXT,
    created_at   TIMESTAMP NOT NULL,
    lab          TEXT,
    PRIMARY KEY (question_id, version),
    UNIQUE (question_id, content_hash),
    CHECK ((kind = 'lab') = (lab IS NOT NULL))
);
INSERT INTO question_versions_with_labs (question_id, version, content_hash, domain, kind,
        stem, options, correct, points, difficulty, explanation, created_at)
    SELECT question_id, version, content_hash, domain, kind, stem, options, correct, points,
        difficulty, explanation, created_at
    FROM question_versions;
DROP TABLE question_versions;
ALTER TABLE question_versions_with_labs RENAME TO question_versions;

-- A lab's answer is the artifact as saved (at most 64 KiB), its syntax diagnostics, and
-- the grade its check set gives it (JSON), written after the save has been answered so
-- that no response's timing depends on the checks; choice answers have none of them.
ALTER TABLE answers ADD COLUMN artifact TEXT CHECK (length(CAST(artifact AS BLOB)) <= 65536);
ALTER TABLE answers ADD COLUMN diagnostics TEXT CHECK ((artifact IS NULL) = (diagnostics IS NULL));
ALTER TABLE answers ADD COLUMN grade TEXT CHECK (grade IS NULL OR artifact IS NOT NULL);

-- Each lab's outcome as scored ([{question_id, position, points_awarded, …, checks}]).
ALTER TABLE results ADD COLUMN labs TEXT NOT NULL DEFAULT '[]';
