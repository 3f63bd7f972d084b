ALTER TABLE payments DROP COLUMN mismatch;
DROP TABLE idempotency_keys;
