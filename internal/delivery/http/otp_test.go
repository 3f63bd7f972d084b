package http

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

func TestAcctOTPLifecycle(t *testing.T) {
	e := newAcctEnv(t, nil)
	ctx := context.Background()
	const pw = "portal-demo-123"
	token := e.demoLogin("anna@acme.example")
	ben := e.demoLogin("ben@globex.example")

	// Enrolment.
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/verify", token: token, body: map[string]string{"token": "123456"}}), http.StatusUnprocessableEntity, "token")
	gen := e.expect(e.do(acctReq{method: "GET", path: "/api/v1/otp/generate/", token: token}), http.StatusCreated)
	secret, _ := gen["base32"].(string)
	u, err := url.Parse(gen["otpauth_url"].(string))
	if secret == "" || err != nil || u.Scheme != "otpauth" || u.Query().Get("issuer") != "Acme Portal" ||
		!strings.Contains(u.Path, "anna@acme.example") || u.Query().Get("secret") != secret {
		t.Fatalf("generate = %v", gen)
	}
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/verify", token: token, body: map[string]string{"token": "12345"}}), http.StatusUnprocessableEntity, "token")
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/verify", token: token, body: map[string]string{"token": wrongCode(e.code(secret))}}), http.StatusUnprocessableEntity, "token")
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/verify", token: token, body: `{"token":`}), http.StatusBadRequest, "")
	m := e.expect(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/verify", token: token, body: map[string]string{"token": e.code(secret)}}), http.StatusAccepted)
	codes, _ := m["recovery_codes"].([]any)
	if m["otp_enabled"] != true || m["otp_verified"] != true || len(codes) != 10 {
		t.Fatalf("verify = %v", m)
	}
	// The secret is sealed at rest, the recovery codes hashed.
	var stored []byte
	if err := e.pool.QueryRow(ctx, `SELECT otp_secret FROM users WHERE lower(email) = 'anna@acme.example'`).Scan(&stored); err != nil ||
		len(stored) == 0 || bytes.Contains(stored, []byte(secret)) {
		t.Fatalf("otp_secret stored as %q (%v)", stored, err)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM otp_recovery_codes WHERE position(convert_to($1, 'UTF8') in code_hash) > 0`, codes[0].(string)).Scan(&n); err != nil || n != 0 {
		t.Fatalf("recovery code stored in clear (%d, %v)", n, err)
	}
	// The token that enabled TOTP keeps working; generating again is refused.
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: token}), http.StatusOK)
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/otp/generate", token: token}), http.StatusUnprocessableEntity, "otp_enabled")
	// Another user is unaffected.
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: ben}), http.StatusOK)

	// A new login is OTP-pending: gated everywhere but validate and logout.
	pending, cookie := e.loginOTP("anna@acme.example", pw)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/api/v1/otp" || cookie.MaxAge != 300 {
		t.Fatalf("otp cookie = %+v", cookie)
	}
	gate := e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: pending}), http.StatusForbidden, "otp_verified")
	if gate["error"] != "OTP Required" {
		t.Fatalf("gate body = %v", gate)
	}
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/otp/generate", token: pending}), http.StatusForbidden, "otp_verified")
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: token}), http.StatusOK)

	// Validate: no token and no cookie is 401; a replayed code is refused.
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", body: map[string]string{"token": e.code(secret)}}), http.StatusUnauthorized, "Authorization")
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", cookie: cookie, body: map[string]string{"token": e.code(secret)}}), http.StatusUnprocessableEntity, "token")
	e.shift(30 * time.Second)
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", cookie: cookie, body: map[string]string{"token": wrongCode(e.code(secret))}}), http.StatusUnprocessableEntity, "token")
	// The stock frontend's call: cookie only, no Authorization header.
	rec := e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate/", cookie: cookie, body: map[string]string{"token": e.code(secret)}})
	m = e.expect(rec, http.StatusAccepted)
	if m["email"] != "anna@acme.example" || m["otp_enabled"] != true {
		t.Fatalf("validate = %v", m)
	}
	if _, ok := m["recovery_codes"]; ok {
		t.Fatal("validate shows recovery codes again")
	}
	if c := rec.Result().Cookies(); len(c) != 1 || c[0].Name != otpCookie || c[0].MaxAge >= 0 {
		t.Fatalf("validate did not clear the cookie: %v", c)
	}
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: pending}), http.StatusOK)

	// A second pending session: the same (already used) code is a replay,
	// even within its validity window; the previous step is too old.
	second, _ := e.loginOTP("anna@acme.example", pw)
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", token: second, body: map[string]string{"token": e.code(secret)}}), http.StatusUnprocessableEntity, "token")
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: second}), http.StatusForbidden, "otp_verified")
	// Logout works while pending.
	e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/logout", token: second}), http.StatusNoContent)

	// Recovery codes: accepted once, with the bearer token this time.
	third, _ := e.loginOTP("anna@acme.example", pw)
	rc := codes[0].(string)
	e.expect(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", token: third, body: map[string]string{"token": strings.ToUpper(rc)}}), http.StatusAccepted)
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: third}), http.StatusOK)
	fourth, _ := e.loginOTP("anna@acme.example", pw)
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", token: fourth, body: map[string]string{"token": rc}}), http.StatusUnprocessableEntity, "token")
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", token: fourth, body: map[string]string{"token": "not-a-code"}}), http.StatusUnprocessableEntity, "token")

	// Disable: needs a code, a recovery code or the password.
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/disable", token: token, body: map[string]string{}}), http.StatusUnprocessableEntity, "token")
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/disable", token: token, body: map[string]string{"password": "wrong-password"}}), http.StatusUnprocessableEntity, "password")
	e.shift(30 * time.Second)
	m = e.expect(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/disable", token: token, body: map[string]string{"token": e.code(secret)}}), http.StatusAccepted)
	if m["otp_enabled"] != false {
		t.Fatalf("disable = %v", m)
	}
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", token: token, body: map[string]string{"token": "123456"}}), http.StatusUnprocessableEntity, "otp_enabled")
	// The pending session of before is free now, and new logins are plain.
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: fourth}), http.StatusOK)
	e.login("anna@acme.example", pw)

	// Re-enable, then disable with the password, then the admin path.
	gen = e.expect(e.do(acctReq{method: "GET", path: "/api/v1/otp/generate", token: token}), http.StatusCreated)
	e.shift(30 * time.Second)
	e.expect(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/verify", token: token, body: map[string]string{"token": e.code(gen["base32"].(string))}}), http.StatusAccepted)
	e.expect(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/disable", token: token, body: map[string]string{"password": pw}}), http.StatusAccepted)
	gen = e.expect(e.do(acctReq{method: "GET", path: "/api/v1/otp/generate", token: token}), http.StatusCreated)
	e.shift(30 * time.Second)
	e.expect(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/verify", token: token, body: map[string]string{"token": e.code(gen["base32"].(string))}}), http.StatusAccepted)
	e.loginOTP("anna@acme.example", pw)
	if err := e.svc.AdminDisableOTP(ctx, "ANNA@acme.example"); err != nil {
		t.Fatalf("AdminDisableOTP: %v", err)
	}
	m = e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": "anna@acme.example", "password": pw}}), http.StatusCreated)
	if m["otp_enabled"] != false {
		t.Fatalf("login after admin disable = %v", m)
	}
}

func TestAcctOTPPendingSecretExpires(t *testing.T) {
	e := newAcctEnv(t, nil)
	token := e.demoLogin("ben@globex.example")
	gen := e.expect(e.do(acctReq{method: "GET", path: "/api/v1/otp/generate", token: token}), http.StatusCreated)
	// The pending secret expires in the database clock; move it into the past.
	if _, err := e.pool.Exec(context.Background(), `UPDATE otp_pending SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/verify", token: token, body: map[string]string{"token": e.code(gen["base32"].(string))}}),
		http.StatusUnprocessableEntity, "token")
}

func TestAcctOTPValidateRateLimit(t *testing.T) {
	e := newAcctEnv(t, func(c *config.Config) { c.Limiter.AuthPerMinute = 2 })
	token := e.demoLogin("ben@globex.example")
	for range 2 {
		e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", token: token, body: map[string]string{"token": "000000"}, ip: "203.0.113.9"}),
			http.StatusUnprocessableEntity, "otp_enabled")
	}
	rec := e.do(acctReq{method: "PATCH", path: "/api/v1/otp/validate", token: token, body: map[string]string{"token": "000000"}, ip: "203.0.113.10"})
	e.expect(rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// wrongCode returns a six-digit code different from c.
func wrongCode(c string) string {
	b := []byte(c)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
