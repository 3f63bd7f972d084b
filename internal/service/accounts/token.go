package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"
)

// tokenBytes is the entropy of bearer and reset tokens: 160 bits.
const tokenBytes = 20

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newToken returns a random opaque token and the SHA-256 that is stored in
// its place; the plaintext goes only to the client.
func newToken() (plain string, hash []byte, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("reading random token: %w", err)
	}
	plain = tokenEncoding.EncodeToString(b)
	return plain, HashToken(plain), nil
}

// HashToken is the stored form of a token.
func HashToken(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

// validTokenShape rejects obviously malformed tokens before any database
// round trip (32 base32 characters).
func validTokenShape(t string) bool {
	if len(t) != tokenEncoding.EncodedLen(tokenBytes) {
		return false
	}
	return strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == ""
}

func constantEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func stepTime(step int64) time.Time { return time.Unix(step*totpPeriod, 0) }
