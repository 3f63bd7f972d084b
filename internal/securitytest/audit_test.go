package securitytest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/portalcrm/vtiger-portal/internal/app"
)

// TestAuditListIsNotATerminalInjection: what a customer writes enters the
// trail, and `portal audit list` prints the trail to an operator's
// terminal. Escape sequences and other control characters in a ticket
// title or comment must not reach that terminal (they could retitle it,
// clear it or rewrite the lines above); the text around them stays.
func TestAuditListIsNotATerminalInjection(t *testing.T) {
	p := start(t, options{})
	ben := p.login(t, "ben@globex.example")
	const evil = "Printer\x1b]0;owned\x07\x1b[2J\x1b[1A\rbroken\u009b31m\u202eevil\x08"
	r := p.do(t, req{Method: "POST", Path: "/tickets", Token: ben, Body: map[string]any{"ticket_title": evil, "description": "d"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create ticket: %d %s", r.Status, clip(r.Body))
	}
	var out bytes.Buffer
	opts := app.Options{Test: &app.TestHooks{Config: p.Config}, Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := app.AuditList(context.Background(), opts, app.AuditQuery{Email: "ben@globex.example"}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if !strings.Contains(text, "Printer") || !strings.Contains(text, "broken") {
		t.Fatalf("audit list lacks the ticket title:\n%q", text)
	}
	for _, c := range text {
		if c != '\n' && (unicode.IsControl(c) || c == '\u202e') {
			t.Errorf("audit list prints control character %U:\n%q", c, text)
		}
	}
}
