package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
)

// SignIn is registration, login and password reset.
type SignIn interface {
	Register(ctx context.Context, in accounts.Registration) (*accounts.User, error)
	Login(ctx context.Context, email, password string) (*accounts.LoginResult, error)
	Logout(ctx context.Context, sess *domain.Session) error
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, token, password string) (*domain.User, int64, error)
}

// Profiles reads and changes the customer's own profile and settings.
type Profiles interface {
	Profile(ctx context.Context, sess *domain.Session) (*accounts.User, error)
	UpdateProfile(ctx context.Context, sess *domain.Session, in accounts.ProfileUpdate) (*accounts.User, error)
	Settings(ctx context.Context, sess *domain.Session) (map[string]bool, error)
	UpdateSettings(ctx context.Context, sess *domain.Session, in map[string]bool) (map[string]bool, error)
}

// Organisation reads the customer's organisation and its people.
type Organisation interface {
	Account(ctx context.Context, sess *domain.Session) (map[string]any, error)
	Colleagues(ctx context.Context, sess *domain.Session, page, size int) ([]accounts.Colleague, int, error)
}

// AccountService is what the users routes need.
type AccountService interface {
	SignIn
	Profiles
	Organisation
}

var _ AccountService = (*accounts.Service)(nil)

// otpCookie carries the login token to PATCH /otp/validate, which the stock
// frontend sends without Authorization (contract decision 2). Its value is
// the login token itself: it is HttpOnly (scripts cannot read it),
// SameSite=Strict (no cross-site sends), limited to /api/v1/otp and lives a
// few minutes, and the only thing it unlocks there is the chance to type a
// TOTP code for that very token — a separate random value would need its
// own storage and binding and protect nothing more.
const otpCookie = "portal_otp"

// mountUsers registers /users/* (owned by the accounts feature).
func (s *Server) mountUsers(r chi.Router) {
	if s.Accounts == nil {
		r.HandleFunc("/users", s.unavailable)
		r.HandleFunc("/users/*", s.unavailable)
		return
	}
	r.With(s.authLimits("register", keyByEmailBody)...).Post("/users", s.handle(withBody(s.register)))
	r.With(s.authLimits("login", keyByEmailBody)...).Post("/users/login", s.handle(withBody(s.login)))
	r.With(s.authLimits("restore", keyByEmailBody)...).Post("/users/restore", s.handle(withBody(s.restore)))
	r.With(s.authLimits("password", keyByTokenBody)...).Put("/users/password", s.handle(withBody(s.resetPassword)))

	r.With(s.requireAuthAllowOTPPending).Post("/users/logout", s.handle(s.logout))
	r.With(s.requireAuthAllowOTPPending).Get("/users/logout", s.handle(s.logout))

	r.Group(func(r chi.Router) {
		r.Use(s.requireAuth)
		r.Get("/users/my", s.handle(s.getProfile))
		r.Put("/users/my", s.handle(withBody(s.updateProfile)))
		r.Get("/users/my/account", s.handle(s.getAccount))
		r.Get("/users/all", s.handle(s.colleagues))
		r.Get("/users/settings", s.handle(s.getSettings))
		r.Patch("/users/settings", s.handle(withBody(s.updateSettings)))
	})
}

// authLimits are the stricter limits of the anonymous auth routes:
// authPerMinute per client IP, and per second key (e-mail or token) so one
// address cannot be hammered from many IPs. Each route has its own budget
// (its own counters in process, its own name in Redis); with Redis they
// count across instances and fall back to in-process counting while
// Redis is unavailable.
func (s *Server) authLimits(route string, second func(*http.Request) (string, error)) []func(http.Handler) http.Handler {
	n := s.Config.Limiter.AuthPerMinute
	if n <= 0 {
		return nil
	}
	mw := []func(http.Handler) http.Handler{s.limiter("auth:"+route+":ip", n, time.Minute, keyByIP, failLocal)}
	if second != nil {
		mw = append(mw, s.limiter("auth:"+route, n, time.Minute, second, failLocal))
	}
	return mw
}

// peekBody reads the (already size-limited) body and puts it back, so a
// limiter can look at it before the handler decodes it. A read error is
// replayed to the handler, which reports it (e.g. 413).
func peekBody(r *http.Request) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// keyByEmailBody keys on the lower-cased "email" of a JSON body.
func keyByEmailBody(r *http.Request) (string, error) {
	var v struct {
		Email any `json:"email"`
	}
	_ = json.Unmarshal(peekBody(r), &v)
	e, _ := v.Email.(string)
	return "email:" + strings.ToLower(strings.TrimSpace(e)), nil
}

