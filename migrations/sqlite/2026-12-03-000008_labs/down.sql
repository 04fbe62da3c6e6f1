ALTER TABLE results DROP COLUMN labs;
ALTER TABLE answers DROP COLUMN grade;
ALTER TABLE answers DROP COLUMN diagnostics;
ALTER TABLE answers DROP COLUMN artifact;
DELETE FROM question_versions WHERE kind = 'lab';
CREATE TABLE question_versions_without_labs (
    question_id  TEXT NOT NULL REFERENCES questions (id),
    version      INTEGER NOT NULL CHECK (version >= 1),
    content_hash TEXT NOT NULL,
    domain       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'true_false', 'ordering')),
    stem         TEXT NOT NULL,
    options      TEXT NOT NULL,
    correct      TEXT NOT NULL,
    points       INTEGER NOT NULL CHECK (points > 0),
    difficulty   REAL CHECK (difficulty IS NULL OR (difficulty > 0 AND difficulty <= 1)),
    explanation  TEXT,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (question_id, version),
    UNIQUE (question_id, content_hash)
);
INSERT INTO question_versions_without_labs
    SELECT question_id, version, content_hash, domain, kind, stem, options, correct, points,
        difficulty, explanation, created_at
    FROM question_versions;
DROP TABLE question_versions;
ALTER TABLE question_versions_without_labs RENAME TO question_versions;
