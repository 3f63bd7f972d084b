package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

func TestAcctRegister(t *testing.T) {
	e := newAcctEnv(t, nil)
	carl := e.demo.Contacts["carl"]
	const pw = "carl-secret-1"

	// Validation and the no-enumeration rule: unknown e-mail and wrong code
	// give byte-identical answers.
	tests := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"bad json", `{"email":`, http.StatusBadRequest, ""},
		{"not an object", `[1]`, http.StatusBadRequest, ""},
		{"missing email", map[string]any{"code": "CODE42", "password": pw}, http.StatusUnprocessableEntity, "email"},
		{"bad email", map[string]any{"email": "carl", "code": "CODE42", "password": pw}, http.StatusUnprocessableEntity, "email"},
		{"too long email", map[string]any{"email": strings.Repeat("a", 250) + "@acme.example", "code": "CODE42", "password": pw}, http.StatusUnprocessableEntity, "email"},
		{"missing code", map[string]any{"email": "carl@acme.example", "password": pw}, http.StatusUnprocessableEntity, "code"},
		{"too long code", map[string]any{"email": "carl@acme.example", "code": strings.Repeat("C", 65), "password": pw}, http.StatusUnprocessableEntity, "code"},
		{"short password", map[string]any{"email": "carl@acme.example", "code": "CODE42", "password": "short"}, http.StatusUnprocessableEntity, "password"},
		{"too long password", map[string]any{"email": "carl@acme.example", "code": "CODE42", "password": strings.Repeat("p", 129)}, http.StatusUnprocessableEntity, "password"},
		{"wrong type", map[string]any{"email": 5, "code": "CODE42", "password": pw}, http.StatusUnprocessableEntity, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/", body: tt.body}), tt.status, tt.field)
		})
	}
	e.t = t

	wrongCode := e.do(acctReq{method: "POST", path: "/api/v1/users/", body: map[string]any{"email": "carl@acme.example", "code": "CODE41", "password": pw}})
	unknown := e.do(acctReq{method: "POST", path: "/api/v1/users/", body: map[string]any{"email": "nobody@acme.example", "code": "CODE42", "password": pw}})
	noCode := e.do(acctReq{method: "POST", path: "/api/v1/users/", body: map[string]any{"email": "anna@acme.example", "code": "CODE42", "password": pw}})
	e.expectErr(wrongCode, http.StatusUnprocessableEntity, "code")
	for _, rec := range []*httptest.ResponseRecorder{unknown, noCode} {
		if rec.Code != wrongCode.Code || rec.Body.String() != wrongCode.Body.String() {
			t.Fatalf("answers differ: %d %s vs %d %s", rec.Code, rec.Body, wrongCode.Code, wrongCode.Body)
		}
	}

	// Success: e-mail in another letter case, extra frontend fields ignored.
	m := e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users", body: map[string]any{
		"email": "Carl@ACME.example", "code": "CODE42", "password": pw, "confirmPassword": pw, "terms": true}}), http.StatusCreated)
	if id, ok := m["id"].(float64); !ok || id <= 0 {
		t.Fatalf("id = %v, want a positive number", m["id"])
	}
	if m["crmid"] != carl || m["account_id"] != e.demo.Accounts["acme"] || m["account_name"] != "Acme Ltd" || m["firstname"] != "Carl" {
		t.Fatalf("registered user = %v", m)
	}
	for _, k := range []string{"password", "password_hash", "code", "otp_secret"} {
		if _, ok := m[k]; ok {
			t.Fatalf("user JSON leaks %q", k)
		}
	}
	if got := e.contact(carl).String("code"); got != "" {
		t.Fatalf("code not cleared in the CRM: %q", got)
	}
	if welcome := e.mails.Take(t, "Carl@ACME.example"); !strings.Contains(welcome, "Carl") {
		t.Fatalf("welcome mail does not greet Carl:\n%s", welcome)
	}
	e.login("carl@acme.example", pw)

	// The cleared code cannot be reused: same answer as a wrong code.
	again := e.do(acctReq{method: "POST", path: "/api/v1/users/", body: map[string]any{"email": "carl@acme.example", "code": "CODE42", "password": pw}})
	if again.Code != wrongCode.Code || again.Body.String() != wrongCode.Body.String() {
		t.Fatalf("reuse answered %d %s", again.Code, again.Body)
	}
	// A fresh valid code for an already registered e-mail: duplicate.
	e.revise(carl, map[string]any{"code": "CODE43"})
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/", body: map[string]any{"email": "carl@acme.example", "code": "CODE43", "password": pw}}),
		http.StatusUnprocessableEntity, "email")

	// Portal access switched off in the CRM.
	e.revise(e.demo.Contacts["anna"], map[string]any{"code": "ANNA1", "portal": "0"})
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/", body: map[string]any{"email": "anna@acme.example", "code": "ANNA1", "password": pw}}),
		http.StatusUnprocessableEntity, "code")

	// A contact without an organisation can register; it has no account.
	rec, err := e.vt.Create(context.Background(), "Contacts", map[string]any{
		"lastname": "Solo", "firstname": "Sam", "email": "sam@solo.example", "code": "SOLO7", "portal": "1",
		"assigned_user_id": e.demo.AdminUserID})
	if err != nil {
		t.Fatalf("create contact: %v", err)
	}
	m = e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/", body: map[string]any{"email": "sam@solo.example", "code": "SOLO7", "password": pw}}), http.StatusCreated)
	if m["account_id"] != "" || m["crmid"] != rec.String("id") {
		t.Fatalf("solo user = %v", m)
	}
	tok := e.login("sam@solo.example", pw)
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my/account", token: tok}), http.StatusNotFound, "")
	list := e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/all", token: tok}), http.StatusOK)
	if d, _ := list["data"].([]any); len(d) != 0 || list["count"] != float64(0) {
		t.Fatalf("solo colleagues = %v", list)
	}
}

