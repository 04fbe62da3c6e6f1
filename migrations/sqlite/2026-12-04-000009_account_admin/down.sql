DROP INDEX audit_by_subject;
ALTER TABLE audit_log DROP COLUMN subject_user_id;
DROP TABLE account_tokens;
ALTER TABLE users DROP COLUMN email_verified_at;
ALTER TABLE users DROP COLUMN disabled_at;
