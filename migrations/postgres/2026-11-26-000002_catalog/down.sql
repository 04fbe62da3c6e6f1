DROP TABLE question_versions;
DROP TABLE questions;
DROP TABLE certification_domains;
DROP TABLE certification_prerequisites;
DROP TABLE certifications;
