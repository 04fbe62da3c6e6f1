-- PostgreSQL's save_selection function has no SQLite counterpart: SQLite's saves go
-- through the group-committing writer in-process, where a round trip costs nothing.
-- Kept so that both backends list the same migrations.
SELECT 1;
