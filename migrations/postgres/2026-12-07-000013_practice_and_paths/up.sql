-- Practice: items drawn only onto practice forms, and attempts on such forms. Practice
-- attempts never count toward limits or retake waits and never issue a certificate.
ALTER TABLE questions ADD COLUMN practice BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE attempts ADD COLUMN practice BOOLEAN NOT NULL DEFAULT FALSE;

-- The program guide, as the bank's catalog.toml states it: per certification (who it is
-- for, preparation, next steps) and program-wide (learning paths, the role table). Public
-- text, replaced whole by every import; JSON because it is served, never queried into.
ALTER TABLE certifications ADD COLUMN guide TEXT NOT NULL DEFAULT '{}';
CREATE TABLE program_guide (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    document TEXT NOT NULL
);
