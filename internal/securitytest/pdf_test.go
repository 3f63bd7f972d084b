package securitytest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/testutil/pdftext"
)

// TestPDFCacheKeepsOrganisationsApart: an invoice billed to Acme but
// issued to Globex's contact Ben is visible to both. Its PDF names the
// billed organisation only for Acme's customers, so the copy rendered for
// Anna (with "Acme Ltd") must never be served to Ben from the cache, nor
// Ben's (without it) to Anna.
func TestPDFCacheKeepsOrganisationsApart(t *testing.T) {
	p := start(t, options{})
	inv := p.Demo.Invoices["acme"][0]
	if err := p.Sim.Set(inv, map[string]string{"contact_id": p.Demo.Contacts["ben"]}); err != nil {
		t.Fatal(err)
	}
	anna, ben := p.login(t, "anna@acme.example"), p.login(t, "ben@globex.example")
	pdf := func(token string) string {
		t.Helper()
		r := p.do(t, req{Method: "GET", Path: "/invoices/" + inv + "/pdf", Token: token})
		if r.Status != http.StatusOK {
			t.Fatalf("GET invoice PDF: %d %s", r.Status, clip(r.Body))
		}
		return pdftext.Text(t, r.Body)
	}
	for round, order := range [][]string{{anna, ben}, {ben, anna}} {
		for _, tok := range order {
			text := pdf(tok)
			named := strings.Contains(text, "Acme Ltd")
			if tok == anna && !named {
				t.Errorf("round %d: Anna's copy does not name her organisation:\n%s", round, text)
			}
			if tok == ben && named {
				t.Errorf("round %d: Ben's copy names Acme Ltd, the organisation of another customer:\n%s", round, text)
			}
		}
	}
}
