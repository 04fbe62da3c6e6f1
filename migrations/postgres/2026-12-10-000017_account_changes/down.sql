DROP TRIGGER session_revoked ON refresh_tokens;
DROP TRIGGER account_deleted ON users;
DROP TRIGGER account_changed ON users;
DROP FUNCTION note_session_revoked;
DROP FUNCTION note_account_change;
DROP TABLE account_changes;
