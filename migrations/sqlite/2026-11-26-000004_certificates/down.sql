DROP TABLE signing_keys;
DROP TABLE partners;
ALTER TABLE results DROP COLUMN certificate_number;
DROP TABLE certificate_events;
DROP TABLE certificates;
