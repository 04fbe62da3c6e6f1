ALTER TABLE questions DROP COLUMN enemy_group;
