package vtigersim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// samplesDir holds the replies captured from a real Vtiger 8.4 (a copy of the
// reference material, so the test needs nothing outside the repository).
const samplesDir = "../testdata/vtiger-samples"

type sample struct {
	File        string            `json:"file"`
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	Query       map[string]string `json:"query"`
	Form        map[string]string `json:"form"`
	HTTPStatus  int               `json:"http_status"`
	ContentType string            `json:"content_type"`
	Success     *bool             `json:"success"`
	ErrorCode   any               `json:"error_code"`
}

// relax documents how a sample's comparison is weakened and why. Every
// webservice sample is compared on HTTP status, Content-Type, success, error
// code and error message; successful results are compared by shape: JSON types
// (null and string are interchangeable, since PHP 8 answers empty references as
// either) and object keys; arrays by emptiness and the shape of their first element.
type relax struct {
	why          string
	portal       bool     // Customer Portal api.php sample: not simulated
	envelopeOnly bool     // compare success/code/status/content type only
	commonKeys   bool     // objects: compare only keys both sides have
	extra        []string // keys the simulator may add
	missing      []string // keys the simulator may lack
	typeOnly     []string // keys compared by JSON type only
	rawControl   bool     // body is not valid JSON (raw control bytes): compare bytes
	staleSession bool     // replay with the logged-out session on purpose
}

var contactsExtra = []string{"code"} // metadata adds the portal registration-code custom field to Contacts

var relaxations = map[string]relax{
	"listtypes.json":                         {commonKeys: true, why: "module list depends on installed modules; the simulator has no Campaigns/Vendors/PriceBooks/… describe"},
	"listtypes-nonadmin.json":                {commonKeys: true, why: "module list depends on installed modules"},
	"listtypes-fieldTypeList-email.json":     {commonKeys: true, why: "module list depends on installed modules (no Vendors)"},
	"describe-Contacts.json":                 {why: "fields compared by first element only; Contacts carries the extra custom field code"},
	"create-Contact.json":                    {extra: contactsExtra, why: "Contacts custom field code"},
	"retrieve-Contacts.json":                 {extra: contactsExtra, why: "Contacts custom field code"},
	"retrieve_related-Account-Contacts.json": {extra: contactsExtra, why: "Contacts custom field code"},
	"query-Contacts-by-email.json":           {extra: contactsExtra, why: "Contacts custom field code"},
	"retrieve-CompanyDetails.json":           {missing: []string{"organization_id"}, why: "retrieve of CompanyDetails adds organization_id; not simulated"},
	"retrieve-Invoice.json":                  {typeOnly: []string{"LineItems_FinalDetails"}, why: "LineItems_FinalDetails simulated with per-line totals only"},
	"retrieve-Quotes.json":                   {typeOnly: []string{"LineItems_FinalDetails"}, why: "LineItems_FinalDetails simulated with per-line totals only"},
	"revise-Invoice.json": {extra: []string{"LineItems_FinalDetails"},
		missing: []string{"quantity", "listprice", "comment", "discount_amount", "discount_percent", "tax1", "tax2", "tax3", "image", "purchase_cost", "margin"},
		why:     "revise of an inventory record echoes the first line's columns at top level; the simulator answers the retrieve shape"},
	"query-Invoice.json": {missing: []string{"image", "purchase_cost", "margin"},
		extra: []string{"hdnDiscountPercent", "hdnDiscountAmount", "shipping_&_handling", "shipping_&_handling_shtax1", "shipping_&_handling_shtax2", "shipping_&_handling_shtax3"},
		why:   "SELECT * on inventory joins the line-item table; the simulator answers the described columns"},
	"error-after-logout.json":          {staleSession: true, why: "uses the session logout.json ended"},
	"create-Contact-control-chars.txt": {rawControl: true, why: "body is invalid JSON by design (raw control bytes); compared as bytes"},
}

func loadSamples(t *testing.T) []sample {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(samplesDir, "index.json"))
	if err != nil {
		t.Fatalf("captured Vtiger samples are required at %s: %v", samplesDir, err)
	}
	var out []sample
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("index.json: %v", err)
	}
	return out
}

// fixture recreates the captured install's demo data and maps captured crmids to the simulator's.
type fixture struct {
	crm map[string]string // captured crmid → simulator crmid
}

var idToken = regexp.MustCompile(`\b([0-9]+)x([0-9]+)\b`)

func (f *fixture) mapIDs(s string) string {
	return idToken.ReplaceAllStringFunc(s, func(id string) string {
		m := idToken.FindStringSubmatch(id)
		if n, ok := f.crm[m[2]]; ok {
			return m[1] + "x" + n
		}
		return id
	})
}

