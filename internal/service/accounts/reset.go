package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
)

// RestoreMessage is the answer to every reset request, known e-mail or not.
const RestoreMessage = "if this e-mail is registered, a link to reset the password has been sent"

var errResetToken = domain.Invalid("token", "the reset link is invalid or has expired")

// RequestPasswordReset mails a single-use reset link to an active user.
// Unknown and inactive addresses get the same (silent) success.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	email, err := normalizeEmail("email", email)
	if err != nil {
		return err
	}
	u, err := s.d.Users.ByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	if !u.IsActive {
		return nil
	}
	plain, hash, err := newToken()
	if err != nil {
		return err
	}
	expiry := s.now().Add(s.cfg.Auth.ResetTokenTTL).UTC()
	if err := s.d.Tokens.Insert(ctx, domain.Token{Hash: hash, UserID: u.ID, Scope: domain.ScopePasswordReset, Expiry: expiry}); err != nil {
		return fmt.Errorf("password reset: storing token: %w", err)
	}
	s.enqueue(ctx, mail.Message{To: u.Email, Template: mail.TemplatePasswordReset, Data: mail.Data{
		FirstName: u.FirstName, LastName: u.LastName, ValidUntil: expiry,
		Link: s.link("/auth/reset", url.Values{"token": {plain}}),
	}})
	return nil
}

// ResetPassword sets a new password with a reset token. The token is used
// up, and every session of the user is revoked: whoever asked for a reset
// may be locking out someone who knew the old password. It returns the
// user whose password changed (for the activity trail) and how many logins
// were revoked.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*domain.User, int64, error) {
	if token == "" {
		return nil, 0, domain.Invalid("token", "must be provided")
	}
	if err := s.checkNewPassword("password", password); err != nil {
		return nil, 0, err
	}
	if !validTokenShape(token) {
		return nil, 0, errResetToken
	}
	hash := HashToken(token)
	_, u, err := s.d.Tokens.ByHash(ctx, hash, domain.ScopePasswordReset)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, 0, errResetToken
	}
	if err != nil {
		return nil, 0, fmt.Errorf("password reset: %w", err)
	}
	// Consume every reset token first: if anything below fails the link is
	// gone, never reusable. Of two concurrent uses of one link only the one
	// whose DELETE removed rows goes on.
	n, err := s.d.Tokens.DeleteAllForUser(ctx, u.ID, domain.ScopePasswordReset)
	if err != nil {
		return nil, 0, fmt.Errorf("password reset: %w", err)
	}
	if n == 0 {
		return nil, 0, errResetToken
	}
	if !u.IsActive {
		return nil, 0, errResetToken
	}
	ph, err := s.passwords.hash(password)
	if err != nil {
		return nil, 0, err
	}
	if err := s.d.Users.UpdatePassword(ctx, u.ID, ph); err != nil {
		return nil, 0, fmt.Errorf("password reset: %w", err)
	}
	revoked, err := s.d.Tokens.DeleteAllForUser(ctx, u.ID, domain.ScopeAuthentication)
	if err != nil {
		return nil, 0, fmt.Errorf("password reset: revoking sessions: %w", err)
	}
	return u, revoked, nil
}
