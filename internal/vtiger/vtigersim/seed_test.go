package vtigersim

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// describeDoc is the part of a describe result the metadata tests check.
type describeDoc struct {
	Name     string `json:"name"`
	IDPrefix string `json:"idPrefix"`
	Fields   []struct {
		Name  string `json:"name"`
		Label string `json:"label"`
		// mandatory/editable/nullable are left out on purpose: the real
		// 8.4.0 sends them as strings ("1", "") for Products/Services
		// tax1..tax3 and currency1, and the captured describes keep that.
		Type struct {
			Name     string   `json:"name"`
			RefersTo []string `json:"refersTo"`
		} `json:"type"`
	} `json:"fields"`
}

func (d *describeDoc) field(name string) (typ string, refersTo []string, label string, ok bool) {
	for _, f := range d.Fields {
		if f.Name == name {
			return f.Type.Name, f.Type.RefersTo, f.Label, true
		}
	}
	return "", nil, "", false
}

func builtinByName(t *testing.T) map[string]ModuleMeta {
	t.Helper()
	out := map[string]ModuleMeta{}
	for _, m := range builtinModules() {
		if _, dup := out[m.Name]; dup {
			t.Fatalf("module %s listed twice", m.Name)
		}
		out[m.Name] = m
	}
	return out
}

func TestBuiltinModulesPrefixesAndNumbers(t *testing.T) {
	mods := builtinByName(t)
	tests := []struct {
		module, prefix, numberField, numberPrefix string
	}{
		{"Faq", "3", "faq_no", "FAQ"},
		{"Quotes", "4", "quote_no", "QUO"},
		{"SalesOrder", "6", "salesorder_no", "SO"},
		{"Invoice", "7", "invoice_no", "INV"},
		{"Leads", "10", "lead_no", "LEA"},
		{"Accounts", "11", "account_no", "ACC"},
		{"Contacts", "12", "contact_no", "CON"},
		{"Products", "14", "product_no", "PRO"},
		{"Documents", "15", "note_no", "DOC"},
		{"HelpDesk", "17", "ticket_no", "TT"},
		{"Users", "19", "", ""},
		{"Groups", "20", "", ""},
		{"Currency", "21", "", ""},
		{"DocumentFolders", "22", "", ""},
		{"CompanyDetails", "23", "", ""},
		{"ServiceContracts", "25", "contract_no", "SERCON"},
		{"Services", "26", "service_no", "SER"},
		{"ProjectMilestone", "27", "projectmilestone_no", "PM"},
		{"ProjectTask", "28", "projecttask_no", "PT"},
		{"Project", "29", "project_no", "PROJ"},
		{"ModComments", "30", "", ""},
		{"Assets", "32", "asset_no", "AST"},
		{"LineItem", "33", "", ""},
		{"Tax", "34", "", ""},
		{"PortalNotifications", "45", "notification_no", "PN"},
	}
	if len(mods) != len(tests) {
		t.Errorf("builtinModules returned %d modules, want %d", len(mods), len(tests))
	}
	prefixes := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.module, func(t *testing.T) {
			m, ok := mods[tc.module]
			if !ok {
				t.Fatalf("module %s missing", tc.module)
			}
			if m.Prefix != tc.prefix || m.NumberField != tc.numberField || m.NumberPrefix != tc.numberPrefix {
				t.Errorf("got prefix %q number %q/%q, want %q %q/%q", m.Prefix, m.NumberField, m.NumberPrefix, tc.prefix, tc.numberField, tc.numberPrefix)
			}
			var d describeDoc
			if err := json.Unmarshal(m.Describe, &d); err != nil {
				t.Fatalf("describe is not JSON: %v", err)
			}
			if d.Name != tc.module || d.IDPrefix != tc.prefix {
				t.Errorf("describe says name %q idPrefix %q", d.Name, d.IDPrefix)
			}
			if _, _, _, ok := d.field("id"); !ok {
				t.Error("describe lacks the id field")
			}
			if tc.numberField != "" {
				if typ, _, _, ok := d.field(tc.numberField); !ok || typ != "string" {
					t.Errorf("number field %s: present %v type %q", tc.numberField, ok, typ)
				}
			}
			if _, err := parseModule(m); err != nil {
				t.Errorf("simulator cannot parse the captured describe (8.4.0 sends \"1\"/\"\" for mandatory/editable/nullable of Products/Services tax1..3, currency1): %v", err)
			}
		})
		if other, dup := prefixes[tc.prefix]; dup {
			t.Errorf("prefix %s used by %s and %s", tc.prefix, other, tc.module)
		}
		prefixes[tc.prefix] = tc.module
	}
}

