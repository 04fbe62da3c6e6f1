-- Practical lab tasks. A lab's version carries its artifact and checks as JSON
-- ({format, filename, starter, reference, checks}); no other kind has one.
ALTER TABLE question_versions ADD COLUMN lab TEXT,
    DROP CONSTRAINT question_versions_kind_check,
    ADD CONSTRAINT question_versions_kind_check
        CHECK (kind IN ('single', 'multiple', 'true_false', 'ordering', 'lab')),
    ADD CONSTRAINT question_versions_lab_iff_kind CHECK ((kind = 'lab') = (lab IS NOT NULL));

-- A lab's answer is the artifact as saved (at most 64 KiB), its syntax diagnostics, and
-- the grade its check set gives it (JSON), written after the save has been answered so
-- that no response's timing depends on the checks; choice answers have none of them.
ALTER TABLE answers ADD COLUMN artifact TEXT, ADD COLUMN diagnostics TEXT, ADD COLUMN grade TEXT,
    ADD CONSTRAINT answers_artifact_size CHECK (octet_length(artifact) <= 65536),
    ADD CONSTRAINT answers_diagnostics_iff_artifact
        CHECK ((artifact IS NULL) = (diagnostics IS NULL)),
    ADD CONSTRAINT answers_grade_of_artifact CHECK (grade IS NULL OR artifact IS NOT NULL);

-- Each lab's outcome as scored ([{question_id, position, points_awarded, …, checks}]).
ALTER TABLE results ADD COLUMN labs TEXT NOT NULL DEFAULT '[]';
