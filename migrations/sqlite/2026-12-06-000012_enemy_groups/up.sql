-- Enemy groups: no form holds two items of one group. Kept with the item, not its
-- versions: regrouping changes no content.
ALTER TABLE questions ADD COLUMN enemy_group TEXT CHECK (enemy_group IS NULL OR length(enemy_group) BETWEEN 1 AND 64);
