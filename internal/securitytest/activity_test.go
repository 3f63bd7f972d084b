package securitytest

import (
	"context"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"net/http"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

// registerCarl signs up Anna's colleague Carl (Acme) with his demo code
// and logs him in.
func registerCarl(t *testing.T, p *portal) string {
	t.Helper()
	const pw = "Str0ng-Passw0rd!"
	if r := p.do(t, req{Method: "POST", Path: "/users", Body: map[string]string{"email": "carl@acme.example", "code": "CODE42", "password": pw}}); r.Status != http.StatusCreated {
		t.Fatalf("register Carl: %d %s", r.Status, clip(r.Body))
	}
	r := p.do(t, req{Method: "POST", Path: "/users/login", Body: map[string]string{"email": "carl@acme.example", "password": pw}})
	if r.Status != http.StatusCreated {
		t.Fatalf("login Carl: %d %s", r.Status, clip(r.Body))
	}
	return r.JSON(t)["token"].(string)
}

// TestActivityOfContactModulesStaysWithTheContact: a custom module
// configured with visibility "contact" keeps its trail entries with the
// contact who wrote them, however the module is spelt in the URL (route
// names match case-insensitively). A colleague of the same organisation sees
// neither the record id nor what was written.
func TestActivityOfContactModulesStaysWithTheContact(t *testing.T) {
	p := start(t, options{mutate: func(cfg *config.Config) {
		cfg.Vtiger.Business.Modules = map[string]config.ModuleConfig{"Assets": {Visibility: "contact"}}
	}})
	anna := p.login(t, "anna@acme.example")
	carl := registerCarl(t, p)
	asset := p.Demo.Assets["acme"][0]

	const secretName, secretFile = "anna-private-asset-name", "anna-private-file.txt"
	writes := []req{
		{Method: "PATCH", Path: "/custom-modules/assets/" + asset, Body: map[string]any{"assetname": secretName}},
		{Method: "PATCH", Path: "/custom-modules/ASSETS/" + asset, Body: map[string]any{"assetname": secretName + "-2"}},
	}
	up, ct := testutil.FileForm(t, secretFile, []byte("anna's private file"))
	writes = append(writes, req{Method: "POST", Path: "/custom-modules/aSSets/" + asset + "/documents", Body: up, ContentType: ct})
	for _, w := range writes {
		w.Token = anna
		if r := p.do(t, w); r.Status/100 != 2 {
			t.Fatalf("Anna %s %s: %d %s", w.Method, w.Path, r.Status, clip(r.Body))
		}
	}
	// Positive control: Anna sees her own three entries.
	mine := p.do(t, req{Method: "GET", Path: "/activity?record=" + asset, Token: anna})
	if rows, _ := mine.JSON(t)["data"].([]any); len(rows) != len(writes) {
		t.Fatalf("Anna's trail of %s has %d entries, want %d: %s", asset, len(rows), len(writes), clip(mine.Body))
	}
	for _, r := range mine.JSON(t)["data"].([]any) {
		if m := r.(map[string]any)["module"]; m != "Assets" {
			t.Errorf("entry filed under module %v, want the configured name Assets", m)
		}
	}
	for _, path := range []string{"/activity", "/activity?record=" + asset} {
		r := p.do(t, req{Method: "GET", Path: path, Token: carl})
		if r.Status != http.StatusOK {
			t.Fatalf("Carl GET %s: %d %s", path, r.Status, clip(r.Body))
		}
		for _, leak := range []string{asset, secretName, secretFile} {
			if strings.Contains(string(r.Body), leak) {
				t.Errorf("Carl GET %s shows Anna's contact-only %q: %s", path, leak, clip(r.Body))
			}
		}
	}
	if r := p.do(t, req{Method: "GET", Path: "/custom-modules/Assets/" + asset + "/activity", Token: carl}); r.Status != http.StatusNotFound {
		t.Errorf("Carl GET the asset's own trail: %d, want 404", r.Status)
	}
}

// TestActivityOfTasksFollowsTheirProject: project tasks are seen through
// their project, so with Project configured visibility "contact" the
// trail of a task written by Anna stays Anna's like the project's own.
func TestActivityOfTasksFollowsTheirProject(t *testing.T) {
	p := start(t, options{mutate: func(cfg *config.Config) {
		cfg.Vtiger.Business.Modules = map[string]config.ModuleConfig{"Project": {Visibility: "contact"}}
	}})
	project := p.Demo.Projects["acme"][0]
	if err := p.Sim.Set(project, map[string]string{"linktoaccountscontacts": p.Demo.Contacts["anna"]}); err != nil {
		t.Fatal(err)
	}
	anna := p.login(t, "anna@acme.example")
	carl := registerCarl(t, p)
	const secret = "anna-private-task"
	r := p.do(t, req{Method: "POST", Path: "/projects/" + project + "/tasks", Token: anna,
		Body: map[string]any{"projecttaskname": secret, "projecttaskstatus": "Open"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("Anna's task: %d %s", r.Status, clip(r.Body))
	}
	if r := p.do(t, req{Method: "POST", Path: "/projects/" + project + "/comments", Token: anna,
		Body: map[string]any{"commentcontent": secret + "-comment"}}); r.Status != http.StatusCreated {
		t.Fatalf("Anna's project comment: %d %s", r.Status, clip(r.Body))
	}
	if rows, _ := p.do(t, req{Method: "GET", Path: "/activity", Token: anna}).JSON(t)["data"].([]any); len(rows) < 2 {
		t.Fatalf("Anna's trail has %d entries, want her task and comment", len(rows))
	}
	r = p.do(t, req{Method: "GET", Path: "/activity", Token: carl})
	if r.Status != http.StatusOK {
		t.Fatalf("Carl GET /activity: %d", r.Status)
	}
	if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), project) {
		t.Errorf("Carl sees Anna's contact-only project work: %s", clip(r.Body))
	}
}

// TestActivityRecordsOddlyCasedFields: the JSON decoding of the portal's
// write bodies matches keys case-insensitively, so what such a key
// changed must show in the trail too: a customer cannot hide a change
// from their organisation by writing TicketStatus for ticketstatus.
func TestActivityRecordsOddlyCasedFields(t *testing.T) {
	p := start(t, options{})
	ben := p.login(t, "ben@globex.example")
	ticket := p.Demo.Tickets["globex"][0]
	if r := p.do(t, req{Method: "PATCH", Path: "/tickets/" + ticket, Token: ben, Body: `{"TicketStatus":"Closed"}`}); r.Status/100 != 2 {
		t.Fatalf("PATCH: %d %s", r.Status, clip(r.Body))
	}
	if rec, _ := p.Sim.Get(ticket); rec["ticketstatus"] != "Closed" {
		t.Fatalf("the oddly cased key was not applied (ticketstatus %q): nothing to record", rec["ticketstatus"])
	}
	if r := p.do(t, req{Method: "POST", Path: "/tickets", Token: ben, Body: `{"TICKET_TITLE":"hidden title","Description":"hidden text"}`}); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, clip(r.Body))
	}
	r := p.do(t, req{Method: "GET", Path: "/activity", Token: ben})
	for _, want := range []string{`"new":"Closed"`, `"new":"hidden title"`, `"new":"hidden text"`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("trail lacks %s: %s", want, clip(r.Body))
		}
	}
}

