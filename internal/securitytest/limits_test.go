package securitytest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// TestAuthLimitsCannotBeSteppedAround: the client chooses neither its
// limiter key nor a fresh budget. Without trusted proxies X-Forwarded-For
// is not the client's address; behind a trusted proxy every spelling of
// one e-mail address (case, surrounding space, the key's own casing,
// duplicate keys) draws from that address's one budget.
func TestAuthLimitsCannotBeSteppedAround(t *testing.T) {
	const n = 3
	login := func(p *portal, body string, xff string) int {
		return p.do(t, req{Method: "POST", Path: "/users/login", Body: body, Header: map[string]string{"X-Forwarded-For": xff}}).Status
	}
	t.Run("X-Forwarded-For from an untrusted peer", func(t *testing.T) {
		p := start(t, options{mutate: func(c *config.Config) {
			c.Limiter.Enabled, c.Limiter.AuthPerMinute = true, n
			c.Limiter.RPS, c.Limiter.Burst = 1000, 1000
			c.HTTP.TrustedProxies = []string{"192.0.2.0/24"} // not the test's loopback peer
		}})
		for i := range n + 1 {
			body := fmt.Sprintf(`{"email":"user%d@acme.example","password":"Wrong-pass-123"}`, i)
			got := login(p, body, fmt.Sprintf("10.0.0.%d", i+1))
			if i < n && got == http.StatusTooManyRequests {
				t.Fatalf("request %d limited too early", i)
			}
			if i == n && got != http.StatusTooManyRequests {
				t.Errorf("request %d with yet another X-Forwarded-For: %d, want 429", i, got)
			}
		}
	})
	t.Run("one address, many spellings", func(t *testing.T) {
		p := start(t, options{mutate: func(c *config.Config) {
			c.Limiter.Enabled, c.Limiter.AuthPerMinute = true, n
			c.Limiter.RPS, c.Limiter.Burst = 1000, 1000
			c.HTTP.TrustedProxies = []string{"127.0.0.1", "::1"}
		}})
		spellings := []string{
			`{"email":"ANNA@ACME.EXAMPLE","password":"Wrong-pass-123"}`,
			`{"email":"  anna@acme.example\t","password":"Wrong-pass-123"}`,
			`{"EMAIL":"Anna@Acme.Example","password":"Wrong-pass-123"}`,
			`{"email":"nobody@x.example","Email":"anna@acme.example","password":"Wrong-pass-123"}`,
		}
		for i, body := range spellings {
			got := login(p, body, fmt.Sprintf("10.0.1.%d", i+1)) // a fresh IP each time
			if i < n && got == http.StatusTooManyRequests {
				t.Fatalf("spelling %d limited too early", i)
			}
			if i >= n && got != http.StatusTooManyRequests {
				t.Errorf("spelling %d (%s): %d, want 429: the address's budget is spent", i, body, got)
			}
		}
		// The right password is refused too until the window passes.
		if got := login(p, fmt.Sprintf(`{"email":"anna@acme.example","password":%q}`, vtigersim.DemoPassword), "10.0.2.1"); got != http.StatusTooManyRequests {
			t.Errorf("after the budget is spent: %d, want 429", got)
		}
	})
}