func (f *fixture) learn(captured, got string) {
	c := idToken.FindStringSubmatch(captured)
	g := idToken.FindStringSubmatch(got)
	if c != nil && g != nil {
		f.crm[c[2]] = g[2]
	}
}

func crmOf(id string) string { return idToken.FindStringSubmatch(id)[2] }

func seedFixture(t *testing.T, s *Server) *fixture {
	t.Helper()
	f := &fixture{crm: map[string]string{}}
	ins := func(captured, module string, vals map[string]string) string {
		t.Helper()
		id, err := s.Insert(module, vals)
		if err != nil {
			t.Fatalf("insert %s: %v", module, err)
		}
		if captured != "" {
			f.crm[captured] = crmOf(id)
		}
		return id
	}
	acc := ins("2", "Accounts", map[string]string{"accountname": "Demo Portal Corp", "email1": "office@demo-portal.example", "bill_street": "1 Demo Street"})
	alice := ins("3", "Contacts", map[string]string{"firstname": "Alice", "lastname": "Demo", "email": "alice@demo-portal.example", "account_id": acc, "portal": "1"})
	bob := ins("4", "Contacts", map[string]string{"firstname": "Bob", "lastname": "Demo", "email": "bob@demo-portal.example", "account_id": acc, "portal": "1"})
	prod := ins("5", "Products", map[string]string{"productname": "Demo Widget", "unit_price": "100.00000000", "qtyinstock": "48.000"})
	svc := ins("6", "Services", map[string]string{"servicename": "Demo Support Hour", "unit_price": "80.00000000"})
	t1 := ins("7", "HelpDesk", map[string]string{"ticket_title": "Printer does not print", "ticketstatus": "Open", "ticketpriorities": "High", "parent_id": acc, "contact_id": alice, "product_id": prod})
	ins("8", "HelpDesk", map[string]string{"ticket_title": "Invoice address wrong", "ticketstatus": "In Progress", "ticketpriorities": "Normal", "parent_id": acc, "contact_id": alice})
	ins("9", "HelpDesk", map[string]string{"ticket_title": "Bob cannot log in", "ticketstatus": "Open", "ticketpriorities": "Normal", "parent_id": acc, "contact_id": bob})
	ins("10", "ModComments", map[string]string{"commentcontent": "We are looking into it.", "related_to": t1, "is_private": "0"})
	ins("11", "ModComments", map[string]string{"commentcontent": "Internal: replace the toner.", "related_to": t1, "is_private": "1"})
	inv := ins("12", "Invoice", map[string]string{"subject": "Demo invoice 1", "account_id": acc, "contact_id": alice, "invoicestatus": "Created", "hdnTaxType": "group", "bill_street": "1 Demo Street", "ship_street": "1 Demo Street", "currency_id": "21x1"})
	quo := ins("13", "Quotes", map[string]string{"subject": "Demo quote 1", "account_id": acc, "contact_id": alice, "quotestage": "Delivered", "hdnTaxType": "group", "bill_street": "1 Demo Street", "ship_street": "1 Demo Street"})
	for _, e := range []struct {
		id    string
		items []map[string]string
	}{{inv, []map[string]string{{"productid": prod, "quantity": "2", "listprice": "100", "comment": "two widgets"}, {"productid": svc, "quantity": "3", "listprice": "80"}}},
		{quo, []map[string]string{{"productid": prod, "quantity": "1", "listprice": "95"}}}} {
		if err := s.SetLineItems(e.id, e.items); err != nil {
			t.Fatal(err)
		}
	}
	ins("14", "Faq", map[string]string{"question": "How do I reset my portal password?", "faq_answer": "Use the Forgot password link.", "faqstatus": "Published", "product_id": prod})
	proj := ins("16", "Project", map[string]string{"projectname": "Demo rollout", "linktoaccountscontacts": acc})
	ins("17", "ProjectTask", map[string]string{"projecttaskname": "Install hardware", "projectid": proj})
	ins("20", "ServiceContracts", map[string]string{"subject": "Demo support contract", "sc_related_to": acc})
	doc := ins("21", "Documents", map[string]string{"notes_title": "Printer manual", "notecontent": "See page 3", "folderid": "22x1"})
	att, err := s.AttachFile(doc, "demo-attachment.txt", "text/plain", []byte("Demo attachment for ticket 17x7\n"))
	if err != nil {
		t.Fatal(err)
	}
	f.crm["22"] = crmOf(att)
	if err := s.Relate(t1, doc, "Documents"); err != nil {
		t.Fatal(err)
	}
	for i := range 105 {
		ins("", "Leads", map[string]string{"lastname": "Lead " + strconv.Itoa(i)})
	}
	return f
}

