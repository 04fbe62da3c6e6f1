-- Partners' webhook endpoints. The secret signs deliveries; the partner's verifier needs
-- the same bytes, so unlike API keys it is kept, not hashed.
CREATE TABLE webhook_endpoints (
    id                TEXT PRIMARY KEY NOT NULL,
    partner_id        TEXT NOT NULL REFERENCES partners (id),
    url               TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    secret            TEXT NOT NULL CHECK (secret LIKE 'whsec_%'),
    every_certificate BOOLEAN NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    deleted_at        TIMESTAMP
);
CREATE INDEX webhook_endpoints_partner ON webhook_endpoints (partner_id);

-- The certificates a partner has checked through its API: what its webhooks are about.
CREATE TABLE partner_certificates (
    partner_id         TEXT NOT NULL REFERENCES partners (id),
    certificate_number TEXT NOT NULL REFERENCES certificates (number),
    first_verified_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (partner_id, certificate_number)
);

-- Messages to send, written in the transaction of the change that causes them (a
-- transactional outbox) and delivered by a worker; `dedupe_key` makes a cause queue its
-- message once, however often it is processed.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('mail', 'webhook')),
    event           TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    recipient       TEXT,
    endpoint_id     TEXT REFERENCES webhook_endpoints (id),
    payload         TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    claimed_until   TIMESTAMP,
    delivered_at    TIMESTAMP,
    abandoned_at    TIMESTAMP,
    last_status     INTEGER,
    last_error      TEXT,
    CHECK ((channel = 'mail' AND recipient IS NOT NULL AND endpoint_id IS NULL)
        OR (channel = 'webhook' AND endpoint_id IS NOT NULL AND recipient IS NULL)),
    CHECK (delivered_at IS NULL OR abandoned_at IS NULL)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND abandoned_at IS NULL;
CREATE INDEX outbox_by_endpoint ON outbox (endpoint_id, created_at);
