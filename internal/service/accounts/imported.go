package accounts

// SealTOTPSecret encrypts a base32 TOTP secret for userID exactly as
// enrolment stores it in users.otp_secret, so a secret carried over from
// the earlier backend (`portal import earlier`) is checked at login like
// one set up here.
func (c *Cipher) SealTOTPSecret(userID int64, secret string) ([]byte, error) {
	return c.Seal([]byte(secret), secretAAD(userID))
}

// OpenTOTPSecret is the inverse of SealTOTPSecret.
func (c *Cipher) OpenTOTPSecret(userID int64, sealed []byte) (string, error) {
	b, err := c.Open(sealed, secretAAD(userID))
	return string(b), err
}
