package securitytest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

// victim is everything of Anna's (Acme) an attacker may aim at, learned
// through Anna's own API so every id is one she really can use.
type victim struct {
	token                                    string
	contact, account                         string
	ticket, ticketAtt                        string
	project, projectAtt                      string
	task, taskAtt                            string
	contract, contractAtt                    string
	asset, assetAtt                          string
	invoice, salesOrder, quote               string
	openQuote                                string // open and unexpired: accept/reject would change it
	notification                             string
	myDoc, myAtt                             string
	markers                                  []string // quoted JSON strings that only Acme's data contains
	benContact, benProject, benTask, benTick string
}

func firstDoc(t *testing.T, p *portal, token, path string) (doc, att string) {
	t.Helper()
	r := p.do(t, req{Method: "GET", Path: path, Token: token})
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, clip(r.Body))
	}
	rows, _ := r.JSON(t)["data"].([]any)
	for _, row := range rows {
		m := row.(map[string]any)
		if a, _ := m["imageattachmentids"].(string); a != "" {
			return m["id"].(string), strings.Split(a, ",")[0]
		}
	}
	return "", ""
}

// learnVictim collects Anna's ids; a record type without documents gets
// them uploaded by Anna herself, so every file route has a real target.
func learnVictim(t *testing.T, p *portal) *victim {
	t.Helper()
	d := p.Demo
	v := &victim{
		token:   p.login(t, "anna@acme.example"),
		contact: d.Contacts["anna"], account: d.Accounts["acme"],
		ticket: d.Tickets["acme"][0], project: d.Projects["acme"][0],
		contract: d.ServiceContracts["acme"][0], asset: d.Assets["acme"][0],
		invoice: d.Invoices["acme"][0], salesOrder: d.SalesOrders["acme"][0], quote: d.Quotes["acme"][0],
		openQuote:  d.Quotes["acme"][len(d.Quotes["acme"])-1],
		benContact: d.Contacts["ben"], benProject: d.Projects["globex"][0], benTick: d.Tickets["globex"][0],
	}
	for _, id := range d.ProjectTasks["acme"] {
		if rec, _ := p.Sim.Get(id); rec["projectid"] == v.project {
			v.task = id
			break
		}
	}
	for _, id := range d.ProjectTasks["globex"] {
		if rec, _ := p.Sim.Get(id); rec["projectid"] == v.benProject {
			v.benTask = id
			break
		}
	}
	if v.task == "" || v.benTask == "" {
		t.Fatal("demo data has no task under the first projects")
	}
	ensureDoc := func(listPath string) string {
		_, att := firstDoc(t, p, v.token, listPath)
		if att == "" {
			body, ct := testutil.FileForm(t, "note.txt", []byte("anna's private note"))
			if r := p.do(t, req{Method: "POST", Path: listPath, Token: v.token, Body: body, ContentType: ct}); r.Status != 201 {
				t.Fatalf("Anna uploading to %s: %d %s", listPath, r.Status, clip(r.Body))
			}
			_, att = firstDoc(t, p, v.token, listPath)
		}
		if att == "" {
			t.Fatalf("no attachment under %s", listPath)
		}
		return att
	}
	v.ticketAtt = ensureDoc("/tickets/" + v.ticket + "/documents")
	v.projectAtt = ensureDoc("/projects/" + v.project + "/documents")
	v.taskAtt = ensureDoc("/projects/" + v.project + "/tasks/" + v.task + "/documents")
	v.contractAtt = ensureDoc("/service-contracts/" + v.contract + "/documents")
	v.assetAtt = ensureDoc("/custom-modules/Assets/" + v.asset + "/documents")
	v.myDoc, v.myAtt = firstDoc(t, p, v.token, "/users/my/documents")
	if v.myAtt == "" {
		t.Fatal("Anna has no personal document")
	}
	// The notification import runs in the background after start.
	deadline := time.Now().Add(15 * time.Second)
	for v.notification == "" {
		r := p.do(t, req{Method: "GET", Path: "/notifications", Token: v.token})
		if rows, _ := r.JSON(t)["data"].([]any); len(rows) > 0 {
			v.notification = fmt.Sprint(rows[0].(map[string]any)["id"])
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no notification imported for Anna")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ids := []string{v.contact, d.Contacts["carl"], v.account}
	for _, m := range []map[string][]string{d.Tickets, d.Invoices, d.SalesOrders, d.Quotes, d.Projects, d.ProjectTasks,
		d.ServiceContracts, d.Assets, d.Documents, d.Comments} {
		ids = append(ids, m["acme"]...)
	}
	for _, id := range ids {
		v.markers = append(v.markers, `"`+id+`"`)
	}
	v.markers = append(v.markers, "anna@acme.example", "Acme Ltd", "carl@acme")
	return v
}

// leaksVictim names the first Acme marker in body.
func (v *victim) leaksVictim(body []byte) string {
	for _, m := range v.markers {
		if strings.Contains(string(body), m) {
			return m
		}
	}
	return ""
}

// snapshot is every record of the simulator, by id.
type snapshot map[string]map[string]string

func takeSnapshot(p *portal) snapshot {
	out := snapshot{}
	for prefix := 1; prefix <= 80; prefix++ {
		misses := 0
		for n := 1; n <= 2000 && misses < 400; n++ {
			id := fmt.Sprintf("%dx%d", prefix, n)
			if rec, ok := p.Sim.Get(id); ok {
				out[id] = rec
				misses = 0
			} else {
				misses++
			}
		}
	}
	return out
}

func mentionsAny(rec map[string]string, vals map[string]bool) string {
	for k, v := range rec {
		if vals[v] {
			return k + "=" + v
		}
	}
	return ""
}

// assertNoWriteOnVictim fails when a record that mentioned Acme changed or
// vanished, or a new record points at Acme's data.
func assertNoWriteOnVictim(t *testing.T, p *portal, before snapshot) {
	t.Helper()
	acme := map[string]bool{}
	for id, rec := range before {
		if rec["account_id"] == p.Demo.Accounts["acme"] || rec["parent_id"] == p.Demo.Accounts["acme"] ||
			rec["contact_id"] == p.Demo.Contacts["anna"] || rec["account"] == p.Demo.Accounts["acme"] {
			acme[id] = true
		}
	}
	for _, m := range []map[string][]string{p.Demo.Tickets, p.Demo.Invoices, p.Demo.SalesOrders, p.Demo.Quotes,
		p.Demo.Projects, p.Demo.ProjectTasks, p.Demo.ServiceContracts, p.Demo.Assets, p.Demo.Documents, p.Demo.Comments} {
		for _, id := range m["acme"] {
			acme[id] = true
		}
	}
	acme[p.Demo.Accounts["acme"]], acme[p.Demo.Contacts["anna"]], acme[p.Demo.Contacts["carl"]] = true, true, true
	after := takeSnapshot(p)
	for id := range acme {
		b, a := before[id], after[id]
		if b == nil {
			continue
		}
		if a == nil {
			t.Errorf("Acme record %s was deleted", id)
			continue
		}
		for k, bv := range b {
			if a[k] != bv && k != "modifiedtime" {
				t.Errorf("Acme record %s changed: %s %q → %q", id, k, bv, a[k])
			}
		}
	}
	for id, rec := range after {
		if before[id] != nil {
			continue
		}
		if f := mentionsAny(rec, acme); f != "" {
			t.Errorf("new record %s points at Acme data (%s): %v", id, f, rec)
		}
	}
}
