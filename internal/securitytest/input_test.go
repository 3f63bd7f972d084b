package securitytest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

var badIDs = []string{"x", "99x99", "1x1 OR 1=1", "17x1;", "..", "%2e%2e%2f", strings.Repeat("9", 5000), "17x" + strings.Repeat("1", 400),
	"ünïcødé", "%00", "17x1%00", "'", "17x1'--", "-1", "0", "0x0", "17x-1", "1e10", "17x1 ", "%20", "null", "[]"}

// TestMalformedPathParameters puts hostile values into every path
// parameter of the spec: 4xx JSON with a message, never 5xx.
func TestMalformedPathParameters(t *testing.T) {
	p := start(t, options{payments: true})
	v := learnVictim(t, p)
	before := takeSnapshot(p)
	n := 0
	for _, rt := range specRoutes(t) {
		if !strings.Contains(rt.Path, "{") || rt.Path == "/users/logout" {
			continue
		}
		good := expand(rt, v)[0]
		for _, param := range []string{"id", "pid", "att", "module", "crmid", "doc", "name"} {
			if !strings.Contains(rt.Path, "{"+param+"}") {
				continue
			}
			for _, bad := range badIDs {
				c := good
				c.Token = v.token
				// Rebuild the path with one parameter hostile, others good.
				path := rt.Path
				vals := paramValues(rt, v)
				for k, val := range vals {
					if k == param {
						val = bad
						if !strings.Contains(bad, "%") {
							val = url.PathEscape(bad)
						}
					}
					path = strings.ReplaceAll(path, "{"+k+"}", val)
				}
				c.Path = path
				if strings.HasSuffix(c.Path, "/documents") && c.Method == http.MethodPost {
					c.Body, c.ContentType = testutil.FileForm(t, "x.txt", []byte("x"))
				}
				r := p.do(t, c.req)
				n++
				if r.Status < 400 && !(param == "name" || param == "module") {
					t.Errorf("%s %s: %d, want 4xx", c.Method, c.Path, r.Status)
				}
			}
		}
	}
	if n < 300 {
		t.Fatalf("only %d requests", n)
	}
	assertNoWriteOnVictim(t, p, before)
}

// paramValues is Anna's own, consistent values for rt's parameters.
func paramValues(rt route, v *victim) map[string]string {
	vals := map[string]string{"module": "Assets", "name": "HelpDesk", "crmid": v.contact, "doc": v.myDoc}
	switch {
	case strings.HasPrefix(rt.Path, "/tickets/"):
		vals["id"], vals["att"] = v.ticket, v.ticketAtt
	case strings.HasPrefix(rt.Path, "/projects/{pid}"), strings.HasPrefix(rt.Path, "/tasks/"):
		vals["pid"], vals["id"], vals["att"] = v.project, v.task, v.taskAtt
	case strings.HasPrefix(rt.Path, "/projects/"):
		vals["id"], vals["att"] = v.project, v.projectAtt
	case strings.HasPrefix(rt.Path, "/service-contracts/"):
		vals["id"], vals["att"] = v.contract, v.contractAtt
	case strings.HasPrefix(rt.Path, "/custom-modules/"), strings.HasPrefix(rt.Path, "/{module}/"):
		vals["id"], vals["att"] = v.asset, v.assetAtt
	case strings.HasPrefix(rt.Path, "/invoices/"):
		vals["id"] = v.invoice
	case strings.HasPrefix(rt.Path, "/sales-orders/"):
		vals["id"] = v.salesOrder
	case strings.HasPrefix(rt.Path, "/quotes/"):
		vals["id"] = v.quote
	case strings.HasPrefix(rt.Path, "/notifications/"):
		vals["id"] = v.notification
	case strings.HasPrefix(rt.Path, "/users/"):
		vals["att"] = v.myAtt
	default:
		vals["id"] = "17x1"
	}
	return vals
}

var hostile = []string{"'", "\\", "\\'", "%", "_", ";", "' OR '1'='1", "') OR (1=1", " ORDER BY id", "1; DROP TABLE x",
	"ünï'cødé", "%00", "\x00", strings.Repeat("a", 5000), "99999999999999999999", "-1", "0", "1e400", "id,", "-", "--id", "+id",
	"createdtime DESC LIMIT 1000", "account_id", "parent_id", "id)", "*", "\"", "`"}

// TestListInjection sends hostile sort, search, filter, page and size
// values to every list route: in-scope rows only, or a 4xx.
func TestListInjection(t *testing.T) {
	p := start(t, options{payments: true})
	v := learnVictim(t, p)
	ben := p.login(t, "ben@globex.example")
	lists := []string{"/tickets", "/projects", "/invoices", "/sales-orders", "/quotes", "/service-contracts", "/products",
		"/services", "/faqs", "/custom-modules/Assets", "/projects/" + p.Demo.Projects["globex"][0] + "/tasks", "/notifications",
		"/payments", "/users/all", "/search", "/activity", "/tickets/" + p.Demo.Tickets["globex"][0] + "/activity"}
	n := 0
	for _, path := range lists {
		for _, param := range []string{"sort", "search", "ticketstatus", "status", "discontinued", "filter[discontinued]", "page", "size", "record"} {
			for _, val := range append(hostile, "100000", "2147483648") {
				q := url.Values{param: {val}}
				if param != "size" {
					q.Set("size", "100")
				}
				r := p.do(t, req{Method: "GET", Path: path + "?" + q.Encode(), Token: ben})
				n++
				if r.Status >= 200 && r.Status < 300 {
					if m := v.leaksVictim(r.Body); m != "" {
						t.Errorf("Ben %s?%s=%q shows Acme's %s", path, param, val, m)
					}
				} else if r.Status != 400 && r.Status != 422 {
					t.Errorf("%s?%s=%.40q: %d, want 2xx, 400 or 422: %s", path, param, val, r.Status, clip(r.Body))
				}
			}
		}
	}
	// Size is capped, negative and zero values are refused.
	for _, path := range []string{"/tickets", "/notifications", "/payments", "/users/all", "/custom-modules/Assets", "/activity"} {
		for _, bad := range []string{"size=0", "size=-1", "page=0", "page=-5", "size=abc"} {
			if r := p.do(t, req{Method: "GET", Path: path + "?" + bad, Token: ben}); r.Status != 400 && r.Status != 422 {
				t.Errorf("%s?%s: %d, want 422", path, bad, r.Status)
			}
		}
		r := p.do(t, req{Method: "GET", Path: path + "?size=100000", Token: ben})
		if r.Status == 200 {
			if size, _ := r.JSON(t)["size"].(float64); size > 1000 {
				t.Errorf("%s?size=100000 answered a page of %v", path, size)
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d requests", n)
	}
}