// TestActivityNamesUploadsWhateverTheContentTypeCasing: media types are
// case-insensitive, and the upload handlers read "Multipart/Form-Data"
// like "multipart/form-data"; the trail names the file either way.
func TestActivityNamesUploadsWhateverTheContentTypeCasing(t *testing.T) {
	p := start(t, options{})
	ben := p.login(t, "ben@globex.example")
	body, ct := testutil.FileForm(t, "casing-report.txt", []byte("hello"))
	ct = strings.Replace(ct, "multipart/form-data", "Multipart/Form-Data", 1)
	if r := p.do(t, req{Method: "POST", Path: "/users/my/documents", Token: ben, Body: body, ContentType: ct}); r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, clip(r.Body))
	}
	if r := p.do(t, req{Method: "GET", Path: "/activity", Token: ben}); !strings.Contains(string(r.Body), "casing-report.txt") {
		t.Errorf("trail does not name the upload: %s", clip(r.Body))
	}
}

// TestActivityRecordFilterStaysInScope: another organisation's record id
// in ?record= is an empty page, never that record's trail.
func TestActivityRecordFilterStaysInScope(t *testing.T) {
	p := start(t, options{})
	v := learnVictim(t, p)
	ben := p.login(t, "ben@globex.example")
	for id, docs := range map[string]string{v.ticket: "/tickets/" + v.ticket, v.project: "/projects/" + v.project,
		v.task: "/projects/" + v.project + "/tasks/" + v.task, v.contract: "/service-contracts/" + v.contract,
		v.asset: "/custom-modules/Assets/" + v.asset} {
		body, ct := testutil.FileForm(t, "trail.txt", []byte("anna's"))
		if r := p.do(t, req{Method: "POST", Path: docs + "/documents", Token: v.token, Body: body, ContentType: ct}); r.Status != http.StatusCreated {
			t.Fatalf("Anna uploading to %s: %d %s", docs, r.Status, clip(r.Body))
		}
		mine := p.do(t, req{Method: "GET", Path: "/activity?record=" + id, Token: v.token})
		if rows, _ := mine.JSON(t)["data"].([]any); len(rows) == 0 {
			t.Errorf("control: Anna's trail of %s is empty", id)
		}
		r := p.do(t, req{Method: "GET", Path: "/activity?record=" + id, Token: ben})
		rows, _ := r.JSON(t)["data"].([]any)
		if r.Status != http.StatusOK || len(rows) != 0 || r.JSON(t)["count"] != 0.0 {
			t.Errorf("Ben ?record=%s: %d %s", id, r.Status, clip(r.Body))
		}
		if m := v.leaksVictim(r.Body); m != "" {
			t.Errorf("Ben ?record=%s shows Acme's %s", id, m)
		}
	}
}

