-- PostgreSQL's save_answer function has no SQLite counterpart (see migration 000015).
SELECT 1;
