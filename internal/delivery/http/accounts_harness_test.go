package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/smtptest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// The real repositories satisfy the service's consumer-side interfaces.
var (
	_ accounts.UserStore  = (*postgres.UserStore)(nil)
	_ accounts.TokenStore = (*postgres.TokenStore)(nil)
	_ accounts.OTPStore   = (*postgres.OTPStore)(nil)
	_ accounts.Contacts   = (*accounts.VtigerContacts)(nil)
	_ accounts.Mailer     = (*mail.Mailer)(nil)
	_ Authenticator       = (*accounts.Service)(nil)
)

// acctEnv is the whole accounts stack over real dependencies: PostgreSQL,
// the Vtiger simulator over HTTP, and an SMTP server in-process.
type acctEnv struct {
	t      *testing.T
	h      http.Handler
	svc    *accounts.Service
	pool   *pgxpool.Pool
	users  *postgres.UserStore
	sim    *vtigersim.Server
	demo   *vtigersim.Demo
	vt     *vtiger.Client
	mails  *smtptest.Server
	offset atomic.Int64 // service clock offset, nanoseconds
}

// acctConfig is a complete config for the accounts routes; limits are high
// unless a test lowers them.
func acctConfig() config.Config {
	var c config.Config
	c.Domain = "https://portal.example.com"
	c.HTTP.MaxBodyBytes = 1 << 20
	c.HTTP.MaxUploadBytes = 1 << 20
	c.Limiter = config.Limiter{Enabled: true, RPS: 1000, Burst: 1000, AuthPerMinute: 1000}
	c.Vtiger.Business = config.Business{
		EmailField: "email", CodeField: "code", PortalField: "portal", ClearCode: true,
		UserSettingsFields: []string{"emailoptout", "donotcall"}, SupportEmail: "support@example.com",
		DefaultPagination: 20, MaxPageSize: 100,
	}
	c.Email.SendWelcomeEmail = true
	c.Auth = config.Auth{TokenTTL: 48 * time.Hour, ResetTokenTTL: time.Hour, OTPCookieTTL: 5 * time.Minute,
		EncryptionKey: strings.Repeat("ab", 32), MinPassword: 8}
	c.OTP = config.OTP{Issuer: "Acme Portal", SecretSize: 20}
	return c
}

// acctTestParams keep argon2id cheap under -race; production uses DefaultHashParams.
var acctTestParams = accounts.HashParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newAcctEnv(t *testing.T, mutate func(*config.Config)) *acctEnv {
	t.Helper()
	cfg := acctConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	e := &acctEnv{t: t}
	logger := slog.New(slog.DiscardHandler)

	b := vtigertest.Sim(t)
	e.sim, e.demo = b.Sim, b.Demo
	e.vt = b.Client(t, func(c *vtiger.Config) { c.Logger, c.PoolSize = logger, 4 })

	e.pool = pgtest.New(t)
	db := postgres.NewFromPool(e.pool, 5*time.Second)
	e.users = postgres.NewUserStore(db)

	e.mails = smtptest.Start(t)
	m, err := mail.New(e.mails.SMTP("none"), config.Default().Email, logger, mail.WithRetryBackoff(10*time.Millisecond))
	if err != nil {
		t.Fatalf("mailer: %v", err)
	}
	m.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = m.Shutdown(ctx)
	})

	e.svc, err = accounts.New(accounts.Deps{
		Config: cfg, Users: e.users, Tokens: postgres.NewTokenStore(db), OTP: postgres.NewOTPStore(db),
		Contacts:   accounts.NewVtigerContacts(e.vt, cfg.Vtiger.Business.EmailField),
		Avatars:    postgres.NewAvatarStore(db),
		Mailer:     m,
		Logger:     logger,
		HashParams: acctTestParams,
		Now:        func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) },
	})
	if err != nil {
		t.Fatalf("accounts.New: %v", err)
	}
	e.h = New(Deps{Config: cfg, Logger: logger, Auth: e.svc, Accounts: e.svc, OTP: e.svc})
	return e
}