// keyByTokenBody keys on the hash of a JSON body's "token" (password reset).
func keyByTokenBody(r *http.Request) (string, error) {
	var v struct {
		Token any `json:"token"`
	}
	_ = json.Unmarshal(peekBody(r), &v)
	t, _ := v.Token.(string)
	return "token:" + shortHash(t), nil
}

func shortHash(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:16])
}

// RegisterRequest is the sign-up body; confirmPassword and terms are
// checked by the frontend and ignored here.
type RegisterRequest struct {
	Email    string `json:"email"`
	Code     string `json:"code"`
	Password string `json:"password"`
}

// registerUser creates a portal user from a CRM contact and its code.
func (s *Server) registerUser(w http.ResponseWriter, r *http.Request, req RegisterRequest) error {
	u, err := s.Accounts.Register(r.Context(), accounts.Registration{Email: req.Email, Code: req.Code, Password: req.Password})
	if err != nil {
		return err
	}
	activitySubject(r, domain.Customer{UserID: u.ID, ContactID: u.CRMID, AccountID: u.AccountID,
		Email: u.Email, FirstName: u.FirstName, LastName: u.LastName})
	return reply(w, http.StatusCreated, u, nil)
}

// LoginRequest is {email, password}.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// loginUser issues a bearer token. With TOTP enabled it also sets the
// short-lived OTP cookie for /otp/validate.
func (s *Server) loginUser(w http.ResponseWriter, r *http.Request, req LoginRequest) error {
	res, err := s.Accounts.Login(r.Context(), req.Email, req.Password)
	if err != nil {
		return err
	}
	if res.OTPEnabled {
		ttl := s.Config.Auth.OTPCookieTTL
		http.SetCookie(w, &http.Cookie{
			Name: otpCookie, Value: res.Token, Path: "/api/v1/otp",
			MaxAge: int(ttl.Seconds()), HttpOnly: true, SameSite: http.SameSiteStrictMode,
			Secure: s.secureCookies(r),
		})
	}
	return replySecret(w, http.StatusCreated, res, nil)
}

