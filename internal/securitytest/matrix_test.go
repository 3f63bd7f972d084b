package securitytest

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

// concrete is one request built from a spec route.
type concrete struct {
	req
	victimIDs bool // the URL or body names Acme's records
	annaOwn   bool // every id is Anna's and they fit together: Anna may GET it
}

// attackBody is sent to every write route: plausible fields of every form
// plus ownership fields pointing at the victim.
func attackBody(v *victim) map[string]any {
	return map[string]any{
		"ticketstatus": "Closed", "ticket_title": "pwned", "description": "pwned", "commentcontent": "pwned",
		"projecttaskname": "pwned", "projecttaskstatus": "Completed", "assetname": "pwned", "content": "pwned",
		"token": "123456", "password": "x", "id": v.ticket, "parent_id": v.account, "contact_id": v.contact,
		"projectid": v.project, "account": v.account, "contact": v.contact,
	}
}

// expand turns a spec route into requests aimed at Acme's data. A route
// with several ids gets one variant per mix of the attacker's own parent
// and the victim's child (the earlier backend checked only the URL parent).
func expand(rt route, v *victim) []concrete {
	type sub struct {
		vals    map[string]string
		private bool
		own     bool
	}
	var subs []sub
	p := rt.Path
	switch {
	case strings.HasPrefix(p, "/tickets/"):
		subs = []sub{{map[string]string{"id": v.ticket, "att": v.ticketAtt}, true, true},
			{map[string]string{"id": v.benTick, "att": v.ticketAtt}, true, false}}
	case strings.HasPrefix(p, "/projects/{pid}"):
		subs = []sub{{map[string]string{"pid": v.project, "id": v.task, "att": v.taskAtt}, true, true},
			{map[string]string{"pid": v.benProject, "id": v.task, "att": v.taskAtt}, true, false},
			{map[string]string{"pid": v.project, "id": v.benTask, "att": v.taskAtt}, true, false},
			{map[string]string{"pid": v.benProject, "id": v.benTask, "att": v.taskAtt}, true, false}}
	case strings.HasPrefix(p, "/projects/"):
		subs = []sub{{map[string]string{"id": v.project, "att": v.projectAtt}, true, true},
			{map[string]string{"id": v.benProject, "att": v.projectAtt}, true, false}}
	case strings.HasPrefix(p, "/tasks/"):
		subs = []sub{{map[string]string{"id": v.task, "att": v.taskAtt}, true, true},
			{map[string]string{"id": v.benTask, "att": v.taskAtt}, true, false}}
	case strings.HasPrefix(p, "/service-contracts/"):
		subs = []sub{{map[string]string{"id": v.contract, "att": v.contractAtt}, true, true}}
	case strings.HasPrefix(p, "/custom-modules/{module}/"), strings.HasPrefix(p, "/custom-modules/undefined/"), strings.HasPrefix(p, "/{module}/"):
		subs = []sub{{map[string]string{"module": "Assets", "id": v.asset, "att": v.assetAtt}, true, true},
			// Another module's name in front of the victim's record.
			{map[string]string{"module": "HelpDesk", "id": v.ticket, "att": v.ticketAtt}, true, false},
			{map[string]string{"module": "tickets", "id": v.ticket, "att": v.ticketAtt}, true, false}}
	case strings.HasPrefix(p, "/invoices/"):
		subs = []sub{{map[string]string{"id": v.invoice}, true, true}}
	case strings.HasPrefix(p, "/sales-orders/"):
		subs = []sub{{map[string]string{"id": v.salesOrder}, true, true}}
	case strings.HasSuffix(p, "/accept") || strings.HasSuffix(p, "/reject"):
		// The open quote: a scope hole would change it (the snapshot shows).
		subs = []sub{{map[string]string{"id": v.quote}, true, true}, {map[string]string{"id": v.openQuote}, true, true}}
	case strings.HasPrefix(p, "/quotes/"):
		subs = []sub{{map[string]string{"id": v.quote}, true, true}}
	case strings.HasPrefix(p, "/notifications/"):
		subs = []sub{{map[string]string{"id": v.notification}, true, false}}
	case strings.HasPrefix(p, "/users/{crmid}"):
		subs = []sub{{map[string]string{"crmid": v.contact, "att": v.myAtt, "doc": v.myDoc}, true, true},
			{map[string]string{"crmid": v.benContact, "att": v.myAtt, "doc": v.myDoc}, true, false}}
	case strings.HasPrefix(p, "/managers/"):
		// Only CRM users are managers: a contact id is somebody's record.
		subs = []sub{{map[string]string{"id": v.contact}, true, false}}
	case strings.Contains(p, "{") && (strings.HasPrefix(p, "/products/") || strings.HasPrefix(p, "/services/") ||
		strings.HasPrefix(p, "/faqs/") || strings.HasPrefix(p, "/modules/")):
		// Public catalogue and schema: the attacker may read them, but Acme's
		// ids in their place must not turn them into a record reader.
		subs = []sub{{map[string]string{"id": v.ticket, "name": "Contacts"}, true, false}}
	case strings.HasPrefix(p, "/custom-modules/{module}"):
		subs = []sub{{map[string]string{"module": "Assets"}, false, false}}
	default:
		subs = []sub{{nil, false, false}}
	}
	var out []concrete
	for _, s := range subs {
		path := p
		for k, val := range s.vals {
			path = strings.ReplaceAll(path, "{"+k+"}", val)
		}
		if strings.Contains(path, "{") {
			panic("unsubstituted parameter in " + path)
		}
		c := concrete{req: req{Method: rt.Method, Path: path}, victimIDs: s.private && v.inPath(path), annaOwn: s.own}
		switch rt.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			c.Body = attackBody(v)
		}
		if strings.HasSuffix(path, "/documents") && rt.Method == http.MethodPost {
			c.Body, c.ContentType = nil, ""
		}
		if path == "/payments/create-payment-intent" {
			c.Body = map[string]any{"invoice_id": v.invoice, "so_id": "", "paymentMethodType": "card"}
			c.victimIDs = true
		}
		out = append(out, c)
	}
	return out
}

