DROP TABLE partner_usage;
DROP TABLE status_entries;
DROP TABLE status_lists;
ALTER TABLE signing_keys DROP COLUMN algorithm;