func TestBuiltinContactsPortalFields(t *testing.T) {
	var d describeDoc
	if err := json.Unmarshal(builtinByName(t)["Contacts"].Describe, &d); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ field, typ, label string }{
		{"code", "string", "Portal Code"},
		{"portal", "boolean", "Portal User"},
		{"emailoptout", "boolean", "Email Opt Out"},
		{"donotcall", "boolean", "Do Not Call"},
		{"notify_owner", "boolean", "Notify Owner"},
		{"email", "email", "Primary Email"},
		{"account_id", "reference", "Organization Name"},
	}
	for _, tc := range tests {
		typ, _, label, ok := d.field(tc.field)
		if !ok || typ != tc.typ || label != tc.label {
			t.Errorf("Contacts.%s: present %v type %q label %q, want %q %q", tc.field, ok, typ, label, tc.typ, tc.label)
		}
	}
	if last := d.Fields[len(d.Fields)-1].Name; last != "id" {
		t.Errorf("last Contacts field is %q, want id (Vtiger lists id last)", last)
	}
}

func TestBuiltinPortalNotificationsReferences(t *testing.T) {
	var d describeDoc
	if err := json.Unmarshal(builtinByName(t)["PortalNotifications"].Describe, &d); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field, typ string
		refersTo   []string
	}{
		{"subject", "string", nil},
		{"description", "text", nil},
		{"account_id", "reference", []string{"Accounts"}},
		{"contact_id", "reference", []string{"Contacts"}},
		{"related_to", "reference", []string{"HelpDesk", "Invoice", "Project"}},
		{"assigned_user_id", "owner", nil},
		{"createdtime", "datetime", nil},
		{"modifiedtime", "datetime", nil},
	}
	for _, tc := range tests {
		typ, refs, _, ok := d.field(tc.field)
		if !ok || typ != tc.typ || !slices.Equal(refs, tc.refersTo) {
			t.Errorf("PortalNotifications.%s: present %v type %q refersTo %v", tc.field, ok, typ, refs)
		}
	}
}

func seedDemo(t *testing.T, opts Options) (*Server, *Demo) {
	t.Helper()
	s := New(opts)
	d, err := SeedDemo(s)
	if err != nil {
		t.Fatalf("SeedDemo: %v", err)
	}
	return s, d
}

func mustGet(t *testing.T, s *Server, id string) map[string]string {
	t.Helper()
	r, ok := s.Get(id)
	if !ok {
		t.Fatalf("record %q missing", id)
	}
	return r
}

func distinct(s *Server, ids []string, field string) map[string]int {
	out := map[string]int{}
	for _, id := range ids {
		r, _ := s.Get(id)
		out[r[field]]++
	}
	return out
}

