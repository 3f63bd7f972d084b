package securitytest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// enableOTP turns TOTP on for the user of token and returns the secret.
func enableOTP(t *testing.T, p *portal, token string) string {
	t.Helper()
	r := p.do(t, req{Method: "GET", Path: "/otp/generate", Token: token})
	if r.Status != http.StatusCreated {
		t.Fatalf("otp generate: %d %s", r.Status, r.Body)
	}
	secret, _ := r.JSON(t)["base32"].(string)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := p.do(t, req{Method: "PATCH", Path: "/otp/verify", Token: token, Body: map[string]string{"token": code}}); r.Status != http.StatusAccepted {
		t.Fatalf("otp verify: %d %s", r.Status, r.Body)
	}
	return secret
}

// TestAnonymousAndOTPPendingOnEveryRoute: without a token every
// non-public route is 401; with a token that has not passed TOTP every
// route but /otp/validate and logout is 403.
func TestAnonymousAndOTPPendingOnEveryRoute(t *testing.T) {
	p := start(t, options{payments: true})
	v := learnVictim(t, p)
	ben := p.login(t, "ben@globex.example")
	enableOTP(t, p, ben)
	r := p.do(t, req{Method: "POST", Path: "/users/login", Body: map[string]string{"email": "ben@globex.example", "password": vtigersim.DemoPassword}})
	if r.Status != http.StatusCreated || r.JSON(t)["otp_enabled"] != true {
		t.Fatalf("login with otp: %d %s", r.Status, r.Body)
	}
	pending := r.JSON(t)["token"].(string)
	before := takeSnapshot(p)
	n := 0
	for _, rt := range specRoutes(t) {
		if rt.Public {
			continue
		}
		for _, c := range expand(rt, v) {
			if strings.HasSuffix(c.Path, "/documents") && c.Method == http.MethodPost {
				c.Body, c.ContentType = testutil.FileForm(t, "evil.txt", []byte("anon"))
			}
			name := c.Method + " " + c.Path
			// Anonymous, and with garbage tokens of every shape.
			for _, hdr := range []string{"", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer x", "Bearer " + strings.Repeat("a", 10000), "Bearer " + v.token + "x", "Bearer ' OR 1=1 --"} {
				c.Token = ""
				c.Header = map[string]string{}
				if hdr != "" {
					c.Header["Authorization"] = hdr
				}
				if r := p.do(t, c.req); r.Status != http.StatusUnauthorized {
					t.Errorf("anonymous (%.20q) %s: %d, want 401", hdr, name, r.Status)
				}
				n++
			}
			// A token in the query string is not a credential.
			c.Header = nil
			q := "?token=" + v.token + "&access_token=" + v.token
			if strings.Contains(c.Path, "?") {
				q = "&token=" + v.token
			}
			cq := c.req
			cq.Path += q
			if r := p.do(t, cq); r.Status != http.StatusUnauthorized {
				t.Errorf("query-string token %s: %d, want 401", name, r.Status)
			}
			if rt.Path == "/users/logout" {
				continue
			}
			c.Token = pending
			r := p.do(t, c.req)
			want := http.StatusForbidden
			if rt.Path == "/otp/validate" {
				// It takes the pending token; a wrong code is a 4xx, never access.
				if r.Status < 400 || r.Status >= 500 {
					t.Errorf("pending %s with a wrong code: %d", name, r.Status)
				}
				continue
			}
			if r.Status != want {
				t.Errorf("pending %s: %d, want 403", name, r.Status)
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d anonymous requests sent", n)
	}
	assertNoWriteOnVictim(t, p, before)
	// Logout works with the pending token, and then it is dead.
	if r := p.do(t, req{Method: "POST", Path: "/users/logout", Token: pending}); r.Status >= 300 {
		t.Fatalf("pending logout: %d %s", r.Status, r.Body)
	}
	if r := p.do(t, req{Method: "PATCH", Path: "/otp/validate", Token: pending, Body: map[string]string{"token": "000000"}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("validate after logout: %d %s", r.Status, r.Body)
	}
}
