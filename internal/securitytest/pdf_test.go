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

// TestPDFRouteTakesOnlyItsModule: Anna's own records of the other
// inventory modules (and of any other module) are not documents of the
// route: 404, never a document rendered from the wrong record.
func TestPDFRouteTakesOnlyItsModule(t *testing.T) {
	p := start(t, options{})
	anna := p.login(t, "anna@acme.example")
	d := p.Demo
	own := map[string]string{"invoices": d.Invoices["acme"][0], "sales-orders": d.SalesOrders["acme"][0], "quotes": d.Quotes["acme"][0]}
	for route := range own {
		for other, id := range own {
			want := http.StatusNotFound
			if other == route {
				want = http.StatusOK
			}
			if r := p.do(t, req{Method: "GET", Path: "/" + route + "/" + id + "/pdf", Token: anna}); r.Status != want {
				t.Errorf("GET /%s/%s/pdf (a %s id): %d, want %d", route, id, other, r.Status, want)
			}
		}
		for _, id := range []string{d.Tickets["acme"][0], d.Contacts["anna"], d.Accounts["acme"], d.CompanyID, d.Products[0]} {
			if r := p.do(t, req{Method: "GET", Path: "/" + route + "/" + id + "/pdf", Token: anna}); r.Status != http.StatusNotFound {
				t.Errorf("GET /%s/%s/pdf: %d, want 404", route, id, r.Status)
			}
		}
	}
}
