package securitytest

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// csvMarkers are cells only Acme's rows hold: the record numbers of every
// Acme record (an export shows numbers, not webservice ids) and the names
// its references resolve to.
func csvMarkers(p *portal) (exact map[string]bool, within []string) {
	d := p.Demo
	exact = map[string]bool{}
	for _, m := range []map[string][]string{d.Tickets, d.Invoices, d.SalesOrders, d.Quotes, d.Projects, d.ProjectTasks,
		d.ServiceContracts, d.Assets} {
		for _, id := range m["acme"] {
			rec, _ := p.Sim.Get(id)
			for _, f := range []string{"ticket_no", "invoice_no", "salesorder_no", "quote_no", "project_no",
				"projecttask_no", "contract_no", "asset_no"} {
				if v := rec[f]; v != "" {
					exact[v] = true
				}
			}
		}
	}
	return exact, []string{"Acme Ltd", "Anna Becker", "Carl Jensen", "acme.example", "CUST-acme"}
}

func parseCSV(t *testing.T, what string, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v", what, err)
	}
	return rows
}

// leak names the first Acme cell of an export.
func leak(rows [][]string, exact map[string]bool, within []string) string {
	for _, r := range rows {
		for _, c := range r {
			c = strings.TrimPrefix(c, "'")
			if exact[c] {
				return c
			}
			for _, w := range within {
				if strings.Contains(c, w) {
					return w
				}
			}
		}
	}
	return ""
}

// TestExportNeverHoldsAnotherCustomersRows asks every list route of the
// spec for its CSV export (?format=csv and Accept: text/csv, with and
// without a search) as Ben: no Acme row may be in it, while Anna's export
// of the same route does hold Acme's rows (the markers are real). A
// project's task export aimed at Acme's project is the list's 404.
func TestExportNeverHoldsAnotherCustomersRows(t *testing.T) {
	p := start(t, options{})
	anna := p.login(t, "anna@acme.example")
	ben := p.login(t, "ben@globex.example")
	exact, within := csvMarkers(p)
	d := p.Demo

	// Customer-record lists: Anna's export must show Acme, Ben's never.
	customer := map[string]bool{"/tickets": true, "/projects": true, "/projects/{pid}/tasks": true, "/invoices": true,
		"/sales-orders": true, "/quotes": true, "/service-contracts": true, "/custom-modules/{module}": true}
	var exported []string
	for _, rt := range specRoutes(t) {
		if rt.Method != http.MethodGet || rt.Public {
			continue
		}
		last := rt.Path[strings.LastIndex(rt.Path, "/")+1:]
		if (strings.HasPrefix(last, "{") && rt.Path != "/custom-modules/{module}") || strings.HasPrefix(rt.Path, "/users/logout") {
			continue // a record, not a list (or the end of the session)
		}
		for _, q := range []string{"?format=csv", "?format=csv&search=a&sort=-createdtime", ""} {
			for who, tok := range map[string]string{"ben": ben, "anna": anna} {
				pid := d.Projects["globex"][0]
				if who == "anna" {
					pid = d.Projects["acme"][0]
				}
				path := strings.NewReplacer("{pid}", pid, "{module}", "Assets").Replace(rt.Path) + q
				rq := req{Method: http.MethodGet, Path: path, Token: tok}
				if q == "" {
					rq.Header = map[string]string{"Accept": "text/csv"}
				}
				r := p.do(t, rq)
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
					if customer[rt.Path] {
						t.Errorf("%s %s: %d %q, want a CSV export", who, path, r.Status, r.Header.Get("Content-Type"))
					}
					continue
				}
				rows := parseCSV(t, path, r.Body)
				if len(rows) == 0 {
					t.Errorf("%s %s: no header row", who, path)
					continue
				}
				m := leak(rows, exact, within)
				switch {
				case who == "ben" && m != "":
					t.Errorf("Ben's export %s holds Acme's %q", path, m)
				case who == "anna" && customer[rt.Path] && q != "?format=csv&search=a&sort=-createdtime" && m == "":
					t.Errorf("control: Anna's export %s holds no Acme row (%d rows)", path, len(rows)-1)
				}
				if who == "ben" && q == "?format=csv" && !slices.Contains(exported, rt.Path) {
					exported = append(exported, rt.Path)
				}
			}
		}
	}
	for path := range customer {
		if !slices.Contains(exported, path) {
			t.Errorf("%s does not export at all; the check above tested nothing for it", path)
		}
	}
	// Acme's project under Ben's token: the task export is a 404 JSON error.
	r := p.do(t, req{Method: http.MethodGet, Path: "/projects/" + d.Projects["acme"][0] + "/tasks?format=csv", Token: ben})
	if r.Status != http.StatusNotFound {
		t.Errorf("Ben exporting the tasks of Acme's project: %d %s", r.Status, clip(r.Body))
	}
}
