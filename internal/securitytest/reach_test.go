package securitytest

import (
	"net/url"
	"testing"
)

// TestNoBackdoorModules: module names in URLs cannot reach modules the
// portal does not publish, and searching for Acme's numbers or names
// finds nothing of Acme's. (Configured names match case-insensitively by design.)
func TestNoBackdoorModules(t *testing.T) {
	p := start(t, options{})
	v := learnVictim(t, p)
	ben := p.login(t, "ben@globex.example")
	for _, m := range []string{"Users", "Contacts", "Accounts", "ModComments", "Documents", "HelpDesk", "Leads", "Emails", "Currency", "PortalNotifications", "Assets;", "Assets%00"} {
		for _, path := range []string{"/custom-modules/" + url.PathEscape(m), "/custom-modules/" + url.PathEscape(m) + "/" + v.contact} {
			if r := p.do(t, req{Method: "GET", Path: path, Token: ben}); r.Status != 404 {
				t.Errorf("GET %s: %d, want 404: %s", path, r.Status, clip(r.Body))
			}
		}
		if m == "HelpDesk" {
			continue
		}
		if r := p.do(t, req{Method: "GET", Path: "/modules/" + url.PathEscape(m), Token: ben}); r.Status != 404 {
			t.Errorf("describe %s: %d, want 404", m, r.Status)
		}
	}
	for _, id := range []string{v.contact, v.account, p.Demo.CompanyID, v.ticket} {
		if r := p.do(t, req{Method: "GET", Path: "/managers/" + id, Token: ben}); r.Status != 404 {
			t.Errorf("manager %s: %d, want 404", id, r.Status)
		}
	}
	var terms []string
	for _, id := range []string{v.ticket, v.invoice, v.salesOrder, v.quote, v.project, v.contract} {
		rec, _ := p.Sim.Get(id)
		for _, f := range []string{"ticket_no", "invoice_no", "salesorder_no", "quote_no", "project_no", "contract_no", "ticket_title", "subject", "projectname"} {
			if rec[f] != "" {
				terms = append(terms, rec[f])
			}
		}
	}
	terms = append(terms, "Acme", "Anna", "acme.example", "%", "_")
	for _, term := range terms {
		for _, path := range []string{"/search?search=", "/tickets?search=", "/invoices?search=", "/projects?search=", "/custom-modules/Assets?search="} {
			r := p.do(t, req{Method: "GET", Path: path + url.QueryEscape(term), Token: ben})
			if m := v.leaksVictim(r.Body); m != "" {
				t.Errorf("Ben %s%s shows Acme's %s", path, term, m)
			}
		}
	}
}
