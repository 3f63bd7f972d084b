package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/portalcrm/vtiger-portal/internal/ratelimit"
	"github.com/portalcrm/vtiger-portal/internal/testutil/redistest"
)

func sharedLimiter(t *testing.T, url, prefix string) *ratelimit.Limiter {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries = -1
	opts.DialerRetries, opts.DialerRetryTimeout = 1, time.Millisecond
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return ratelimit.New(rdb, prefix, time.Second, slog.New(slog.DiscardHandler))
}

func pingFrom(t *testing.T, h http.Handler, ip string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/v1/ping", nil)
	req.RemoteAddr = ip + ":5555"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Two servers on one Redis share the per-IP budget: what one instance
// counted, the other refuses.
func TestSharedPerIPLimitCountsAcrossServers(t *testing.T) {
	url, prefix := redistest.Shared(t)
	mk := func() *Server {
		s, _ := newTestServer(t, func(d *Deps) {
			d.Config.Limiter.RPS, d.Config.Limiter.Burst = 1, 3
			d.SharedLimiter = sharedLimiter(t, url, prefix)
		})
		return s
	}
	a, b := mk(), mk()
	for i, h := range []http.Handler{a, b, a} {
		if rec := pingFrom(t, h, "203.0.113.1"); rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	rec := pingFrom(t, b, "203.0.113.1")
	if rec.Code != 429 {
		t.Fatalf("4th request of a burst of 3, on the other server: %d, want 429", rec.Code)
	}
	if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
	if decodeBody(t, rec)["error"] != "Too Many Requests" {
		t.Fatalf("body %s", rec.Body)
	}
	if rec := pingFrom(t, a, "203.0.113.2"); rec.Code != 200 {
		t.Fatalf("another IP: %d", rec.Code)
	}
}

// The general limit fails open while Redis is down: it protects capacity,
// and Redis must not take the portal with it.
func TestSharedPerIPLimitFailsOpen(t *testing.T) {
	s, _ := newTestServer(t, func(d *Deps) {
		d.Config.Limiter.RPS, d.Config.Limiter.Burst = 1, 2
		d.SharedLimiter = sharedLimiter(t, redistest.DeadURL(t), "p:")
	})
	for i := range 6 {
		if rec := pingFrom(t, s, "203.0.113.1"); rec.Code != 200 {
			t.Fatalf("request %d with Redis down: %d, want 200 (fail open)", i, rec.Code)
		}
	}
}

func TestReadyzReportsOptionalDependencies(t *testing.T) {
	down := errors.New("dial tcp: connection refused")
	tests := []struct {
		name       string
		ready      error
		redis      error
		wantCode   int
		wantStatus string
		wantRedis  any
	}{
		{"no redis configured", nil, nil, 200, "ready", nil},
		{"redis ok", nil, nil, 200, "ready", "ok"},
		{"redis down is degraded, still 200", nil, down, 200, "degraded", "unavailable"},
		{"postgres down fails", errors.New("pg down"), down, 503, "unavailable", nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, logs := newTestServer(t, func(d *Deps) {
				d.Ready = func(context.Context) error { return tc.ready }
				if i > 0 {
					d.Optional = map[string]func(context.Context) error{"redis": func(context.Context) error { return tc.redis }}
				}
			})
			rec := do(t, s, "GET", "/readyz", nil, nil)
			if rec.Code != tc.wantCode {
				t.Fatalf("status %d, want %d", rec.Code, tc.wantCode)
			}
			m := decodeBody(t, rec)
			if m["status"] != tc.wantStatus || m["redis"] != tc.wantRedis {
				t.Fatalf("body %v, want status %q redis %v", m, tc.wantStatus, tc.wantRedis)
			}
			if tc.redis != nil && tc.ready == nil && !strings.Contains(logs.String(), "connection refused") {
				t.Fatal("degraded dependency not logged")
			}
		})
	}
}

// The auth limit per e-mail is one budget across servers on one Redis, and
// falls back to each server's own count (never to no limit) while Redis is
// down.
func TestSharedAuthLimit(t *testing.T) {
	e := newAcctEnv(t, nil)
	cfg := acctConfig()
	cfg.Limiter.AuthPerMinute = 3
	server := func(l SharedLimiter) http.Handler {
		return New(Deps{Config: cfg, Logger: slog.New(slog.DiscardHandler), Auth: e.svc, Accounts: e.svc, OTP: e.svc, SharedLimiter: l})
	}
	login := func(h http.Handler, ip string) int {
		e.h = h
		return e.do(acctReq{method: "POST", path: "/api/v1/users/login", ip: ip,
			body: map[string]string{"email": "anna@acme.example", "password": "wrong-password"}}).Code
	}

	url, prefix := redistest.Shared(t)
	a, b := server(sharedLimiter(t, url, prefix)), server(sharedLimiter(t, url, prefix))
	for i, h := range []http.Handler{a, b, a} {
		if code := login(h, "198.51.100."+string(rune('1'+i))); code != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d", i, code)
		}
	}
	if code := login(b, "198.51.100.9"); code != http.StatusTooManyRequests {
		t.Fatalf("4th attempt for one e-mail, other server and IP: %d, want 429", code)
	}

	dead := redistest.DeadURL(t)
	c, d := server(sharedLimiter(t, dead, "p:")), server(sharedLimiter(t, dead, "p:"))
	for i := range 3 {
		if code := login(c, "192.0.2.1"); code != http.StatusUnprocessableEntity {
			t.Fatalf("Redis down, attempt %d: %d", i, code)
		}
	}
	if code := login(c, "192.0.2.1"); code != http.StatusTooManyRequests {
		t.Fatalf("Redis down, 4th attempt on the same server: %d, want 429 (local limit)", code)
	}
	if code := login(d, "192.0.2.1"); code != http.StatusUnprocessableEntity {
		t.Fatalf("Redis down, the other server counts on its own: %d", code)
	}
}
