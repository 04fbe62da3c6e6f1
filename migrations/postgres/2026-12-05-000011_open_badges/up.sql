-- Open Badges 3.0 credentials are signed with RS256 (the only JWT algorithm 1EdTech's
-- validator accepts); the EdDSA credential keeps its Ed25519 keys. One table holds both.
ALTER TABLE signing_keys ADD COLUMN algorithm TEXT NOT NULL DEFAULT 'EdDSA'
    CHECK (algorithm IN ('EdDSA', 'RS256'));

-- W3C Bitstring Status Lists of revocations. Which bits are set is not stored: it is
-- read from the certificates themselves, so a revocation sets its bit in the very
-- transaction that revokes.
CREATE TABLE status_lists (
    id         TEXT PRIMARY KEY NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 131072 AND size % 8 = 0),
    created_at TIMESTAMP NOT NULL
);

-- A certificate's place in a list: drawn at random, so that the list says nothing of how
-- many certificates were issued or in what order.
CREATE TABLE status_entries (
    certificate_number TEXT PRIMARY KEY NOT NULL REFERENCES certificates (number),
    list_id            TEXT NOT NULL REFERENCES status_lists (id),
    list_index         INTEGER NOT NULL CHECK (list_index >= 0),
    UNIQUE (list_id, list_index)
);

-- Requests per partner API key and minute, counted in the database so that a budget
-- holds across instances.
CREATE TABLE partner_usage (
    partner_id   TEXT NOT NULL REFERENCES partners (id),
    window_start TIMESTAMP NOT NULL,
    requests     INTEGER NOT NULL CHECK (requests > 0),
    PRIMARY KEY (partner_id, window_start)
);
