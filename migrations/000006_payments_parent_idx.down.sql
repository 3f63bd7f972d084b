DROP INDEX IF EXISTS payments_parent_status_idx;
