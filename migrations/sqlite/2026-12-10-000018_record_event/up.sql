-- PostgreSQL's record_event function has no SQLite counterpart (see migration 000015).
SELECT 1;
