ALTER TABLE attempts ADD COLUMN last_saved_at TIMESTAMP;