// TestActivityRecordsFactsNotClaims: POST /payments/confirm reads only
// the intent id and asks Stripe for the rest, so what a client claims
// beside it (status, amount, currency) must not enter the trail as if
// it had happened.
func TestActivityRecordsFactsNotClaims(t *testing.T) {
	p := start(t, options{payments: true})
	anna := p.login(t, "anna@acme.example")
	var unpaid string
	for _, id := range p.Demo.Invoices["acme"] {
		if rec, _ := p.Sim.Get(id); rec["invoicestatus"] != "Paid" {
			unpaid = id
		}
	}
	r := p.do(t, req{Method: "POST", Path: "/payments/create-payment-intent", Token: anna, Body: map[string]any{"invoice_id": unpaid}})
	if r.Status != http.StatusOK {
		t.Fatalf("intent: %d %s", r.Status, clip(r.Body))
	}
	// stripe-mock's client secret is a fixture; the stored row has the id.
	var intent string
	if err := p.DB.Pool().QueryRow(context.Background(), `SELECT stripe_payment_id FROM payments ORDER BY id DESC LIMIT 1`).Scan(&intent); err != nil {
		t.Fatal(err)
	}
	r = p.do(t, req{Method: "POST", Path: "/payments/confirm", Token: anna,
		Body: map[string]any{"id": intent, "status": "claimed-status", "amount": 0.01, "currency": "claimed-currency"}})
	if r.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.Status, clip(r.Body))
	}
	trail := p.do(t, req{Method: "GET", Path: "/activity", Token: anna})
	if !strings.Contains(string(trail.Body), "payment-confirm") || !strings.Contains(string(trail.Body), intent) {
		t.Fatalf("no payment-confirm entry for %s: %s", intent, clip(trail.Body))
	}
	for _, claim := range []string{"claimed-status", "claimed-currency", "0.01"} {
		if strings.Contains(string(trail.Body), claim) {
			t.Errorf("trail records the client's claim %q: %s", claim, clip(trail.Body))
		}
	}
}
