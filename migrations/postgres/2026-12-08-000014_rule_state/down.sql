DROP TABLE attempt_rule_states;