// TestCrossCustomerMatrix sends every route of the spec with Acme's ids
// as Ben (Globex), anonymously and with an OTP-pending token.
func TestCrossCustomerMatrix(t *testing.T) {
	p := start(t, options{payments: true})
	v := learnVictim(t, p)
	ben := p.login(t, "ben@globex.example")
	routes := specRoutes(t)
	// Logging out ends Ben's session: those go last.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.HasPrefix(routes[i].Path, "/users/logout") && strings.HasPrefix(routes[j].Path, "/users/logout")
	})
	before := takeSnapshot(p)
	counts := victimRelatedCounts(t, p, v)

	upload := func(c concrete) concrete {
		if strings.HasSuffix(c.Path, "/documents") && c.Method == http.MethodPost {
			c.Body, c.ContentType = testutil.FileForm(t, "evil.txt", []byte("from ben"))
		}
		return c
	}
	for _, rt := range routes {
		for _, c := range expand(rt, v) {
			c = upload(c)
			name := c.Method + " " + c.Path
			// Positive control: the ids are real and Anna can read them.
			if c.Method == http.MethodGet && c.annaOwn && !strings.HasPrefix(c.Path, "/custom-modules/Assets/"+v.asset+"/comments") {
				c.Token = v.token
				if r := p.do(t, c.req); r.Status != 200 {
					t.Errorf("control: Anna %s: %d %s", name, r.Status, clip(r.Body))
				}
			}
			c.Token = ben
			r := p.do(t, c.req)
			if r.Status >= 200 && r.Status < 300 {
				if m := v.leaksVictim(r.Body); m != "" {
					t.Errorf("Ben %s: %d shows Acme's %s: %s", name, r.Status, m, clip(r.Body))
				}
				if c.victimIDs && !isPublicRead(rt) {
					t.Errorf("Ben %s: %d, want 4xx", name, r.Status)
				}
			}
			if c.victimIDs && !isPublicRead(rt) && r.Status != 404 && r.Status != 403 && r.Status != 405 && r.Status != 422 && r.Status != 400 {
				t.Errorf("Ben %s: %d, want 404", name, r.Status)
			}
		}
	}
	assertNoWriteOnVictim(t, p, before)
	if got := victimRelatedCounts(t, p, v); got != counts {
		t.Errorf("Acme's comment/document counts changed: %v → %v", counts, got)
	}
}

// inPath reports whether a path segment is one of Acme's ids.
func (v *victim) inPath(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		for _, m := range v.markers {
			if `"`+seg+`"` == m {
				return true
			}
		}
		if seg == v.notification || seg == v.ticketAtt || seg == v.projectAtt || seg == v.taskAtt ||
			seg == v.contractAtt || seg == v.assetAtt || seg == v.myAtt {
			return true
		}
	}
	return false
}

// isPublicRead: catalogue, FAQ and schema routes everyone may read.
func isPublicRead(rt route) bool {
	for _, pre := range []string{"/products/{id}", "/services/{id}", "/faqs/{id}", "/modules/{name}"} {
		if rt.Path == pre {
			return true
		}
	}
	return false
}

// victimRelatedCounts counts comments and documents under Acme's records.
func victimRelatedCounts(t *testing.T, p *portal, v *victim) [2]int {
	t.Helper()
	var n [2]int
	for i, paths := range [][]string{
		{"/tickets/" + v.ticket + "/comments", "/projects/" + v.project + "/comments", "/projects/" + v.project + "/tasks/" + v.task + "/comments"},
		{"/tickets/" + v.ticket + "/documents", "/projects/" + v.project + "/documents", "/projects/" + v.project + "/tasks/" + v.task + "/documents",
			"/custom-modules/Assets/" + v.asset + "/documents", "/service-contracts/" + v.contract + "/documents", "/users/my/documents"},
	} {
		for _, path := range paths {
			r := p.do(t, req{Method: "GET", Path: path, Token: v.token})
			if r.Status != 200 {
				t.Fatalf("Anna %s: %d %s", path, r.Status, clip(r.Body))
			}
			rows, _ := r.JSON(t)["data"].([]any)
			n[i] += len(rows)
		}
	}
	return n
}
