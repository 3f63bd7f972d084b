package securitytest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDemoRoutesResistHostileInput: the demo-only routes outside /api/v1
// (they exist in demo mode only; internal/app tests their absence
// elsewhere) answer hostile ids and bodies with a 4xx JSON error, and
// answer only tickets.
func TestDemoRoutesResistHostileInput(t *testing.T) {
	p := start(t, options{})
	root := strings.TrimSuffix(p.base, "/api/v1")
	d := p.Demo
	ids := append([]string{d.Invoices["acme"][0], d.Contacts["anna"], d.Accounts["acme"], d.Documents["acme"][0]}, badIDs...)
	for _, id := range ids {
		path := root + "/demo/tickets/" + url.PathEscape(id) + "/answer"
		if strings.Contains(id, "%") {
			path = root + "/demo/tickets/" + id + "/answer"
		}
		if r := p.do(t, req{Method: "POST", Path: path, Body: map[string]string{"text": "x"}}); r.Status != http.StatusNotFound {
			t.Errorf("answer %q: %d, want 404", id, r.Status)
		}
	}
	ticket := root + "/demo/tickets/" + d.Tickets["acme"][0] + "/answer"
	for _, b := range []string{"", "{", "[]", `{"text":1}`, `{"text":" "}`, `{"text":"` + strings.Repeat("a", 2<<20) + `"}`} {
		if r := p.do(t, req{Method: "POST", Path: ticket, Body: b}); r.Status < 400 {
			t.Errorf("answer body %.20q: %d, want 4xx", b, r.Status)
		}
	}
	if r := p.do(t, req{Method: "GET", Path: root + "/demo/mail?x=%27"}); r.Status != http.StatusOK {
		t.Errorf("GET /demo/mail: %d", r.Status)
	}
}
