-- The catalog and the question bank, imported from the bank folder. Certifications and
-- questions are never deleted, only retired, because attempts point at them.

CREATE TABLE certifications (
    code                  TEXT PRIMARY KEY NOT NULL,
    title                 TEXT NOT NULL,
    track                 TEXT NOT NULL,
    level                 TEXT NOT NULL CHECK (level IN ('foundation', 'professional', 'advanced')),
    recommended_order     INTEGER NOT NULL,
    validity_months       INTEGER NOT NULL CHECK (validity_months BETWEEN 24 AND 36),
    renewal_window_days   INTEGER NOT NULL CHECK (renewal_window_days > 0),
    duration_minutes      INTEGER NOT NULL CHECK (duration_minutes > 0),
    question_count        INTEGER NOT NULL CHECK (question_count > 0),
    pass_mark_tenths      INTEGER NOT NULL,
    band_min_tenths       INTEGER NOT NULL,
    band_max_tenths       INTEGER NOT NULL,
    cut_score             TEXT NOT NULL CHECK (cut_score IN ('fixed', 'angoff')),
    max_attempts_per_year INTEGER NOT NULL CHECK (max_attempts_per_year > 0),
    retake_wait_days      INTEGER NOT NULL CHECK (retake_wait_days >= 0),
    active                BOOLEAN NOT NULL,
    CHECK (0 <= band_min_tenths AND band_min_tenths <= pass_mark_tenths
           AND pass_mark_tenths <= band_max_tenths AND band_max_tenths <= 1000)
);

CREATE TABLE certification_prerequisites (
    certification_code TEXT NOT NULL REFERENCES certifications (code),
    prerequisite_code  TEXT NOT NULL REFERENCES certifications (code),
    PRIMARY KEY (certification_code, prerequisite_code),
    CHECK (certification_code <> prerequisite_code)
);

CREATE TABLE certification_domains (
    certification_code TEXT NOT NULL REFERENCES certifications (code),
    name               TEXT NOT NULL,
    position           INTEGER NOT NULL,
    questions          INTEGER NOT NULL CHECK (questions > 0),
    PRIMARY KEY (certification_code, name)
);

CREATE TABLE questions (
    id                 TEXT PRIMARY KEY NOT NULL,
    certification_code TEXT NOT NULL REFERENCES certifications (code),
    current_version    INTEGER NOT NULL CHECK (current_version >= 1),
    active             BOOLEAN NOT NULL
);
CREATE INDEX questions_pool ON questions (certification_code, active);

-- Every content a question ever had. Attempts point at (question_id, version).
CREATE TABLE question_versions (
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
