package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// errBadCredentials is the one answer for a wrong e-mail or a wrong
// password, so the two cannot be told apart.
var errBadCredentials = &domain.Error{Code: domain.EINVALID, Field: "password", Message: "invalid e-mail or password"}

var errTokenInvalid = &domain.Error{Code: domain.EUNAUTHORIZED, Field: "Authorization", Message: "Token Error: the token is invalid or expired"}

// Login checks the credentials and issues a bearer token. When the user
// has TOTP enabled the token starts OTP-pending.
func (s *Service) Login(ctx context.Context, email, password string) (*LoginResult, error) {
	email, err := normalizeEmail("email", email)
	if err != nil {
		return nil, err
	}
	if err := checkGivenPassword("password", password); err != nil {
		return nil, err
	}
	u, err := s.d.Users.ByEmail(ctx, email)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, fmt.Errorf("login: %w", err)
	}
	if u == nil {
		// Same work as a real check, so response time does not reveal
		// whether the address is registered.
		s.passwords.checkNobody(password)
		return nil, errBadCredentials
	}
	ok, err := s.passwords.check(ctx, u, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errBadCredentials
	}
	if !u.IsActive {
		return nil, domain.Errorf(domain.EFORBIDDEN, "this account is disabled")
	}
	plain, hash, err := newToken()
	if err != nil {
		return nil, err
	}
	expiry := s.now().Add(s.cfg.Auth.TokenTTL).UTC()
	if err := s.d.Tokens.Insert(ctx, domain.Token{Hash: hash, UserID: u.ID, Scope: domain.ScopeAuthentication, Expiry: expiry}); err != nil {
		return nil, fmt.Errorf("login: storing token: %w", err)
	}
	return &LoginResult{ID: u.ID, Token: plain, Expiry: expiry, OTPEnabled: u.OTPEnabled}, nil
}

// Logout revokes the token of the session.
func (s *Service) Logout(ctx context.Context, sess *domain.Session) error {
	if sess == nil {
		return nil
	}
	if err := s.d.Tokens.Delete(ctx, sess.TokenHash); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// Authenticate resolves a bearer token (one indexed query, nothing cached,
// so revocation is immediate).
func (s *Service) Authenticate(ctx context.Context, token string) (*domain.Session, error) {
	if !validTokenShape(token) {
		return nil, errTokenInvalid
	}
	hash := HashToken(token)
	t, u, err := s.d.Tokens.ByHash(ctx, hash, domain.ScopeAuthentication)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, errTokenInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if !u.IsActive {
		return nil, &domain.Error{Code: domain.EFORBIDDEN, Field: "is_active", Message: "this account is disabled"}
	}
	return &domain.Session{
		User: *u,
		Customer: domain.Customer{
			UserID: u.ID, ContactID: u.ContactID, AccountID: u.AccountID,
			Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		},
		TokenHash:  hash,
		OTPPending: u.OTPEnabled && !t.OTPPassed,
	}, nil
}
