DROP TABLE IF EXISTS otp_pending;
DROP TABLE IF EXISTS otp_recovery_codes;