func TestAcctLoginLogoutAndTokens(t *testing.T) {
	e := newAcctEnv(t, nil)
	ctx := context.Background()
	created, err := e.svc.EnsureDemoUser(ctx, "anna@acme.example", "portal-demo-123")
	if err != nil || !created {
		t.Fatalf("EnsureDemoUser = %v, %v; want created", created, err)
	}
	if created, err := e.svc.EnsureDemoUser(ctx, "anna@acme.example", "portal-demo-123"); err != nil || created {
		t.Fatalf("second EnsureDemoUser = %v, %v; want not created", created, err)
	}

	// Wrong password and unknown e-mail: same status, same body.
	wrongPw := e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": "anna@acme.example", "password": "wrong-password"}})
	unknown := e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": "zed@acme.example", "password": "wrong-password"}})
	e.expectErr(wrongPw, http.StatusUnprocessableEntity, "password")
	if unknown.Code != wrongPw.Code || unknown.Body.String() != wrongPw.Body.String() {
		t.Fatalf("answers differ: %s vs %s", unknown.Body, wrongPw.Body)
	}
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: `{"email":"anna@acme.example"`}), http.StatusBadRequest, "")
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": "anna@acme.example"}}), http.StatusUnprocessableEntity, "password")
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"password": "x"}}), http.StatusUnprocessableEntity, "email")

	rec := e.do(acctReq{method: "POST", path: "/api/v1/users/login/", body: map[string]string{"email": "ANNA@acme.example", "password": "portal-demo-123"}})
	m := e.expect(rec, http.StatusCreated)
	if len(m) != 4 || m["otp_enabled"] != false {
		t.Fatalf("login body = %v, want exactly id, token, expiry, otp_enabled", m)
	}
	if _, ok := m["id"].(float64); !ok {
		t.Fatalf("id is not a number: %v", m["id"])
	}
	exp, err := time.Parse(time.RFC3339, m["expiry"].(string))
	if err != nil || time.Until(exp) < 47*time.Hour || time.Until(exp) > 49*time.Hour {
		t.Fatalf("expiry = %v (%v), want ~48h ahead", m["expiry"], err)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Fatalf("login without OTP set cookies: %v", rec.Result().Cookies())
	}
	token := m["token"].(string)
	if len(token) < 26 {
		t.Fatalf("token %q too short", token)
	}

	// Only the SHA-256 is stored.
	var n int
	sum := sha256.Sum256([]byte(token))
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM tokens WHERE hash = $1`, sum[:]).Scan(&n); err != nil || n != 1 {
		t.Fatalf("hashed token rows = %d, %v; want 1", n, err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM tokens WHERE position($1::bytea in hash) > 0 OR encode(hash, 'escape') LIKE '%' || $2 || '%'`,
		[]byte(token), token).Scan(&n); err != nil || n != 0 {
		t.Fatalf("clear-text token found in %d rows (%v)", n, err)
	}

	// The profile, with and without trailing slash.
	for _, p := range []string{"/api/v1/users/my", "/api/v1/users/my/"} {
		m := e.expect(e.do(acctReq{method: "GET", path: p, token: token}), http.StatusOK)
		u, _ := m["data"].(map[string]any)
		if u == nil || u["email"] != "anna@acme.example" || u["firstname"] != "Anna" || u["account_name"] != "Acme Ltd" ||
			u["title"] != "IT Manager" || u["otp_enabled"] != false || u["otp_verified"] != false || u["is_active"] != true {
			t.Fatalf("GET %s = %v", p, m)
		}
		if _, ok := u["id"].(float64); !ok {
			t.Fatalf("user id is not a number: %v", u["id"])
		}
	}

	// Authorization problems.
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my"}), http.StatusUnauthorized, "Authorization")
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}), http.StatusUnauthorized, "Authorization")
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: "short"}), http.StatusUnauthorized, "Authorization")

	// Logout revokes exactly this token (POST and GET).
	other := e.login("anna@acme.example", "portal-demo-123")
	e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/logout", token: token}), http.StatusNoContent)
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: token}), http.StatusUnauthorized, "Authorization")
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/logout", token: token}), http.StatusUnauthorized, "Authorization")
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: other}), http.StatusOK)
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/logout/", token: other}), http.StatusNoContent)
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: other}), http.StatusUnauthorized, "Authorization")

	// An expired token is 401 (issued "50 hours ago").
	e.shift(-50 * time.Hour)
	old := e.login("anna@acme.example", "portal-demo-123")
	e.shift(50 * time.Hour)
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: old}), http.StatusUnauthorized, "Authorization")

	// Inactive users: existing tokens are refused, login is refused.
	live := e.login("anna@acme.example", "portal-demo-123")
	u, err := e.users.ByEmail(ctx, "anna@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.users.SetActive(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: live}), http.StatusForbidden, "is_active")
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": "anna@acme.example", "password": "portal-demo-123"}}), http.StatusForbidden, "")
}

