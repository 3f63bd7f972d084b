package accounts

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

const (
	maxEmailLen    = 254
	maxPasswordLen = 128 // characters; argon2 takes any length, this just bounds the work
	maxCodeLen     = 64
)

// normalizeEmail validates an address and returns it trimmed; the letter
// case is kept for display, comparisons use lower().
func normalizeEmail(field, email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", domain.Invalid(field, "must be provided")
	}
	if len(email) > maxEmailLen {
		return "", domain.Invalid(field, "must not be longer than %d characters", maxEmailLen)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email {
		return "", domain.Invalid(field, "must be a valid e-mail address")
	}
	return email, nil
}

// checkNewPassword enforces the length policy on a password being set.
func (s *Service) checkNewPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		return domain.Invalid(field, "must be provided")
	case n < s.cfg.Auth.MinPassword:
		return domain.Invalid(field, "must be at least %d characters long", s.cfg.Auth.MinPassword)
	case n > maxPasswordLen:
		return domain.Invalid(field, "must not be longer than %d characters", maxPasswordLen)
	}
	return nil
}

// checkGivenPassword bounds a password being checked (not set), so a huge
// value cannot make the hash expensive.
func checkGivenPassword(field, pw string) error {
	switch {
	case pw == "":
		return domain.Invalid(field, "must be provided")
	case utf8.RuneCountInString(pw) > maxPasswordLen:
		return domain.Invalid(field, "must not be longer than %d characters", maxPasswordLen)
	}
	return nil
}

// str reads a Vtiger field as a string.
func str(m map[string]any, k string) string { return domain.FieldText(m[k]) }

// truthy reads a Vtiger checkbox ("1", "on", "yes", "true").
func truthy(m map[string]any, k string) bool {
	switch strings.ToLower(strings.TrimSpace(str(m, k))) {
	case "1", "on", "yes", "true":
		return true
	}
	return false
}
