DROP TRIGGER session_revoked;
DROP TRIGGER account_deleted;
DROP TRIGGER account_changed;
DROP TABLE account_changes;
