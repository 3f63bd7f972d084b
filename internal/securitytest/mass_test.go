package securitytest

import (
	"net/http"
	"testing"
)

// TestMassAssignment tries to set ownership, numbering, amounts and ids on
// every write route; the stored records keep the attacker in their own
// scope and protected fields untouched.
func TestMassAssignment(t *testing.T) {
	p := start(t, options{})
	v := learnVictim(t, p)
	d := p.Demo
	ben := p.login(t, "ben@globex.example")
	globex, benContact := d.Accounts["globex"], d.Contacts["ben"]
	before := takeSnapshot(p)
	evil := map[string]any{
		"id": v.ticket, "parent_id": v.account, "account_id": v.account, "contact_id": v.contact, "account": v.account,
		"contact": v.contact, "assigned_user_id": d.AdminUserID, "projectid": v.project, "ticket_no": "TT1", "asset_no": "AST1",
		"projecttask_no": "PT1", "hours": "999", "days": "99", "solution": "pwned", "from_portal": "0", "source": "CRM",
		"hdnGrandTotal": "0.01", "amount": 0.01, "received": "99999", "balance": "0", "invoicestatus": "Paid",
		"LineItems":   []any{map[string]any{"productid": d.Products[0], "quantity": 1, "listprice": 0.01}},
		"createdtime": "2000-01-01 00:00:00", "modifiedby": d.AdminUserID, "sc_related_to": v.account, "starred": "1",
		"crmid": v.contact, "email": "anna@acme.example", "is_active": false, "otp_enabled": false, "user_id": 1,
	}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, val := range evil {
			out[k] = val
		}
		for k, val := range extra {
			out[k] = val
		}
		return out
	}
	mustStored := func(id string, want map[string]string) {
		t.Helper()
		rec, ok := p.Sim.Get(id)
		if !ok {
			t.Fatalf("record %s missing", id)
		}
		for k, w := range want {
			if rec[k] != w {
				t.Errorf("record %s: %s = %q, want %q", id, k, rec[k], w)
			}
		}
	}
	created := func(r resp) string {
		t.Helper()
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, clip(r.Body))
		}
		m := r.JSON(t)
		if data, ok := m["data"].(map[string]any); ok {
			m = data
		}
		id, _ := m["id"].(string)
		if id == "" || id == v.ticket {
			t.Fatalf("create answered id %q", id)
		}
		return id
	}

	// Tickets.
	id := created(p.do(t, req{Method: "POST", Path: "/tickets", Token: ben, Body: with(map[string]any{"ticket_title": "mass", "description": "x"})}))
	mustStored(id, map[string]string{"parent_id": globex, "contact_id": benContact, "solution": "", "hours": ""})
	benTicket := d.Tickets["globex"][1]
	orig, _ := p.Sim.Get(benTicket)
	p.do(t, req{Method: "PUT", Path: "/tickets/" + benTicket, Token: ben, Body: with(map[string]any{"ticket_title": "edited"})})
	p.do(t, req{Method: "PATCH", Path: "/tickets/" + benTicket, Token: ben, Body: with(map[string]any{"ticketstatus": "Closed"})})
	mustStored(benTicket, map[string]string{"parent_id": orig["parent_id"], "contact_id": orig["contact_id"], "solution": orig["solution"],
		"hours": orig["hours"], "ticket_no": orig["ticket_no"], "assigned_user_id": orig["assigned_user_id"]})
	// A status staff reserve for themselves is refused.
	if r := p.do(t, req{Method: "PATCH", Path: "/tickets/" + benTicket, Token: ben, Body: map[string]any{"ticketstatus": "In Progress' OR 1=1"}}); r.Status != 422 {
		t.Errorf("PATCH ticket with an unknown status: %d", r.Status)
	}

	// Project tasks.
	benProject := d.Projects["globex"][0]
	tid := created(p.do(t, req{Method: "POST", Path: "/projects/" + benProject + "/tasks", Token: ben,
		Body: with(map[string]any{"projecttaskname": "mass", "projecttaskstatus": "Open"})}))
	mustStored(tid, map[string]string{"projectid": benProject})
	benTask := v.benTask
	orig, _ = p.Sim.Get(benTask)
	p.do(t, req{Method: "PATCH", Path: "/projects/" + benProject + "/tasks/" + benTask, Token: ben, Body: with(map[string]any{"projecttaskname": "renamed", "projecttaskhours": "999"})})
	p.do(t, req{Method: "PATCH", Path: "/projects/" + benProject + "/tickets/" + benTask, Token: ben, Body: with(nil)})
	mustStored(benTask, map[string]string{"projectid": orig["projectid"], "projecttaskname": orig["projecttaskname"],
		"projecttaskhours": orig["projecttaskhours"], "assigned_user_id": orig["assigned_user_id"], "projecttask_no": orig["projecttask_no"]})

	// Custom module (Assets).
	aid := created(p.do(t, req{Method: "POST", Path: "/custom-modules/Assets", Token: ben, Body: with(map[string]any{"assetname": "mass", "serialnumber": "S1", "assetstatus": "In Service", "product": d.Products[0], "datesold": "2026-01-01", "dateinservice": "2026-01-01"})}))
	mustStored(aid, map[string]string{"account": globex, "contact": benContact})
	benAsset := d.Assets["globex"][0]
	orig, _ = p.Sim.Get(benAsset)
	for _, m := range []string{"PUT", "PATCH"} {
		p.do(t, req{Method: m, Path: "/custom-modules/Assets/" + benAsset, Token: ben, Body: with(map[string]any{"invoiceid": v.invoice})})
	}
	mustStored(benAsset, map[string]string{"account": orig["account"], "contact": orig["contact"], "asset_no": orig["asset_no"],
		"invoiceid": orig["invoiceid"], "assigned_user_id": orig["assigned_user_id"]})

	// Profile and settings.
	contact, _ := p.Sim.Get(benContact)
	r := p.do(t, req{Method: "PUT", Path: "/users/my", Token: ben, Body: with(map[string]any{"firstname": "Ben"})})
	if r.Status < 400 {
		prof := p.do(t, req{Method: "GET", Path: "/users/my", Token: ben}).JSON(t)["data"].(map[string]any)
		if prof["crmid"] != benContact || prof["account_id"] != globex || prof["email"] != "ben@globex.example" || prof["is_active"] != true {
			t.Errorf("profile after mass assignment: %v", prof)
		}
	}
	p.do(t, req{Method: "PATCH", Path: "/users/settings", Token: ben, Body: map[string]any{"account_id": v.account, "email": "anna@acme.example", "lastname": "pwned", "portal": "0"}})
	mustStored(benContact, map[string]string{"account_id": contact["account_id"], "email": contact["email"], "lastname": contact["lastname"], "portal": contact["portal"]})
	// Anna can still log in with her own address; Ben's cannot take it.
	p.login(t, "anna@acme.example")

	// Leads carry the caller's data, never an assignment or a link chosen by the caller.
	p.do(t, req{Method: "POST", Path: "/leads", Token: ben, Body: with(map[string]any{"lastname": "Lead", "company": "X"})})

	assertNoWriteOnVictim(t, p, before)
}