// secureCookies: behind TLS (directly or at a trusted proxy) and always in
// production; plain-HTTP development keeps working.
func (s *Server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || s.Config.Environment == "production" ||
		strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// revokeSession revokes the bearer token.
func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) error {
	if err := s.Accounts.Logout(r.Context(), sessionFrom(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// RestoreRequest is {email}.
type RestoreRequest struct {
	Email string `json:"email"`
}

// requestPasswordReset mails a password reset link; the answer is the
// same for unknown addresses.
func (s *Server) requestPasswordReset(w http.ResponseWriter, r *http.Request, req RestoreRequest) error {
	err := s.Accounts.RequestPasswordReset(r.Context(), req.Email)
	return reply(w, http.StatusCreated, PingResponse{Success: true, Message: accounts.RestoreMessage}, err)
}

// ResetPasswordRequest is {token, password}.
type ResetPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// PasswordResetResponse says the password changed and how many logins of
// the user were revoked (a reset logs out every session).
type PasswordResetResponse struct {
	Success         bool   `json:"success"`
	Message         string `json:"message"`
	SessionsRevoked int64  `json:"sessions_revoked"`
}

// resetPasswordWithToken sets a new password with a reset token; every
// session of the user is revoked.
func (s *Server) resetPasswordWithToken(w http.ResponseWriter, r *http.Request, req ResetPasswordRequest) error {
	u, n, err := s.Accounts.ResetPassword(r.Context(), req.Token, req.Password)
	if err != nil {
		return err
	}
	activitySubject(r, domain.Customer{UserID: u.ID, ContactID: u.ContactID, AccountID: u.AccountID,
		Email: u.Email, FirstName: u.FirstName, LastName: u.LastName})
	return reply(w, http.StatusAccepted, PasswordResetResponse{Success: true, SessionsRevoked: n,
		Message: fmt.Sprintf("the password has been changed; %d session(s) were logged out, log in with the new password", n)}, nil)
}

// profile returns the user with live Contact data.
func (s *Server) profile(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Accounts.Profile(r.Context(), sessionFrom(r))
	return replyData(w, http.StatusOK, u, err)
}

// profileStringFields are the keys of PUT /users/my read as strings.
var profileStringFields = []string{"imagename", "imagetype", "imagecontent", "old_password", "password", "confirmPassword"}

// changeProfile changes whitelisted Contact fields, the avatar and/or the
// password (old_password, password, confirmPassword).
func (s *Server) changeProfile(w http.ResponseWriter, r *http.Request, body map[string]any) error {
	if body == nil {
		return domain.Errorf(domain.EBADREQUEST, "request body must be a JSON object")
	}
	strs := map[string]string{}
	for k, v := range body {
		_, known := accounts.ProfileFields[k]
		if !known && !containsStr(profileStringFields, k) {
			continue // account_name and other extras are ignored (contract decision 8)
		}
		switch v := v.(type) {
		case nil:
		case string:
			strs[k] = v
		default:
			return domain.Invalid(k, "must be a string")
		}
	}
	in := accounts.ProfileUpdate{
		Fields:          map[string]string{},
		ImageName:       strs["imagename"],
		ImageContent:    strs["imagecontent"],
		OldPassword:     strs["old_password"],
		Password:        strs["password"],
		ConfirmPassword: strs["confirmPassword"],
	}
	for k, v := range strs {
		if _, ok := accounts.ProfileFields[k]; ok {
			in.Fields[k] = v
		}
	}
	if len(in.Fields) > 0 && activityWanted(r) {
		// The form sends every field each time: the old values let the
		// activity trail keep only what really changed.
		if old, err := s.Accounts.Profile(r.Context(), sessionFrom(r)); err == nil {
			activityOld(r, structFields(old))
		}
	}
	u, err := s.Accounts.UpdateProfile(r.Context(), sessionFrom(r), in)
	return reply(w, http.StatusAccepted, u, err)
}

func containsStr(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// organisation returns the user's organisation.
func (s *Server) organisation(w http.ResponseWriter, r *http.Request) error {
	acc, err := s.Accounts.Account(r.Context(), sessionFrom(r))
	return replyData(w, http.StatusOK, acc, err)
}

// listColleagues lists the other contacts of the user's organisation.
func (s *Server) listColleagues(w http.ResponseWriter, r *http.Request) error {
	maxSize := s.Config.Vtiger.Business.MaxPageSize
	page, size, err := pageQuery(r, maxSize, maxSize)
	if err != nil {
		return err
	}
	list, count, err := s.Accounts.Colleagues(r.Context(), sessionFrom(r), page, size)
	return reply(w, http.StatusOK, ListEnvelope{Data: list, Count: count, Page: page, Size: size}, err)
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, domain.Invalid(name, "must be an integer between %d and %d", lo, hi)
	}
	return n, nil
}

// pageQuery reads the page (from 1) and size (1 to maxSize, def when left
// out) of a paged list.
func pageQuery(r *http.Request, def, maxSize int) (page, size int, err error) {
	if page, err = queryInt(r, "page", 1, 1, 1<<20); err != nil {
		return 0, 0, err
	}
	size, err = queryInt(r, "size", def, 1, maxSize)
	return page, size, err
}

// settings returns the boolean Contact fields configured as settings.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Accounts.Settings(r.Context(), sessionFrom(r))
	return reply(w, http.StatusOK, st, err)
}

// changeSettings writes one or more settings; unknown keys are 422.
func (s *Server) changeSettings(w http.ResponseWriter, r *http.Request, body map[string]any) error {
	in := make(map[string]bool, len(body))
	for k, v := range body {
		b, ok := asBool(v)
		if !ok {
			return domain.Invalid(k, "must be a boolean")
		}
		in[k] = b
	}
	if activityWanted(r) {
		if old, err := s.Accounts.Settings(r.Context(), sessionFrom(r)); err == nil {
			m := make(map[string]any, len(old))
			for k, v := range old {
				m[k] = v
			}
			activityOld(r, m)
		}
	}
	st, err := s.Accounts.UpdateSettings(r.Context(), sessionFrom(r), in)
	return reply(w, http.StatusAccepted, st, err)
}

// asBool accepts JSON booleans and the CRM's "1"/"0" spellings.
func asBool(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case float64:
		if v == 0 || v == 1 {
			return v == 1, true
		}
	case string:
		switch strings.ToLower(v) {
		case "1", "true", "on", "yes":
			return true, true
		case "0", "false", "off", "no", "":
			return false, true
		}
	}
	return false, false
}
