DROP TABLE audit_log;
DROP TABLE accommodations;
DROP TABLE attempt_warnings;
DROP TABLE attempt_flags;
DROP TABLE answer_saves;
DROP TABLE attempt_events;
ALTER TABLE attempts DROP COLUMN extra_time_percent;
ALTER TABLE attempts DROP COLUMN paused_at;
