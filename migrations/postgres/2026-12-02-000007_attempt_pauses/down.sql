DROP TABLE attempt_pauses;
