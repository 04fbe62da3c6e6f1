-- Saves are recorded in answer_saves; a timestamp on the attempt row cost a write per save.
ALTER TABLE attempts DROP COLUMN last_saved_at;