func TestSeedDemoShared(t *testing.T) {
	s, d := seedDemo(t, Options{})

	company := mustGet(t, s, d.CompanyID)
	for k, want := range map[string]string{"organizationname": "Demo Vtiger Company", "city": "Berlin", "country": "Germany", "vatid": "DE298765432"} {
		if company[k] != want {
			t.Errorf("company %s = %q, want %q", k, company[k], want)
		}
	}
	for _, k := range []string{"address", "phone", "website", "code"} {
		if company[k] == "" {
			t.Errorf("company %s empty", k)
		}
	}

	eur := mustGet(t, s, d.CurrencyID)
	for k, want := range map[string]string{"currency_name": "Euro", "currency_code": "EUR", "currency_symbol": "€", "conversion_rate": "1.00000", "currency_status": "Active"} {
		if eur[k] != want {
			t.Errorf("currency %s = %q, want %q", k, eur[k], want)
		}
	}
	if usd := mustGet(t, s, d.USDCurrencyID); usd["currency_code"] != "USD" {
		t.Errorf("second currency is %q, want USD", usd["currency_code"])
	}

	if d.AdminUserID != "19x1" {
		t.Errorf("admin is %s, want 19x1", d.AdminUserID)
	}
	mustGet(t, s, d.AdminUserID)
	mgr := mustGet(t, s, d.ManagerUserID)
	for _, k := range []string{"first_name", "last_name", "title", "email1", "email2", "phone_work", "department"} {
		if mgr[k] == "" {
			t.Errorf("manager %s empty", k)
		}
	}

	if len(d.Products) < 3 || len(d.Services) < 2 {
		t.Fatalf("%d products and %d services, want ≥ 3 and ≥ 2", len(d.Products), len(d.Services))
	}
	for _, id := range append(append([]string{}, d.Products...), d.Services...) {
		r := mustGet(t, s, id)
		if r["discontinued"] != "1" || r["unit_price"] == "" || r["currency1"] == "" {
			t.Errorf("%s: discontinued %q unit_price %q currency1 %q", id, r["discontinued"], r["unit_price"], r["currency1"])
		}
	}

	status := distinct(s, d.Faqs, "faqstatus")
	if status["Published"] < 5 || status["Draft"] != 1 {
		t.Errorf("faq statuses %v, want ≥ 5 Published and 1 Draft", status)
	}
	starred := 0
	for _, id := range d.Faqs {
		if r := mustGet(t, s, id); r["faqstatus"] == "Published" && r["starred"] == "1" {
			starred++
		}
	}
	if starred == 0 {
		t.Error("no starred published FAQ")
	}
}

func TestSeedDemoContacts(t *testing.T) {
	s, d := seedDemo(t, Options{})
	tests := []struct {
		key, email, account, first, code string
		portalUser                       bool
	}{
		{"anna", "anna@acme.example", "acme", "Anna", "", true},
		{"carl", "carl@acme.example", "acme", "Carl", "CODE42", false},
		{"ben", "ben@globex.example", "globex", "Ben", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			r := mustGet(t, s, d.Contacts[tc.key])
			if r["email"] != tc.email || r["account_id"] != d.Accounts[tc.account] || r["firstname"] != tc.first || r["code"] != tc.code || r["portal"] != "1" {
				t.Errorf("got email %q account %q first %q code %q portal %q", r["email"], r["account_id"], r["firstname"], r["code"], r["portal"])
			}
			registered := false
			for _, u := range d.PortalUsers {
				if u.ContactID == d.Contacts[tc.key] {
					registered = true
					if u.Email != tc.email || u.AccountID != d.Accounts[tc.account] || u.FirstName != tc.first || u.LastName != r["lastname"] {
						t.Errorf("portal user %+v does not match the contact", u)
					}
				}
			}
			if registered != tc.portalUser {
				t.Errorf("portal user: %v, want %v", registered, tc.portalUser)
			}
		})
	}
	if len(d.PortalUsers) != 2 {
		t.Errorf("%d portal users, want 2", len(d.PortalUsers))
	}
	if r := mustGet(t, s, d.Accounts["acme"]); r["accountname"] != "Acme Ltd" {
		t.Errorf("acme is %q", r["accountname"])
	}
	if r := mustGet(t, s, d.Accounts["globex"]); r["accountname"] != "Globex GmbH" {
		t.Errorf("globex is %q", r["accountname"])
	}
}

