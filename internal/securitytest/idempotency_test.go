package securitytest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// chunked hides a body's length, so the size limit is only found while
// the handler reads it.
type chunked struct{ io.Reader }

// TestIdempotencyKeys: a key is the caller's own (another customer
// reusing it runs their own request and never sees the first answer), and
// a request that was cut short by the body limit leaves no answer behind
// that a later, complete request under the same key would get instead of
// running.
func TestIdempotencyKeys(t *testing.T) {
	p := start(t, options{})
	anna, ben := p.login(t, "anna@acme.example"), p.login(t, "ben@globex.example")
	post := func(token, key, path string, body io.Reader) resp {
		t.Helper()
		hr, err := http.NewRequest("POST", p.base+path, body)
		if err != nil {
			t.Fatal(err)
		}
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Authorization", "Bearer "+token)
		hr.Header.Set("Idempotency-Key", key)
		hres, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer hres.Body.Close()
		b, _ := io.ReadAll(hres.Body)
		r := resp{Status: hres.StatusCode, Header: hres.Header, Body: b}
		checkAnswer(t, "POST "+path, r)
		return r
	}
	ticket := `{"ticket_title":"Printer jam","description":"second floor"}`

	// Anna's answer stays Anna's.
	first := post(anna, "shared-key", "/tickets", strings.NewReader(ticket))
	if first.Status != http.StatusCreated {
		t.Fatalf("Anna's ticket: %d %s", first.Status, clip(first.Body))
	}
	other := post(ben, "shared-key", "/tickets", strings.NewReader(ticket))
	if other.Status != http.StatusCreated || other.Header.Get("Idempotent-Replayed") != "" || string(other.Body) == string(first.Body) {
		t.Errorf("Ben reusing Anna's key: %d replayed=%q %s", other.Status, other.Header.Get("Idempotent-Replayed"), clip(other.Body))
	}
	if strings.Contains(string(other.Body), "anna@acme.example") || strings.Contains(string(other.Body), p.Demo.Accounts["acme"]) {
		t.Errorf("Ben's answer shows Anna's data: %s", clip(other.Body))
	}
	// The same key on another route is another request: refused, not replayed.
	if r := post(anna, "shared-key", "/leads", strings.NewReader(`{"lastname":"L","company":"C"}`)); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("Anna's key on another route: %d %s, want 422", r.Status, clip(r.Body))
	}

	// An oversized body of unknown length is cut off while read: 413.
	big := `{"ticket_title":"` + strings.Repeat("a", int(p.Config.HTTP.MaxBodyBytes)+10) + `"}`
	if r := post(anna, "cut-key", "/tickets", chunked{strings.NewReader(big)}); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized chunked body: %d %s, want 413", r.Status, clip(r.Body))
	}
	// Retried oversized under the key: 413 again, whichever way it is found.
	if r := post(anna, "cut-key", "/tickets", chunked{strings.NewReader(big)}); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized retry: %d %s, want 413", r.Status, clip(r.Body))
	}
	// The request the customer meant, fixed, under the same key: it runs.
	if r := post(anna, "cut-key", "/tickets", strings.NewReader(ticket)); r.Status != http.StatusCreated || r.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("complete request after a cut-off one under the same key: %d replayed=%q %s, want a new 201",
			r.Status, r.Header.Get("Idempotent-Replayed"), clip(r.Body))
	}
}
