package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

type demoMail struct {
	Data []struct {
		To       string   `json:"to"`
		Template string   `json:"template"`
		Subject  string   `json:"subject"`
		Text     string   `json:"text"`
		HTML     string   `json:"html"`
		Links    []string `json:"links"`
	} `json:"data"`
	Count int `json:"count"`
}

func getDemoMail(t *testing.T, base string) (int, demoMail) {
	t.Helper()
	resp, err := http.Get(base + "/demo/mail")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out demoMail
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, out
}

// The demo's reset flow, end to end through the mail it would send: the
// link listed at /demo/mail resets the password.
func TestDemoResetLinkAppearsInDemoMail(t *testing.T) {
	s := apptest.Start(t, nil)
	if out := s.Stdout.String(); !strings.Contains(out, s.URL()+"/demo/mail") {
		t.Errorf("banner lacks the /demo/mail hint:\n%s", out)
	}
	base := s.URL() + "/api/v1"
	if code, body := apptest.Call(t, "POST", base+"/users/restore", "", map[string]string{"email": "anna@acme.example"}); code/100 != 2 {
		t.Fatalf("restore: %d %v", code, body)
	}
	var link string
	for deadline := time.Now().Add(10 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		code, box := getDemoMail(t, s.URL())
		if code != 200 {
			t.Fatalf("/demo/mail: %d", code)
		}
		for _, m := range box.Data {
			if m.Template == "password_reset" && m.To == "anna@acme.example" {
				for _, l := range m.Links {
					if strings.Contains(l, "/auth/reset?token=") {
						link = l
					}
				}
				if link == "" || !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, "token=") {
					t.Fatalf("reset mail without its link: %+v", m)
				}
			}
		}
	}
	if link == "" {
		t.Fatal("no reset mail listed at /demo/mail")
	}
	if !strings.Contains(s.Logs.String(), link) {
		t.Errorf("the reset link is not in the log")
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	const newPassword = "a-new-demo-password-1"
	if code, body := apptest.Call(t, "PUT", base+"/users/password", "", map[string]string{"token": u.Query().Get("token"), "password": newPassword}); code/100 != 2 {
		t.Fatalf("reset with the mailed token: %d %v", code, body)
	}
	if code, body := apptest.Call(t, "POST", base+"/users/login", "", map[string]string{"email": "anna@acme.example", "password": newPassword}); code != 201 {
		t.Fatalf("login with the new password: %d %v", code, body)
	}
	// Newest first: a second mail comes before the reset mail.
	if code, body := apptest.Call(t, "POST", base+"/users/restore", "", map[string]string{"email": "ben@globex.example"}); code/100 != 2 {
		t.Fatalf("restore: %d %v", code, body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, box := getDemoMail(t, s.URL())
		if box.Count >= 2 && len(box.Data) == box.Count {
			if box.Data[0].To != "ben@globex.example" {
				t.Fatalf("newest mail is to %s, want ben", box.Data[0].To)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("second mail not listed: %+v", box)
		}
	}
}

// Outside demo mode the route does not exist.
func TestDemoMailRouteAbsentOutsideDemo(t *testing.T) {
	cfg := config.Default()
	cfg.DB.DSN = pgtest.NewEmpty(t)
	m := startServeAgainstSim(t, &cfg)
	if code, _ := getDemoMail(t, m); code != http.StatusNotFound {
		t.Fatalf("/demo/mail outside demo mode: %d, want 404", code)
	}
	if code, _ := apptest.Call(t, "POST", m+"/demo/tickets/17x1/answer", "", map[string]string{"text": "x"}); code != http.StatusNotFound {
		t.Fatalf("/demo/tickets/…/answer outside demo mode: %d, want 404", code)
	}
}

// startServeAgainstSim runs the portal as `portal serve` would (no demo
// mode) against a seeded simulator and returns its base URL.
func startServeAgainstSim(t *testing.T, cfg *config.Config) string {
	t.Helper()
	srv := vtigertest.Sim(t)
	// serve validation wants a real port: take a free one.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTP.Host, cfg.HTTP.Port = "127.0.0.1", l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg.DB.AutoMigrate = true
	cfg.Vtiger.Connection.URL = srv.URL + "/webservice.php"
	cfg.Vtiger.Connection.Username = "admin"
	cfg.Vtiger.Connection.AccessKey = vtigersim.DefaultAccessKey
	cfg.Auth.EncryptionKey = strings.Repeat("ab", 32)
	m, err := app.New(app.Options{Stdout: io.Discard, Stderr: io.Discard,
		Test: &app.TestHooks{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		_ = m.Close(context.Background())
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	if m.DemoMail != nil {
		t.Fatal("a non-demo portal keeps a demo outbox")
	}
	return m.URL()
}
