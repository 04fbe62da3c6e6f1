-- Every change that ends what an access token may do (an account's role changed, the
-- account disabled, re-enabled or deleted, a session revoked), written by triggers in the
-- changing transaction itself, whichever process or tool made it. Each instance reads the
-- rows past the last it saw a few times a second and forgets what it remembered about
-- those accounts (src/auth/account_feed.rs).
CREATE TABLE account_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL
);

CREATE TRIGGER account_changed AFTER UPDATE OF role, disabled_at ON users
WHEN OLD.role IS NOT NEW.role OR OLD.disabled_at IS NOT NEW.disabled_at
BEGIN
    INSERT INTO account_changes (user_id) VALUES (NEW.id);
END;

CREATE TRIGGER account_deleted AFTER DELETE ON users
BEGIN
    INSERT INTO account_changes (user_id) VALUES (OLD.id);
END;

CREATE TRIGGER session_revoked AFTER UPDATE OF revoked_at ON refresh_tokens
WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
    INSERT INTO account_changes (user_id) VALUES (NEW.user_id);
END;
