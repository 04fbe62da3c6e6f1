DROP TABLE results;
DROP TABLE answers;
DROP TABLE attempt_questions;
DROP TABLE attempts;