func TestSeedDemoPerAccount(t *testing.T) {
	s, d := seedDemo(t, Options{})
	contactsOf := map[string]map[string]bool{
		"acme":   {d.Contacts["anna"]: true, d.Contacts["carl"]: true},
		"globex": {d.Contacts["ben"]: true},
	}
	for _, key := range []string{"acme", "globex"} {
		t.Run(key, func(t *testing.T) {
			acc := d.Accounts[key]
			tickets := d.Tickets[key]
			if len(tickets) < 12 {
				t.Fatalf("%d tickets, want ≥ 12", len(tickets))
			}
			byAccount, contactOnly := 0, 0
			for _, id := range tickets {
				r := mustGet(t, s, id)
				if !contactsOf[key][r["contact_id"]] {
					t.Errorf("ticket %s contact %q is not a contact of %s", id, r["contact_id"], key)
				}
				switch r["parent_id"] {
				case acc:
					byAccount++
				case "":
					contactOnly++
				default:
					t.Errorf("ticket %s parent %q", id, r["parent_id"])
				}
				if r["ticket_no"] == "" || r["ticket_title"] == "" || r["hours"] == "" || r["days"] == "" {
					t.Errorf("ticket %s: number %q title %q hours %q days %q", id, r["ticket_no"], r["ticket_title"], r["hours"], r["days"])
				}
			}
			if contactOnly == 0 || byAccount <= contactOnly {
				t.Errorf("%d tickets by account, %d by contact only", byAccount, contactOnly)
			}
			statuses := distinct(s, tickets, "ticketstatus")
			for _, st := range []string{"Open", "In Progress", "Wait For Response", "Closed"} {
				if statuses[st] == 0 {
					t.Errorf("no ticket with status %s (%v)", st, statuses)
				}
			}
			for _, f := range []string{"ticketpriorities", "ticketseverities", "ticketcategories"} {
				if n := len(distinct(s, tickets, f)); n < 3 {
					t.Errorf("%s has %d distinct values", f, n)
				}
			}

			isTicket := map[string]bool{}
			for _, id := range tickets {
				isTicket[id] = true
			}
			var byCustomer, byStaff, private int
			for _, id := range d.Comments[key] {
				r := mustGet(t, s, id)
				if r["related_to"] == "" || r["commentcontent"] == "" {
					t.Errorf("comment %s: related_to %q", id, r["related_to"])
				}
				if !isTicket[r["related_to"]] {
					continue
				}
				if r["customer"] != "" {
					byCustomer++
					if !contactsOf[key][r["customer"]] || r["creator"] != "19x1" {
						t.Errorf("customer comment %s: customer %q creator %q", id, r["customer"], r["creator"])
					}
				} else {
					byStaff++
				}
				if r["is_private"] == "1" {
					private++
				}
			}
			if byCustomer == 0 || byStaff == 0 || private != 1 {
				t.Errorf("ticket comments: %d by customer, %d by staff, %d private", byCustomer, byStaff, private)
			}

			if len(d.Documents[key]) < 4 {
				t.Errorf("%d documents, want ≥ 4", len(d.Documents[key]))
			}
			mimes := map[string]bool{}
			for _, id := range d.Documents[key] {
				r := mustGet(t, s, id)
				mimes[r["filetype"]] = true
				if r["filename"] == "" || r["filesize"] == "" || r["filesize"] == "0" || r["filelocationtype"] != "I" || r["notes_title"] == "" {
					t.Errorf("document %s: %q %q %q", id, r["filename"], r["filesize"], r["filelocationtype"])
				}
			}
			if !mimes["image/png"] || !mimes["text/plain"] {
				t.Errorf("document types %v, want a PNG and a text file", mimes)
			}

			inv := d.Invoices[key]
			if len(inv) < 3 {
				t.Fatalf("%d invoices", len(inv))
			}
			unpaid := 0
			for _, id := range inv {
				r := mustGet(t, s, id)
				switch r["invoicestatus"] {
				case "Paid":
					if r["balance"] != "0.00000000" || r["received"] != r["hdnGrandTotal"] {
						t.Errorf("paid invoice %s: received %q balance %q total %q", id, r["received"], r["balance"], r["hdnGrandTotal"])
					}
				case "Sent", "Created":
					unpaid++
				default:
					t.Errorf("invoice %s status %q", id, r["invoicestatus"])
				}
				if r["account_id"] != acc || r["currency_id"] != d.CurrencyID || r["invoice_no"] == "" || r["hdnGrandTotal"] == "" || r["hdnGrandTotal"] == "0.00000000" || r["productid"] == "" {
					t.Errorf("invoice %s: account %q currency %q no %q total %q productid %q", id, r["account_id"], r["currency_id"], r["invoice_no"], r["hdnGrandTotal"], r["productid"])
				}
			}
			if unpaid != 1 {
				t.Errorf("%d unpaid invoices, want 1", unpaid)
			}
			for mod, ids := range map[string][]string{"SalesOrder": d.SalesOrders[key], "Quotes": d.Quotes[key]} {
				min := map[string]int{"SalesOrder": 2, "Quotes": 1}[mod]
				if len(ids) < min {
					t.Errorf("%d %s, want ≥ %d", len(ids), mod, min)
				}
				for _, id := range ids {
					if r := mustGet(t, s, id); r["account_id"] != acc || r["hdnGrandTotal"] == "" || r["currency_id"] != d.CurrencyID {
						t.Errorf("%s %s: account %q total %q", mod, id, r["account_id"], r["hdnGrandTotal"])
					}
				}
			}

			projects := map[string]bool{}
			for _, id := range d.Projects[key] {
				projects[id] = true
				if r := mustGet(t, s, id); r["linktoaccountscontacts"] != acc {
					t.Errorf("project %s linked to %q", id, r["linktoaccountscontacts"])
				}
			}
			if len(projects) == 0 || len(d.ProjectTasks[key]) < 4 {
				t.Fatalf("%d projects, %d tasks", len(projects), len(d.ProjectTasks[key]))
			}
			for _, id := range d.ProjectTasks[key] {
				if r := mustGet(t, s, id); !projects[r["projectid"]] || r["projecttaskhours"] == "" {
					t.Errorf("task %s: project %q hours %q", id, r["projectid"], r["projecttaskhours"])
				}
			}
			if n := len(distinct(s, d.ProjectTasks[key], "projecttaskstatus")); n < 3 {
				t.Errorf("%d task statuses", n)
			}
			if n := len(distinct(s, d.ProjectTasks[key], "projecttaskpriority")); n < 2 {
				t.Errorf("%d task priorities", n)
			}

			if len(d.ServiceContracts[key]) < 1 || len(d.Assets[key]) < 2 {
				t.Errorf("%d contracts, %d assets", len(d.ServiceContracts[key]), len(d.Assets[key]))
			}
			for _, id := range d.ServiceContracts[key] {
				if r := mustGet(t, s, id); r["sc_related_to"] != acc {
					t.Errorf("contract %s related to %q", id, r["sc_related_to"])
				}
			}
			for _, id := range d.Assets[key] {
				if r := mustGet(t, s, id); r["account"] != acc || r["product"] == "" {
					t.Errorf("asset %s: account %q product %q", id, r["account"], r["product"])
				}
			}
			for _, id := range d.Notifications[key] {
				if r := mustGet(t, s, id); r["account_id"] != acc || r["notification_no"] == "" {
					t.Errorf("notification %s: account %q no %q", id, r["account_id"], r["notification_no"])
				}
			}
		})
	}
}

