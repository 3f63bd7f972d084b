package http

import (
	"context"
	"net/http"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// Authenticator resolves a bearer token to a session. Unknown, expired or
// revoked tokens are EUNAUTHORIZED; an inactive user is EFORBIDDEN.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*domain.Session, error)
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", &domain.Error{Code: domain.EUNAUTHORIZED, Field: "Authorization",
			Message: "authentication required: send Authorization: Bearer <token>"}
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", &domain.Error{Code: domain.EUNAUTHORIZED, Field: "Authorization",
			Message: "malformed Authorization header, expected Bearer <token>"}
	}
	return strings.TrimSpace(token), nil
}

// authenticate resolves the session from the bearer token; allowPending
// lets a token that has not passed TOTP through (only /otp/validate and
// logout use that).
func (s *Server) authenticate(allowPending bool) func(http.Handler) http.Handler {
	return s.authenticateWith(bearerToken, allowPending)
}

// authenticateWith is authenticate with another token source (/otp/validate
// also accepts the login's HttpOnly cookie).
func (s *Server) authenticateWith(tokenOf func(*http.Request) (string, error), allowPending bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if !allowPending {
			// Every customer write accepts an Idempotency-Key.
			next = s.idempotency(next)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Authorization")
			if s.Auth == nil {
				s.unavailable(w, r)
				return
			}
			token, err := tokenOf(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			sess, err := s.Auth.Authenticate(r.Context(), token)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if sess.OTPPending && !allowPending {
				s.writeError(w, r, &domain.Error{Code: domain.EOTPREQUIRED, Field: "otp_verified",
					Message: "two-factor authentication required: validate your one-time code first"})
				return
			}
			if st := activityFrom(r); st != nil {
				st.session = sess // the activity trail records who, after the handler
			}
			next.ServeHTTP(w, withValue(r, sessionKey, sess))
		})
	}
}

// requireAuth guards every customer route: valid token and, when the user
// enabled TOTP, a token that passed validation.
func (s *Server) requireAuth(next http.Handler) http.Handler { return s.authenticate(false)(next) }

// requireAuthAllowOTPPending is for /otp/validate and /users/logout.
func (s *Server) requireAuthAllowOTPPending(next http.Handler) http.Handler {
	return s.authenticate(true)(next)
}

// sessionFrom returns the session set by requireAuth (nil outside it).
func sessionFrom(r *http.Request) *domain.Session {
	sess, _ := r.Context().Value(sessionKey).(*domain.Session)
	return sess
}

// customer returns who is asking; only call it behind requireAuth.
func customer(r *http.Request) domain.Customer {
	if sess := sessionFrom(r); sess != nil {
		return sess.Customer
	}
	return domain.Customer{}
}
