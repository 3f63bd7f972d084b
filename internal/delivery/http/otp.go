package http

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
)

// OTPService is what the /otp routes need.
type OTPService interface {
	GenerateOTP(ctx context.Context, sess *domain.Session) (*accounts.OTPKey, error)
	VerifyOTP(ctx context.Context, sess *domain.Session, code string) (*accounts.User, error)
	ValidateOTP(ctx context.Context, sess *domain.Session, code string) (*accounts.User, error)
	DisableOTP(ctx context.Context, sess *domain.Session, code, password string) (*accounts.User, error)
}

var _ OTPService = (*accounts.Service)(nil)

// mountOTP registers /otp/* (owned by the accounts feature).
func (s *Server) mountOTP(r chi.Router) {
	if s.OTP == nil {
		r.HandleFunc("/otp/*", s.unavailable)
		return
	}
	r.With(s.requireAuth).Get("/otp/generate", s.handle(s.otpGenerate))
	r.With(s.requireAuth).Patch("/otp/verify", s.handle(withBody(s.otpVerify)))
	r.With(s.requireAuth).Patch("/otp/disable", s.handle(withBody(s.otpDisable)))
	r.With(s.authLimits("otp", keyByOTPToken)...).With(s.authenticateWith(otpToken, true)).Patch("/otp/validate", s.handle(withBody(s.otpValidate)))
}

// OTPCodeRequest is {token: "<6-digit code or recovery code>"}; disable
// also accepts the account password instead.
type OTPCodeRequest struct {
	Token    string `json:"token"`
	Password string `json:"password,omitempty"`
}

// generateOTP starts TOTP enrolment.
func (s *Server) generateOTP(w http.ResponseWriter, r *http.Request) error {
	key, err := s.OTP.GenerateOTP(r.Context(), sessionFrom(r))
	return replySecret(w, http.StatusCreated, key, err)
}

// enableOTP confirms enrolment and returns the user with recovery codes.
func (s *Server) enableOTP(w http.ResponseWriter, r *http.Request, req OTPCodeRequest) error {
	u, err := s.OTP.VerifyOTP(r.Context(), sessionFrom(r), req.Token)
	return replySecret(w, http.StatusAccepted, u, err)
}

// disableOTP turns TOTP off with a code, a recovery code or the password.
func (s *Server) disableOTP(w http.ResponseWriter, r *http.Request, req OTPCodeRequest) error {
	u, err := s.OTP.DisableOTP(r.Context(), sessionFrom(r), req.Token, req.Password)
	return reply(w, http.StatusAccepted, u, err)
}

// otpToken is the login token of /otp/validate: the bearer token when sent,
// else the HttpOnly cookie set by login (the stock frontend sends no
// Authorization header on this call).
func otpToken(r *http.Request) (string, error) {
	if r.Header.Get("Authorization") != "" {
		return bearerToken(r)
	}
	if c, err := r.Cookie(otpCookie); err == nil && c.Value != "" {
		return c.Value, nil
	}
	return "", &domain.Error{Code: domain.EUNAUTHORIZED, Field: "Authorization",
		Message: "authentication required: send Authorization: Bearer <token> or log in again"}
}

// keyByOTPToken limits code guesses per login token, whatever the IP.
func keyByOTPToken(r *http.Request) (string, error) {
	t, _ := otpToken(r)
	return "otp:" + shortHash(t), nil
}

// validateOTP lets an OTP-pending login token through.
func (s *Server) validateOTP(w http.ResponseWriter, r *http.Request, req OTPCodeRequest) error {
	u, err := s.OTP.ValidateOTP(r.Context(), sessionFrom(r), req.Token)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: otpCookie, Value: "", Path: "/api/v1/otp", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secureCookies(r)})
	return reply(w, http.StatusAccepted, u, nil)
}