func TestSeedDemoDeterministic(t *testing.T) {
	_, a := seedDemo(t, Options{})
	_, b := seedDemo(t, Options{})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two seeds differ:\n%+v\n%+v", a, b)
	}
}

func TestSeedScaled(t *testing.T) {
	_, base := seedDemo(t, Options{})
	tests := []struct{ tickets, invoices int }{{0, 0}, {7, 3}, {150, 40}}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d_%d", tc.tickets, tc.invoices), func(t *testing.T) {
			s := New(Options{})
			d, err := SeedScaled(s, tc.tickets, tc.invoices)
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"acme", "globex"} {
				if got, want := len(d.Tickets[key]), len(base.Tickets[key])+tc.tickets; got != want {
					t.Errorf("%s: %d tickets, want %d", key, got, want)
				}
				if got, want := len(d.Invoices[key]), len(base.Invoices[key])+tc.invoices; got != want {
					t.Errorf("%s: %d invoices, want %d", key, got, want)
				}
				if got, want := len(d.Comments[key]), len(base.Comments[key])+2*tc.tickets; got != want {
					t.Errorf("%s: %d comments, want %d", key, got, want)
				}
				for _, id := range d.Tickets[key][len(base.Tickets[key]):] {
					r := mustGet(t, s, id)
					if r["contact_id"] == "" || (r["parent_id"] != "" && r["parent_id"] != d.Accounts[key]) {
						t.Errorf("scaled ticket %s: parent %q contact %q", id, r["parent_id"], r["contact_id"])
					}
				}
			}
		})
	}
	if _, err := SeedScaled(New(Options{}), -1, 0); err == nil {
		t.Error("negative count accepted")
	}
}

