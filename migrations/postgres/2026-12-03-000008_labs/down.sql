ALTER TABLE results DROP COLUMN labs;
ALTER TABLE answers DROP COLUMN grade, DROP COLUMN diagnostics, DROP COLUMN artifact;
DELETE FROM question_versions WHERE kind = 'lab';
ALTER TABLE question_versions DROP COLUMN lab,
    DROP CONSTRAINT question_versions_kind_check,
    ADD CONSTRAINT question_versions_kind_check
        CHECK (kind IN ('single', 'multiple', 'true_false', 'ordering'));
