DROP TABLE program_guide;
ALTER TABLE certifications DROP COLUMN guide;
ALTER TABLE attempts DROP COLUMN practice;
ALTER TABLE questions DROP COLUMN practice;