// wsClient is a minimal webservice.php client for these tests; the real
// client lives in package vtiger, which must not be imported here (it is
// the code the simulator exists to test).
type wsClient struct {
	t    *testing.T
	base string
	sess string
}

func newWSClient(t *testing.T, s *Server) *wsClient {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c := &wsClient{t: t, base: ts.URL + "/webservice.php"}
	var ch struct {
		Token string `json:"token"`
	}
	c.call(http.MethodGet, url.Values{"operation": {"getchallenge"}, "username": {"admin"}}, &ch)
	sum := md5.Sum([]byte(ch.Token + DefaultAccessKey))
	var login struct {
		SessionName string `json:"sessionName"`
	}
	c.call(http.MethodPost, url.Values{"operation": {"login"}, "username": {"admin"}, "accessKey": {hex.EncodeToString(sum[:])}}, &login)
	if login.SessionName == "" {
		t.Fatal("login returned no session")
	}
	c.sess = login.SessionName
	return c
}

// with returns a copy of c that reports failures to t (a subtest).
func (c *wsClient) with(t *testing.T) *wsClient {
	cc := *c
	cc.t = t
	return &cc
}

func (c *wsClient) call(method string, params url.Values, out any) {
	c.t.Helper()
	if c.sess != "" {
		params.Set("sessionName", c.sess)
	}
	var resp *http.Response
	var err error
	if method == http.MethodGet {
		resp, err = http.Get(c.base + "?" + params.Encode())
	} else {
		resp, err = http.PostForm(c.base, params)
	}
	if err != nil {
		c.t.Fatalf("%s: %v", params.Get("operation"), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	var env struct {
		Success bool            `json:"success"`
		Result  json.RawMessage `json:"result"`
		Error   struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &env); err != nil {
		c.t.Fatalf("%s: HTTP %d, undecodable body %q: %v", params.Get("operation"), resp.StatusCode, body, err)
	}
	if !env.Success {
		c.t.Fatalf("%s %v: %s %s", params.Get("operation"), params, env.Error.Code, env.Error.Message)
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		c.t.Fatalf("%s: result %s: %v", params.Get("operation"), env.Result, err)
	}
}

func (c *wsClient) query(q string) []map[string]any {
	c.t.Helper()
	var rows []map[string]any
	c.call(http.MethodGet, url.Values{"operation": {"query"}, "query": {q}}, &rows)
	return rows
}

// ids pages through a query 100 rows at a time, as a client must on 8.4.
func (c *wsClient) ids(module, where string) []string {
	c.t.Helper()
	var out []string
	for off := 0; ; off += 100 {
		rows := c.query(fmt.Sprintf("SELECT id FROM %s%s LIMIT %d, 100;", module, where, off))
		for _, r := range rows {
			out = append(out, r["id"].(string))
		}
		if len(rows) < 100 {
			return out
		}
	}
}

func (c *wsClient) count(module, where string) int {
	c.t.Helper()
	rows := c.query("SELECT count(*) FROM " + module + where + ";")
	if len(rows) != 1 {
		c.t.Fatalf("count(*) on %s answered %v", module, rows)
	}
	n, err := strconv.Atoi(fmt.Sprint(rows[0]["count"]))
	if err != nil {
		c.t.Fatalf("count(*) on %s: %v", module, err)
	}
	return n
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestSeedDemoOverHTTPLookupsByEmail(t *testing.T) {
	s, d := seedDemo(t, Options{})
	c := newWSClient(t, s)
	tests := []struct{ email, contact, account, code string }{
		{"anna@acme.example", "anna", "acme", ""},
		{"carl@acme.example", "carl", "acme", "CODE42"},
		{"ben@globex.example", "ben", "globex", ""},
	}
	for _, tc := range tests {
		t.Run(tc.contact, func(t *testing.T) {
			rows := c.with(t).query("SELECT id, firstname, lastname, account_id, portal, code FROM Contacts WHERE email = '" + tc.email + "';")
			if len(rows) != 1 {
				t.Fatalf("%d contacts with %s", len(rows), tc.email)
			}
			r := rows[0]
			if r["id"] != d.Contacts[tc.contact] || r["account_id"] != d.Accounts[tc.account] || r["portal"] != "1" || r["code"] != tc.code {
				t.Errorf("got %v", r)
			}
		})
	}
	if rows := c.query("SELECT id FROM Contacts WHERE code = 'CODE42';"); len(rows) != 1 || rows[0]["id"] != d.Contacts["carl"] {
		t.Errorf("registration code lookup: %v", rows)
	}
}

func TestSeedDemoOverHTTPCounts(t *testing.T) {
	s, d := seedDemo(t, Options{Version: "7.x"})
	c := newWSClient(t, s)
	for _, key := range []string{"acme", "globex"} {
		acc := d.Accounts[key]
		byAccount := c.ids("HelpDesk", " WHERE parent_id = '"+acc+"'")
		var byContact []string
		for _, ct := range []string{"anna", "carl", "ben"} {
			if r := mustGet(t, s, d.Contacts[ct]); r["account_id"] == acc {
				byContact = append(byContact, c.ids("HelpDesk", " WHERE contact_id = '"+d.Contacts[ct]+"'")...)
			}
		}
		union := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(byAccount), byContact...))))
		if !sameSet(union, d.Tickets[key]) {
			t.Errorf("%s: tickets over HTTP %v, seeded %v", key, union, d.Tickets[key])
		}
		if n := c.count("HelpDesk", " WHERE parent_id = '"+acc+"'"); n != len(byAccount) || n < 10 {
			t.Errorf("%s: count(*) of account tickets %d, paged %d", key, n, len(byAccount))
		}
		tests := []struct {
			module, where string
			want          []string
		}{
			{"Invoice", " WHERE account_id = '" + acc + "'", d.Invoices[key]},
			{"SalesOrder", " WHERE account_id = '" + acc + "'", d.SalesOrders[key]},
			{"Quotes", " WHERE account_id = '" + acc + "'", d.Quotes[key]},
			{"Project", " WHERE linktoaccountscontacts = '" + acc + "'", d.Projects[key]},
			{"ServiceContracts", " WHERE sc_related_to = '" + acc + "'", d.ServiceContracts[key]},
			{"Assets", " WHERE account = '" + acc + "'", d.Assets[key]},
		}
		for _, tc := range tests {
			if got := c.ids(tc.module, tc.where); !sameSet(got, tc.want) {
				t.Errorf("%s %s: %v, seeded %v", key, tc.module, got, tc.want)
			}
			if n := c.count(tc.module, tc.where); n != len(tc.want) {
				t.Errorf("%s %s: count(*) %d, want %d", key, tc.module, n, len(tc.want))
			}
		}
		if got := c.count("Invoice", " WHERE account_id = '"+acc+"' AND invoicestatus = 'Paid'"); got != len(d.Invoices[key])-1 {
			t.Errorf("%s: %d paid invoices", key, got)
		}
	}
	if n := c.count("Faq", " WHERE faqstatus = 'Published'"); n < 5 {
		t.Errorf("%d published FAQs", n)
	}
	if n := c.count("Products", " WHERE discontinued = '1'"); n != len(d.Products) {
		t.Errorf("%d active products, want %d", n, len(d.Products))
	}
}

