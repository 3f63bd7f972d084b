DROP TABLE IF EXISTS activity;
DROP FUNCTION IF EXISTS activity_append_only();
