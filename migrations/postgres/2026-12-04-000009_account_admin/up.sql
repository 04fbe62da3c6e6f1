-- Accounts an administrator can disable, and whose address is proven by a mailed link.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
-- Accounts made before addresses were verified keep working as they did.
UPDATE users SET email_verified_at = created_at;

-- One-time links (password reset, address verification), kept only as hashes.
CREATE TABLE account_tokens (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    CHECK (expires_at > created_at)
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- Whom an administrator's change was about.
ALTER TABLE audit_log ADD COLUMN subject_user_id TEXT;
CREATE INDEX audit_by_subject ON audit_log (subject_user_id, at, seq);