func TestSeedDemoOverHTTPRelationsAndFiles(t *testing.T) {
	s, d := seedDemo(t, Options{})
	c := newWSClient(t, s)
	related := func(id, module, label string) []string {
		var rows []map[string]any
		c.call(http.MethodGet, url.Values{"operation": {"retrieve_related"}, "id": {id}, "relatedType": {module}, "relatedLabel": {label}}, &rows)
		var out []string
		for _, r := range rows {
			out = append(out, r["id"].(string))
		}
		return out
	}
	fetch := func(docID string) (name, mime string, content []byte) {
		var doc map[string]any
		c.call(http.MethodGet, url.Values{"operation": {"retrieve"}, "id": {docID}}, &doc)
		att, _ := doc["imageattachmentids"].(string)
		if att == "" {
			t.Fatalf("document %s has no attachment: %v", docID, doc)
		}
		var files []struct {
			Filename, Filetype, Filecontents string
			Filesize                         int
		}
		c.call(http.MethodGet, url.Values{"operation": {"files_retrieve"}, "id": {att}}, &files)
		if len(files) != 1 {
			t.Fatalf("files_retrieve %s: %d files", att, len(files))
		}
		b, err := base64.StdEncoding.DecodeString(files[0].Filecontents)
		if err != nil || len(b) != files[0].Filesize {
			t.Fatalf("file of %s: %d bytes, filesize %d, err %v", docID, len(b), files[0].Filesize, err)
		}
		return files[0].Filename, files[0].Filetype, b
	}

	for _, key := range []string{"acme", "globex"} {
		// The first ticket carries the PNG, the second the text log.
		docs := related(d.Tickets[key][0], "Documents", "Documents")
		if len(docs) != 1 {
			t.Fatalf("%s: first ticket has documents %v", key, docs)
		}
		if name, mime, b := fetch(docs[0]); name != "paper-jam.png" || mime != "image/png" || !bytes.Equal(b, demoPNG()) {
			t.Errorf("%s: ticket PNG is %s %s (%d bytes)", key, name, mime, len(b))
		} else if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s: ticket PNG does not decode: %v", key, err)
		}
		docs = related(d.Tickets[key][1], "Documents", "Documents")
		if len(docs) != 1 {
			t.Fatalf("%s: second ticket has documents %v", key, docs)
		}
		if name, mime, b := fetch(docs[0]); name != "vpn-client.log" || mime != "text/plain" || !bytes.Contains(b, []byte("IKE rekey failed")) {
			t.Errorf("%s: ticket log is %s %s %q", key, name, mime, b)
		}

		comments := related(d.Tickets[key][1], "ModComments", "ModComments")
		if len(comments) != 3 {
			t.Errorf("%s: second ticket has %d comments, want 3", key, len(comments))
		}
		tasks := related(d.Projects[key][0], "ProjectTask", "Project Tasks")
		if len(tasks) < 4 {
			t.Errorf("%s: project has %d tasks", key, len(tasks))
		}
		if docs := related(d.Accounts[key], "Documents", "Documents"); len(docs) != 1 {
			t.Errorf("%s: account documents %v", key, docs)
		}
		if docs := related(d.Projects[key][0], "Documents", "Documents"); len(docs) != 1 {
			t.Errorf("%s: project documents %v", key, docs)
		}
		if docs := related(d.ProjectTasks[key][0], "Documents", "Documents"); len(docs) != 1 {
			t.Errorf("%s: task documents %v", key, docs)
		}
	}
	for _, ct := range []string{"anna", "carl", "ben"} {
		docs := related(d.Contacts[ct], "Documents", "Documents")
		if len(docs) != 1 {
			t.Fatalf("%s: documents %v", ct, docs)
		}
		if name, _, b := fetch(docs[0]); name != "portal-quick-start.txt" || !bytes.HasPrefix(b, []byte("Welcome to the customer portal.")) {
			t.Errorf("%s: document %s %q", ct, name, b)
		}
	}
}
