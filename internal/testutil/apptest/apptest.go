// Package apptest starts the whole portal for end-to-end tests: demo mode
// (the Vtiger simulator seeded with the demo data) on a random port, against
// its own PostgreSQL database, stopped when the test ends.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// SyncBuffer is an io.Writer safe for the server's goroutines.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Portal is a running portal with what it printed and logged.
type Portal struct {
	*app.Main
	Stdout *SyncBuffer
	Logs   *SyncBuffer
}

// Start runs a demo-mode portal; mutate may change the configuration and
// the options before it starts. The log tail is printed when the test fails.
func Start(t testing.TB, mutate func(*config.Config, *app.Options)) *Portal {
	t.Helper()
	cfg := config.Default()
	cfg.HTTP.Host = "127.0.0.1"
	cfg.HTTP.Port = 0
	cfg.DB.DSN = pgtest.NewEmpty(t)
	cfg.Limiter.Enabled = false
	stdout, logs := &SyncBuffer{}, &SyncBuffer{}
	opts := app.Options{
		Demo:   true,
		Stdout: stdout,
		Stderr: logs,
		Getenv: func(k string) string {
			if k == "PORTAL_DB_DSN" {
				return cfg.DB.DSN
			}
			return ""
		},
		Test: &app.TestHooks{
			Config:     &cfg,
			Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
			SimOptions: &vtigersim.Options{Version: "8.4"},
			// One stripe-mock per test would cost every suite; tests of demo
			// payments ask for it in mutate (Test.DemoStripeMock = "").
			DemoStripeMock: app.DemoStripeMockOff,
		},
	}
	if mutate != nil {
		mutate(&cfg, &opts)
	}
	m, err := app.New(opts)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Run(ctx); err != nil {
		_ = m.Close(context.Background())
		t.Fatalf("Run: %v\nlogs:\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		if err := m.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("server log tail:\n%s", tail(logs.String(), 6000))
		}
	})
	return &Portal{Main: m, Stdout: stdout, Logs: logs}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Call sends one request to a running portal (body, when set, as JSON;
// token as Bearer) and returns the status and the decoded JSON object (nil
// for an empty body). A body that is not JSON fails the test.
func Call(t testing.TB, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("%s %s: marshal: %v", method, url, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %q", method, url, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, m
}