// now is the service's clock.
func (e *acctEnv) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// shift moves the service clock.
func (e *acctEnv) shift(d time.Duration) { e.offset.Add(int64(d)) }

// acctReq is one request: body is marshalled to JSON unless it is a string.
type acctReq struct {
	method, path string
	body         any
	token        string
	cookie       *http.Cookie
	ip           string
}

func (e *acctEnv) do(r acctReq) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(r.method, r.path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.cookie != nil {
		req.AddCookie(r.cookie)
	}
	if r.ip != "" {
		req.RemoteAddr = r.ip + ":40000"
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// expect checks the status and returns the decoded JSON body (nil for 204).
func (e *acctEnv) expect(rec *httptest.ResponseRecorder, status int) map[string]any {
	e.t.Helper()
	if rec.Code != status {
		e.t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body.String())
	}
	if status == http.StatusNoContent {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		e.t.Fatalf("body is not a JSON object: %v: %q", err, rec.Body.String())
	}
	return m
}

// expectErr checks an error answer: status, message present, and field.
func (e *acctEnv) expectErr(rec *httptest.ResponseRecorder, status int, field string) map[string]any {
	e.t.Helper()
	m := e.expect(rec, status)
	if msg, _ := m["message"].(string); msg == "" {
		e.t.Fatalf("error body without message: %v", m)
	}
	if got, _ := m["field"].(string); got != field {
		e.t.Fatalf("error field %q, want %q; body %v", got, field, m)
	}
	return m
}

// register creates a portal user for anna or ben (demo contacts) and logs in.
func (e *acctEnv) demoLogin(email string) string {
	e.t.Helper()
	if _, err := e.svc.EnsureDemoUser(context.Background(), email, vtigersim.DemoPassword); err != nil {
		e.t.Fatalf("demo user: %v", err)
	}
	return e.login(email, vtigersim.DemoPassword)
}

func (e *acctEnv) login(email, password string) string {
	e.t.Helper()
	m := e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": email, "password": password}}), http.StatusCreated)
	tok, _ := m["token"].(string)
	if tok == "" {
		e.t.Fatalf("login without token: %v", m)
	}
	return tok
}

// loginOTP logs in a user with TOTP on and returns the token and the cookie.
func (e *acctEnv) loginOTP(email, password string) (string, *http.Cookie) {
	e.t.Helper()
	rec := e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": email, "password": password}})
	m := e.expect(rec, http.StatusCreated)
	if m["otp_enabled"] != true {
		e.t.Fatalf("otp_enabled = %v, want true", m["otp_enabled"])
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == otpCookie {
			return m["token"].(string), c
		}
	}
	e.t.Fatalf("login set no %s cookie", otpCookie)
	return "", nil
}

// code returns the TOTP code of secret at the service clock.
func (e *acctEnv) code(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatalf("totp: %v", err)
	}
	return c
}

// contact reads a Contact straight from the simulator.
func (e *acctEnv) contact(id string) vtiger.Record {
	e.t.Helper()
	r, err := e.vt.Retrieve(context.Background(), id)
	if err != nil {
		e.t.Fatalf("retrieve %s: %v", id, err)
	}
	return r
}

func (e *acctEnv) revise(id string, fields map[string]any) {
	e.t.Helper()
	el := map[string]any{"id": id}
	for k, v := range fields {
		el[k] = v
	}
	if _, err := e.vt.Revise(context.Background(), el); err != nil {
		e.t.Fatalf("revise %s: %v", id, err)
	}
}

// resetLink waits for the next password-reset mail to addr and returns its token.
func (e *acctEnv) resetToken(addr string) string {
	e.t.Helper()
	msg := e.mails.Take(e.t, addr)
	re := regexp.MustCompile(`https://portal\.example\.com/auth/reset\?token=([A-Za-z0-9%=]+)`)
	body := strings.ReplaceAll(strings.ReplaceAll(msg, "=\r\n", ""), "=3D", "=")
	m := re.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("no reset link in mail:\n%s", msg)
	}
	tok, err := url.QueryUnescape(m[1])
	if err != nil {
		e.t.Fatalf("unescape token: %v", err)
	}
	return tok
}