type replayer struct {
	t        *testing.T
	base     string
	fix      *fixture
	sess     string
	sess2    string
	loggedIn bool
	tokens   []string
}

const salesbotKey = "salesbotKey5678"

func (rp *replayer) send(sm sample) (*http.Response, []byte) {
	rp.t.Helper()
	subst := func(v string) string {
		v = strings.ReplaceAll(v, "<SESSION>", rp.sess)
		v = strings.ReplaceAll(v, "<SESSION2>", rp.sess2)
		return rp.fix.mapIDs(v)
	}
	q, form := url.Values{}, url.Values{}
	for k, v := range sm.Query {
		q.Set(k, subst(v))
	}
	for k, v := range sm.Form {
		form.Set(k, subst(v))
	}
	if sm.Form["operation"] == "login" || sm.Query["operation"] == "login" {
		target := form
		if sm.Method == http.MethodGet {
			target = q
		}
		cur := ""
		if n := len(rp.tokens); n > 0 {
			cur = rp.tokens[n-1]
		}
		switch sm.File {
		case "login.json", "login-same-token-again.json", "error-login-via-get.json":
			target.Set("accessKey", md5hex(cur+DefaultAccessKey))
		case "error-login-uppercase-hex.json":
			target.Set("accessKey", strings.ToUpper(md5hex(cur+DefaultAccessKey)))
		case "error-login-replaced-token.json":
			target.Set("accessKey", md5hex(rp.tokens[len(rp.tokens)-2]+DefaultAccessKey))
		}
	}
	u := rp.base + "?" + q.Encode()
	var req *http.Request
	var err error
	if sm.Method == http.MethodPost {
		req, err = http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequest(http.MethodGet, u, nil)
	}
	if err != nil {
		rp.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		rp.t.Fatalf("%s: %v", sm.File, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func (s *Server) moduleExists(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.modules[name] != nil
}

func TestConformance(t *testing.T) {
	samples := loadSamples(t)
	s := New(Options{Users: map[string]string{"admin": DefaultAccessKey, "salesbot": salesbotKey}})
	ts := httptest.NewServer(s)
	defer ts.Close()
	rp := &replayer{t: t, base: ts.URL + "/webservice.php", fix: seedFixture(t, s)}
	c2 := &client{t: t, base: rp.base}
	c2.login("salesbot", salesbotKey)
	rp.sess2 = c2.sess

	// Modules the built-in metadata does not carry are registered from their captured describe.
	for _, sm := range samples {
		name, ok := strings.CutPrefix(sm.File, "describe-")
		name = strings.TrimSuffix(name, ".json")
		if !ok || s.moduleExists(name) {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(samplesDir, sm.File))
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ Result json.RawMessage }
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatal(err)
		}
		if err := s.AddModule(ModuleMeta{Name: name, Describe: env.Result}); err != nil {
			t.Fatalf("register %s: %v", name, err)
		}
	}
	webservice := 0
	for _, sm := range samples {
		rl := relaxations[sm.File]
		if strings.HasSuffix(sm.URL, "/api.php") {
			rl.portal = true
		}
		t.Run(sm.File, func(t *testing.T) {
			if rl.portal {
				// Portal API, not simulated: account for the sample and check it is one.
				if !strings.HasPrefix(sm.File, "portal-") || !strings.HasSuffix(sm.URL, "modules/CustomerPortal/api.php") {
					t.Fatalf("%s is marked as a portal sample but is %s %s", sm.File, sm.Method, sm.URL)
				}
				return
			}
			webservice++
			if !strings.HasSuffix(sm.URL, "webservice.php") {
				t.Fatalf("unexpected endpoint %s", sm.URL)
			}
			if strings.Contains(fmt.Sprint(sm.Query, sm.Form), "<SESSION>") && !rp.loggedIn && rp.sess != "" && !rl.staleSession {
				// Samples "added later" were captured with a fresh session.
				cl := &client{t: t, base: rp.base}
				cl.login("admin", DefaultAccessKey)
				rp.sess, rp.loggedIn = cl.sess, true
			}
			resp, body := rp.send(sm)
			captured, err := os.ReadFile(filepath.Join(samplesDir, sm.File))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != sm.HTTPStatus {
				t.Fatalf("status %d, captured %d; body %.300s", resp.StatusCode, sm.HTTPStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != sm.ContentType {
				t.Fatalf("content type %q, captured %q", ct, sm.ContentType)
			}
			if sm.HTTPStatus != http.StatusOK {
				if len(bytes.TrimSpace(body)) != 0 || len(bytes.TrimSpace(captured)) != 0 {
					t.Fatalf("body %q, captured %q", body, captured)
				}
				return
			}
			if rl.rawControl {
				for _, c := range []byte{0x01, 0x07, 0x0b, 0x1f} {
					if bytes.IndexByte(captured, c) >= 0 && bytes.IndexByte(body, c) < 0 {
						t.Fatalf("captured body carries raw byte %#x, simulator body does not: %.300s", c, body)
					}
				}
				if json.Valid(body) != json.Valid(captured) {
					t.Fatalf("JSON validity differs: sim %v captured %v", json.Valid(body), json.Valid(captured))
				}
				rp.learnCreate(captured, body)
				return
			}
			var got, want map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("simulator body is not JSON: %v: %.300s", err, body)
			}
			if err := json.Unmarshal(captured, &want); err != nil {
				t.Fatalf("captured body: %v", err)
			}
			if got["success"] != want["success"] {
				t.Fatalf("success %v, captured %v: %.400s", got["success"], want["success"], body)
			}
			if want["success"] == false {
				ge, _ := got["error"].(map[string]any)
				we, _ := want["error"].(map[string]any)
				if ge["code"] != we["code"] || ge["message"] != we["message"] {
					t.Fatalf("error %v, captured %v", ge, we)
				}
				return
			}
			switch sm.File {
			case "getchallenge.json", "getchallenge-second.json":
				var r struct{ Result struct{ Token string } }
				_ = json.Unmarshal(body, &r)
				rp.tokens = append(rp.tokens, r.Result.Token)
			case "login.json":
				var r struct{ Result struct{ SessionName string } }
				_ = json.Unmarshal(body, &r)
				rp.sess, rp.loggedIn = r.Result.SessionName, true
			case "logout.json":
				rp.loggedIn = false
			}
			rp.learnCreate(captured, body)
			if rl.envelopeOnly {
				return
			}
			if diffs := shapeDiff("result", got["result"], want["result"], rl); len(diffs) > 0 {
				t.Fatalf("shape differs from %s:\n%s", sm.File, strings.Join(diffs, "\n"))
			}
		})
	}
	if webservice == 0 {
		t.Fatal("no webservice samples replayed")
	}
}

// learnCreate maps the id a create produced in the capture to the simulator's.
func (rp *replayer) learnCreate(captured, body []byte) {
	idRx := regexp.MustCompile(`"id":"([0-9]+x[0-9]+)","label"`)
	c, g := idRx.FindSubmatch(captured), idRx.FindSubmatch(body)
	if c != nil && g != nil {
		if _, known := rp.fix.crm[crmOf(string(c[1]))]; !known {
			rp.fix.learn(string(c[1]), string(g[1]))
		}
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil, string:
		return "string-or-null"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func shapeDiff(path string, got, want any, rl relax) []string {
	gk, wk := jsonKind(got), jsonKind(want)
	// PHP encodes an empty map as [], so an empty array matches an object and vice versa.
	if gk != wk {
		if ga, ok := got.([]any); ok && len(ga) == 0 && wk == "object" {
			return nil
		}
		if wa, ok := want.([]any); ok && len(wa) == 0 && gk == "object" {
			return nil
		}
		return []string{fmt.Sprintf("%s: type %s, captured %s", path, gk, wk)}
	}
	switch w := want.(type) {
	case []any:
		g := got.([]any)
		if (len(g) == 0) != (len(w) == 0) {
			return []string{fmt.Sprintf("%s: %d elements, captured %d", path, len(g), len(w))}
		}
		if len(w) == 0 {
			return nil
		}
		return shapeDiff(path+"[0]", g[0], w[0], rl)
	case map[string]any:
		g := got.(map[string]any)
		var diffs []string
		for _, k := range sortedKeys(w) {
			gv, ok := g[k]
			if !ok {
				if !rl.commonKeys && !contains(rl.missing, k) {
					diffs = append(diffs, fmt.Sprintf("%s: missing key %q", path, k))
				}
				continue
			}
			if contains(rl.typeOnly, k) {
				if jsonKind(gv) != jsonKind(w[k]) {
					diffs = append(diffs, fmt.Sprintf("%s.%s: type %s, captured %s", path, k, jsonKind(gv), jsonKind(w[k])))
				}
				continue
			}
			diffs = append(diffs, shapeDiff(path+"."+k, gv, w[k], rl)...)
		}
		for _, k := range sortedKeys(g) {
			if _, ok := w[k]; !ok && !rl.commonKeys && !contains(rl.extra, k) {
				diffs = append(diffs, fmt.Sprintf("%s: extra key %q", path, k))
			}
		}
		if rl.commonKeys && len(g) == 0 && len(w) > 0 {
			diffs = append(diffs, path+": empty object")
		}
		return diffs
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
