-- Certificates, their history, the partners who verify them, and the keys that sign
-- their credentials.

CREATE TABLE certificates (
    number              TEXT PRIMARY KEY NOT NULL,
    user_id             TEXT NOT NULL REFERENCES users (id),
    certification_code  TEXT NOT NULL REFERENCES certifications (code),
    holder_name         TEXT NOT NULL,
    issued_on           DATE NOT NULL,
    expires_on          DATE NOT NULL,
    renewal_window_days INTEGER NOT NULL CHECK (renewal_window_days > 0),
    -- One certificate per attempt, whatever races.
    issuing_attempt_id  TEXT NOT NULL UNIQUE REFERENCES attempts (id),
    revoked_at          TIMESTAMP,
    revoked_reason      TEXT,
    created_at          TIMESTAMP NOT NULL,
    CHECK (expires_on > issued_on),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX certificates_by_holder ON certificates (user_id, certification_code);

-- Every issue, renewal, recertification and revocation, kept.
CREATE TABLE certificate_events (
    id                 TEXT PRIMARY KEY NOT NULL,
    certificate_number TEXT NOT NULL REFERENCES certificates (number),
    kind               TEXT NOT NULL CHECK (kind IN ('issued', 'renewed', 'recertified', 'revoked')),
    attempt_id         TEXT REFERENCES attempts (id),
    at                 TIMESTAMP NOT NULL,
    expires_on_before  DATE,
    expires_on_after   DATE NOT NULL,
    detail             TEXT
);
CREATE INDEX certificate_events_by_certificate ON certificate_events (certificate_number, at);
-- An attempt extends a certificate at most once.
CREATE UNIQUE INDEX certificate_events_once_per_attempt ON certificate_events (certificate_number, attempt_id)
    WHERE attempt_id IS NOT NULL;

ALTER TABLE results ADD COLUMN certificate_number TEXT REFERENCES certificates (number);

CREATE TABLE partners (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- SHA-256 of the key; the key itself is shown once and never stored.
    api_key_hash TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY NOT NULL,
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