func TestAcctBcryptHashIsUpgradedAtLogin(t *testing.T) {
	e := newAcctEnv(t, nil)
	ctx := context.Background()
	if _, err := e.svc.EnsureDemoUser(ctx, "ben@globex.example", "unused-password"); err != nil {
		t.Fatal(err)
	}
	u, _ := e.users.ByEmail(ctx, "ben@globex.example")
	legacy, _ := bcrypt.GenerateFromPassword([]byte("legacy-pass"), bcrypt.MinCost)
	if err := e.users.UpdatePassword(ctx, u.ID, string(legacy)); err != nil {
		t.Fatal(err)
	}
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": "ben@globex.example", "password": "wrong-pass"}}),
		http.StatusUnprocessableEntity, "password")
	if u, _ = e.users.ByID(ctx, u.ID); u.PasswordHash != string(legacy) {
		t.Fatalf("hash changed after a failed login")
	}
	e.login("ben@globex.example", "legacy-pass")
	u, _ = e.users.ByID(ctx, u.ID)
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("hash after login = %q, want argon2id", u.PasswordHash)
	}
	e.login("ben@globex.example", "legacy-pass")
}

func TestAcctPasswordReset(t *testing.T) {
	e := newAcctEnv(t, nil)
	session := e.demoLogin("anna@acme.example")

	known := e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: map[string]string{"email": "anna@acme.example"}})
	unknown := e.do(acctReq{method: "POST", path: "/api/v1/users/restore/", body: map[string]string{"email": "nobody@acme.example"}})
	m := e.expect(known, http.StatusCreated)
	if m["success"] != true {
		t.Fatalf("restore = %v", m)
	}
	if unknown.Code != known.Code || unknown.Body.String() != known.Body.String() {
		t.Fatalf("restore answers differ: %s vs %s", unknown.Body, known.Body)
	}
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: map[string]string{"email": "nope"}}), http.StatusUnprocessableEntity, "email")
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: `nope`}), http.StatusBadRequest, "")

	token := e.resetToken("anna@acme.example")
	if len(e.mails.Messages()) != 0 {
		t.Fatalf("a mail went to an unknown address")
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM tokens WHERE scope = 'password-reset' AND hash = sha256(convert_to($1, 'UTF8'))`, token).Scan(&n); err != nil || n != 1 {
		t.Fatalf("reset token stored hashed: rows %d, %v", n, err)
	}

	e.expectErr(e.do(acctReq{method: "PUT", path: "/api/v1/users/password", body: map[string]string{"token": token, "password": "short"}}), http.StatusUnprocessableEntity, "password")
	e.expectErr(e.do(acctReq{method: "PUT", path: "/api/v1/users/password", body: map[string]string{"password": "brand-new-pass"}}), http.StatusUnprocessableEntity, "token")
	e.expectErr(e.do(acctReq{method: "PUT", path: "/api/v1/users/password", body: map[string]string{"token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "password": "brand-new-pass"}}), http.StatusUnprocessableEntity, "token")
	e.expectErr(e.do(acctReq{method: "PUT", path: "/api/v1/users/password", body: `{`}), http.StatusBadRequest, "")

	second := e.login("anna@acme.example", "portal-demo-123")
	m = e.expect(e.do(acctReq{method: "PUT", path: "/api/v1/users/password/", body: map[string]string{"token": token, "password": "brand-new-pass"}}), http.StatusAccepted)
	// A reset logs out every session, and the answer says how many.
	if m["success"] != true || m["sessions_revoked"] != float64(2) || !strings.Contains(m["message"].(string), "2 session(s) were logged out") {
		t.Fatalf("reset answer = %v, want sessions_revoked 2 (both logins)", m)
	}
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: second}), http.StatusUnauthorized, "Authorization")
	// Single use, sessions revoked, new password works, old does not.
	e.expectErr(e.do(acctReq{method: "PUT", path: "/api/v1/users/password", body: map[string]string{"token": token, "password": "another-pass-1"}}), http.StatusUnprocessableEntity, "token")
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: session}), http.StatusUnauthorized, "Authorization")
	e.login("anna@acme.example", "brand-new-pass")
	e.expectErr(e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": "anna@acme.example", "password": "portal-demo-123"}}), http.StatusUnprocessableEntity, "password")

	// Two concurrent uses of one link: exactly one wins.
	e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: map[string]string{"email": "anna@acme.example"}}), http.StatusCreated)
	race := e.resetToken("anna@acme.example")
	codes := make(chan int, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- e.do(acctReq{method: "PUT", path: "/api/v1/users/password", body: map[string]string{"token": race, "password": "racing-pass-" + strconv.Itoa(i)}}).Code
		}()
	}
	wg.Wait()
	close(codes)
	won := 0
	for c := range codes {
		if c == http.StatusAccepted {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent resets succeeded, want 1", won)
	}

	// An expired link (requested "two hours ago") is refused.
	e.shift(-2 * time.Hour)
	e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: map[string]string{"email": "anna@acme.example"}}), http.StatusCreated)
	e.shift(2 * time.Hour)
	expired := e.resetToken("anna@acme.example")
	e.expectErr(e.do(acctReq{method: "PUT", path: "/api/v1/users/password", body: map[string]string{"token": expired, "password": "another-pass-1"}}), http.StatusUnprocessableEntity, "token")
}

// acctPNG is a small valid PNG.
func acctPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAcctProfileUpdate(t *testing.T) {
	e := newAcctEnv(t, nil)
	anna := e.demo.Contacts["anna"]
	token := e.demoLogin("anna@acme.example")
	e.demoLogin("ben@globex.example")

	m := e.expect(e.do(acctReq{method: "PUT", path: "/api/v1/users/my/", token: token, body: map[string]any{
		"firstname": "Annabel", "title": "CTO", "mailingcity": "Leeds", "description": "", "account_name": "Evil Corp",
		"assigned_user_id": "19x1", "account_id": "11x999", "imagecontent": "", "phone": nil,
	}}), http.StatusAccepted)
	if m["firstname"] != "Annabel" || m["title"] != "CTO" || m["mailingcity"] != "Leeds" || m["account_name"] != "Acme Ltd" {
		t.Fatalf("PUT answer = %v", m)
	}
	c := e.contact(anna)
	if c.String("firstname") != "Annabel" || c.String("title") != "CTO" || c.String("account_id") != e.demo.Accounts["acme"] ||
		c.String("assigned_user_id") != e.demo.ManagerUserID {
		t.Fatalf("contact after PUT = %v", c)
	}

	errs := []struct {
		name   string
		body   any
		field  string
		status int // 0 = 422
	}{
		{"too long", map[string]any{"description": strings.Repeat("d", 5001)}, "description", 0},
		{"empty lastname", map[string]any{"lastname": ""}, "lastname", 0},
		{"wrong type", map[string]any{"title": 5}, "title", 0},
		{"bad email", map[string]any{"email": "not-an-email"}, "email", 0},
		{"email of another user", map[string]any{"email": "BEN@globex.example"}, "email", 0},
		{"not an image", map[string]any{"imagecontent": "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("hello, not a png"))}, "imagecontent", 0},
		{"bad base64", map[string]any{"imagecontent": "data:image/png;base64,@@@"}, "imagecontent", 0},
		{"image too large", map[string]any{"imagecontent": base64.StdEncoding.EncodeToString(append(acctPNG(t), make([]byte, 600<<10)...))}, "imagecontent", http.StatusRequestEntityTooLarge},
		{"wrong old password", map[string]any{"old_password": "nope-nope", "password": "new-password-1", "confirmPassword": "new-password-1"}, "old_password", 0},
		{"confirm mismatch", map[string]any{"old_password": "portal-demo-123", "password": "new-password-1", "confirmPassword": "new-password-2"}, "confirmPassword", 0},
		{"short new password", map[string]any{"old_password": "portal-demo-123", "password": "x", "confirmPassword": "x"}, "password", 0},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			status := tt.status
			if status == 0 {
				status = http.StatusUnprocessableEntity
			}
			e.expectErr(e.do(acctReq{method: "PUT", path: "/api/v1/users/my", token: token, body: tt.body}), status, tt.field)
		})
	}
	e.t = t
	e.expectErr(e.do(acctReq{method: "PUT", path: "/api/v1/users/my", token: token, body: `{"title":`}), http.StatusBadRequest, "")
	if got := e.contact(anna).String("description"); got != "" {
		t.Fatalf("a rejected PUT changed the contact: description %q", got)
	}

	// Avatar: a PNG data URL is accepted and named in the contact.
	e.expect(e.do(acctReq{method: "PUT", path: "/api/v1/users/my", token: token, body: map[string]any{
		"imagename": "me.png", "imagetype": "image/png", "imagecontent": "data:image/png;base64," + base64.StdEncoding.EncodeToString(acctPNG(t)),
	}}), http.StatusAccepted)
	if got := e.contact(anna).String("imagename"); got != "me.png" {
		t.Fatalf("imagename = %q", got)
	}

	// E-mail change keeps login and Contact in step.
	m = e.expect(e.do(acctReq{method: "PUT", path: "/api/v1/users/my", token: token, body: map[string]any{"email": "anna.b@acme.example"}}), http.StatusAccepted)
	if m["email"] != "anna.b@acme.example" || e.contact(anna).String("email") != "anna.b@acme.example" {
		t.Fatalf("e-mail change: answer %v, contact %q", m["email"], e.contact(anna).String("email"))
	}
	e.login("anna.b@acme.example", "portal-demo-123")

	// Password change: this session survives, the others are revoked.
	other := e.login("anna.b@acme.example", "portal-demo-123")
	third := e.login("anna.b@acme.example", "portal-demo-123")
	m = e.expect(e.do(acctReq{method: "PUT", path: "/api/v1/users/my", token: token, body: map[string]any{
		"old_password": "portal-demo-123", "password": "changed-pass-1", "confirmPassword": "changed-pass-1"}}), http.StatusAccepted)
	// The answer says how many other logins went; a plain profile edit says nothing of the kind.
	if n, _ := m["sessions_revoked"].(float64); n < 2 || !strings.Contains(m["message"].(string), "this one stays logged in") || m["email"] != "anna.b@acme.example" {
		t.Fatalf("password change answer: sessions_revoked %v, message %q, email %v", m["sessions_revoked"], m["message"], m["email"])
	}
	e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: token}), http.StatusOK)
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: other}), http.StatusUnauthorized, "Authorization")
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/my", token: third}), http.StatusUnauthorized, "Authorization")
	m = e.expect(e.do(acctReq{method: "PUT", path: "/api/v1/users/my", token: token, body: map[string]any{"title": "CIO"}}), http.StatusAccepted)
	if _, ok := m["sessions_revoked"]; ok || m["message"] != nil {
		t.Fatalf("a profile edit answers sessions_revoked/message: %v", m)
	}
	e.login("anna.b@acme.example", "changed-pass-1")
}

func TestAcctSettingsAccountColleagues(t *testing.T) {
	e := newAcctEnv(t, nil)
	anna := e.demo.Contacts["anna"]
	token := e.demoLogin("anna@acme.example")

	m := e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/settings/", token: token}), http.StatusOK)
	if len(m) != 2 || m["emailoptout"] != false || m["donotcall"] != false {
		t.Fatalf("settings = %v", m)
	}
	m = e.expect(e.do(acctReq{method: "PATCH", path: "/api/v1/users/settings", token: token, body: map[string]any{"emailoptout": true}}), http.StatusAccepted)
	if m["emailoptout"] != true || m["donotcall"] != false {
		t.Fatalf("PATCH settings = %v", m)
	}
	if got := e.contact(anna).String("emailoptout"); got != "1" {
		t.Fatalf("contact emailoptout = %q", got)
	}
	e.sim.ResetCounters()
	e.expect(e.do(acctReq{method: "PATCH", path: "/api/v1/users/settings", token: token, body: map[string]any{"emailoptout": false, "donotcall": "1"}}), http.StatusAccepted)
	if calls := e.sim.Calls()["revise"]; calls != 1 {
		t.Fatalf("revise calls = %d, want 1 for two settings", calls)
	}
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/users/settings", token: token, body: map[string]any{"lastname": true}}), http.StatusUnprocessableEntity, "lastname")
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/users/settings", token: token, body: map[string]any{"donotcall": "maybe"}}), http.StatusUnprocessableEntity, "donotcall")
	e.expectErr(e.do(acctReq{method: "PATCH", path: "/api/v1/users/settings", token: token, body: map[string]any{}}), http.StatusUnprocessableEntity, "settings")

	m = e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/my/account/", token: token}), http.StatusOK)
	if acc, _ := m["data"].(map[string]any); acc == nil || acc["accountname"] != "Acme Ltd" || acc["id"] != e.demo.Accounts["acme"] {
		t.Fatalf("account = %v", m)
	}

	e.sim.ResetCounters()
	m = e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/all", token: token}), http.StatusOK)
	calls := e.sim.Calls()
	if calls["query"] != 1 || calls["retrieve"] != 0 {
		t.Fatalf("colleagues cost %v, want one query and no retrieve", calls)
	}
	data, _ := m["data"].([]any)
	if len(data) != 1 || m["count"] != float64(1) || m["page"] != float64(1) || m["size"] == nil {
		t.Fatalf("colleagues = %v", m)
	}
	carl := data[0].(map[string]any)
	if carl["crmid"] != e.demo.Contacts["carl"] || carl["firstname"] != "Carl" || carl["email"] != "carl@acme.example" || carl["title"] != "Office Manager" {
		t.Fatalf("colleague = %v", carl)
	}
	for _, k := range []string{"code", "portal", "phone", "mailingstreet"} {
		if _, ok := carl[k]; ok {
			t.Fatalf("colleague exposes %q", k)
		}
	}
	e.expectErr(e.do(acctReq{method: "GET", path: "/api/v1/users/all?page=0", token: token}), http.StatusUnprocessableEntity, "page")
	m = e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/all?page=2&size=1", token: token}), http.StatusOK)
	if d, _ := m["data"].([]any); len(d) != 0 || m["count"] != float64(1) {
		t.Fatalf("page 2 = %v", m)
	}

	// Ben (another account) never sees Acme's people.
	ben := e.demoLogin("ben@globex.example")
	m = e.expect(e.do(acctReq{method: "GET", path: "/api/v1/users/all", token: ben}), http.StatusOK)
	if d, _ := m["data"].([]any); len(d) != 0 {
		t.Fatalf("ben's colleagues = %v", m)
	}
}

func TestAcctAuthRateLimits(t *testing.T) {
	e := newAcctEnv(t, func(c *config.Config) { c.Limiter.AuthPerMinute = 3 })
	body := map[string]string{"email": "anna@acme.example", "password": "wrong-password"}

	// Per IP.
	for i := range 3 {
		if rec := e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: map[string]string{"email": "u" + string(rune('a'+i)) + "@x.example", "password": "pw-pw-pw-pw"}, ip: "192.0.2.1"}); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d", i, rec.Code)
		}
	}
	rec := e.do(acctReq{method: "POST", path: "/api/v1/users/login", body: body, ip: "192.0.2.1"})
	e.expect(rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}

	// Per e-mail, whatever the IP (letter case ignored).
	for i, ip := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		b := map[string]string{"email": strings.ToUpper(body["email"][:1]) + body["email"][1:], "password": "wrong-password"}
		if i%2 == 0 {
			b = body
		}
		if rec := e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: b, ip: ip}); rec.Code != http.StatusCreated {
			t.Fatalf("restore %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec = e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: body, ip: "198.51.100.4"})
	e.expect(rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	// The body survived the limiter's peek: another address still works.
	e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: map[string]string{"email": "ben@globex.example"}, ip: "198.51.100.5"}), http.StatusCreated)
}
