-- Every change that ends what an access token may do (an account's role changed, the
-- account disabled, re-enabled or deleted, a session revoked), written by triggers in the
-- changing transaction itself, whichever instance or tool made it. Each instance reads the
-- rows past the last it saw a few times a second and forgets what it remembered about
-- those accounts (src/auth/account_feed.rs).
CREATE TABLE account_changes (
    seq BIGSERIAL PRIMARY KEY,
    user_id TEXT NOT NULL
);

CREATE FUNCTION note_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO account_changes (user_id) VALUES (OLD.id);
    ELSE
        INSERT INTO account_changes (user_id) VALUES (NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION note_session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_changes (user_id) VALUES (NEW.user_id);
    RETURN NULL;
END
$$;

CREATE TRIGGER account_changed AFTER UPDATE OF role, disabled_at ON users FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.disabled_at IS DISTINCT FROM NEW.disabled_at)
    EXECUTE FUNCTION note_account_change();

CREATE TRIGGER account_deleted AFTER DELETE ON users FOR EACH ROW
    EXECUTE FUNCTION note_account_change();

CREATE TRIGGER session_revoked AFTER UPDATE OF revoked_at ON refresh_tokens FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION note_session_revoked();
