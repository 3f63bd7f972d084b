package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
)

var wsID = regexp.MustCompile(`^[0-9]+x[0-9]+$`)

// exported is one answer of a list route asked for CSV.
type exported struct {
	status int
	header http.Header
	raw    []byte
	rows   [][]string // header row first
}

func getCSV(t *testing.T, base, path, token, accept string) exported {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	out := exported{status: resp.StatusCode, header: resp.Header, raw: raw}
	if resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF"))))
		if out.rows, err = r.ReadAll(); err != nil {
			t.Fatalf("GET %s: not RFC 4180 CSV: %v\n%s", path, err, raw)
		}
	}
	return out
}

// listAll reads every page of a JSON list (100 rows a page).
func listAll(t *testing.T, base, path, token string) []map[string]any {
	t.Helper()
	var all []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for page := 1; ; page++ {
		code, body := apptest.Call(t, http.MethodGet, fmt.Sprintf("%s%s%spage=%d&size=100", base, path, sep, page), token, nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s page %d: %d %v", path, page, code, body)
		}
		data, _ := body["data"].([]any)
		for _, d := range data {
			all = append(all, d.(map[string]any))
		}
		if len(data) < 100 {
			return all
		}
	}
}

// labels returns the describe labels of a module by field name (as
// Vtiger describes it), and the fields in describe order.
func labels(t *testing.T, s *apptest.Portal, module string) (map[string]string, []string) {
	t.Helper()
	m, err := s.Vtiger.Describe(context.Background(), module)
	if err != nil {
		t.Fatalf("describe %s: %v", module, err)
	}
	out := map[string]string{}
	var order []string
	for _, f := range m.Fields {
		out[f.Name] = f.Label
		order = append(order, f.Name)
	}
	return out, order
}

func column(t *testing.T, rows [][]string, label string) int {
	t.Helper()
	i := slices.Index(rows[0], label)
	if i < 0 {
		t.Fatalf("no column %q in header %q", label, rows[0])
	}
	return i
}

func columnValues(rows [][]string, i int) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// An export of more than one Vtiger page holds every row exactly once, in
// the order the paged JSON list gives, under a header of describe labels.
func TestExportPagesThroughTheWholeSortedList(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")
	lab, order := labels(t, s, "Faq")

	for _, sort := range []string{"", "-faq_no", "question"} {
		t.Run("sort="+sort, func(t *testing.T) {
			q := "/faqs?sort=" + url.QueryEscape(sort)
			want := listAll(t, base, q, token)
			if len(want) <= 100 {
				t.Fatalf("demo data has %d published FAQs, the export must page past 100", len(want))
			}
			day := func() string { return `attachment; filename="faqs-` + time.Now().UTC().Format(time.DateOnly) + `.csv"` }
			dayBefore := day()
			got := getCSV(t, base, q+"&format=csv", token, "")
			if got.status != http.StatusOK {
				t.Fatalf("export: %d %s", got.status, got.raw)
			}
			if ct := got.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			// The export may straddle midnight (UTC): either day is right.
			if cd, wantName := got.header.Get("Content-Disposition"), day(); cd != wantName && cd != dayBefore {
				t.Errorf("Content-Disposition %q, want %q", cd, wantName)
			}
			if bytes.HasPrefix(got.raw, []byte("\uFEFF")) {
				t.Error("BOM without bom=1")
			}
			if !bytes.Contains(got.raw, []byte("\r\n")) {
				t.Error("records not CRLF-terminated (RFC 4180)")
			}
			// The header is describe labels in describe order.
			var labelOrder []string
			for _, f := range order {
				if slices.Contains(got.rows[0], lab[f]) {
					labelOrder = append(labelOrder, lab[f])
				}
			}
			if !slices.Equal(labelOrder, got.rows[0]) {
				t.Errorf("header %q is not describe labels in describe order", got.rows[0])
			}
			for _, f := range []string{"faq_no", "question", "faqstatus", "faqcategories"} {
				if !slices.Contains(got.rows[0], lab[f]) {
					t.Errorf("header lacks %s (%q): %q", f, lab[f], got.rows[0])
				}
			}
			if slices.Contains(got.rows[0], "imageattachmentids") || slices.Contains(got.rows[0], "faq_no") {
				t.Errorf("header holds field names: %q", got.rows[0])
			}
			nos := columnValues(got.rows, column(t, got.rows, lab["faq_no"]))
			wantNos := make([]string, len(want))
			for i, w := range want {
				wantNos[i] = w["faq_no"].(string)
			}
			if !slices.Equal(nos, wantNos) {
				t.Fatalf("export has %d rows, list %d; order or content differs\nexport %q\nlist   %q", len(nos), len(wantNos), nos, wantNos)
			}
			for _, st := range columnValues(got.rows, column(t, got.rows, lab["faqstatus"])) {
				if st != "Published" {
					t.Fatalf("unpublished FAQ exported: %q", st)
				}
			}
		})
	}
}

// Scope, filters and search are the list's: Anna's export is Anna's list,
// and holds none of Ben's tickets.
func TestExportIsTheCustomersFilteredList(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	lab, _ := labels(t, s, "HelpDesk")

	var benNos []string
	for _, id := range s.Demo.Tickets["globex"] {
		rec, _ := s.Sim.Get(id)
		benNos = append(benNos, rec["ticket_no"])
	}
	for _, q := range []string{"", "?status=Open", "?search=VPN", "?sort=ticket_title", "?ticketstatus=Closed&sort=-ticket_no"} {
		t.Run(q, func(t *testing.T) {
			want := listAll(t, base, "/tickets"+q, anna)
			sep := "?"
			if q != "" {
				sep = "&"
			}
			got := getCSV(t, base, "/tickets"+q+sep+"format=csv", anna, "")
			if got.status != http.StatusOK {
				t.Fatalf("export: %d %s", got.status, got.raw)
			}
			nos := columnValues(got.rows, column(t, got.rows, lab["ticket_no"]))
			wantNos := make([]string, len(want))
			for i, w := range want {
				wantNos[i] = w["ticket_no"].(string)
			}
			if len(wantNos) == 0 {
				t.Fatal("the list is empty; the case tests nothing")
			}
			if !slices.Equal(nos, wantNos) {
				t.Fatalf("export %q, list %q", nos, wantNos)
			}
			for _, n := range nos {
				if slices.Contains(benNos, n) {
					t.Fatalf("Anna's export holds Ben's ticket %s", n)
				}
			}
			if strings.Contains(string(got.raw), "Globex") {
				t.Fatal("Anna's export mentions Globex")
			}
		})
	}
	// Values are shown as in the portal: references by label, dates ISO,
	// datetimes RFC 3339.
	got := getCSV(t, base, "/tickets?format=csv&sort=ticket_no", anna, "")
	related := columnValues(got.rows, column(t, got.rows, lab["parent_id"]))
	if !slices.Contains(related, "Acme Ltd") {
		t.Errorf("Related To column %q lacks the account label", related)
	}
	for _, r := range got.rows {
		for _, v := range r {
			if wsID.MatchString(v) {
				t.Errorf("a reference is exported as its id %q: %q", v, r)
			}
		}
	}
	if owners := columnValues(got.rows, column(t, got.rows, lab["assigned_user_id"])); !slices.Contains(owners, "Maria Keller") {
		t.Errorf("Assigned To column %q lacks the manager's name", owners)
	}
	for _, v := range columnValues(got.rows, column(t, got.rows, lab["createdtime"])) {
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			t.Errorf("createdtime %q is not RFC 3339", v)
		}
	}
}

func TestExportOptionsAndGuards(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")

	t.Run("bom", func(t *testing.T) {
		got := getCSV(t, base, "/tickets?format=csv&bom=1", anna, "")
		if got.status != http.StatusOK || !bytes.HasPrefix(got.raw, []byte{0xEF, 0xBB, 0xBF}) {
			t.Fatalf("bom=1: %d, starts %q", got.status, got.raw[:min(8, len(got.raw))])
		}
		if bytes.Count(got.raw, []byte("\uFEFF")) != 1 {
			t.Error("more than one BOM")
		}
	})
	t.Run("accept header", func(t *testing.T) {
		got := getCSV(t, base, "/tickets", anna, "text/csv")
		if got.status != http.StatusOK || !strings.HasPrefix(got.header.Get("Content-Type"), "text/csv") || len(got.rows) < 2 {
			t.Fatalf("Accept: text/csv: %d %q", got.status, got.header.Get("Content-Type"))
		}
		js := getCSV(t, base, "/tickets", anna, "application/json, text/csv;q=0")
		if !strings.HasPrefix(js.header.Get("Content-Type"), "application/json") {
			t.Errorf("text/csv;q=0 gave %q", js.header.Get("Content-Type"))
		}
		js = getCSV(t, base, "/tickets?format=json", anna, "text/csv")
		if !strings.HasPrefix(js.header.Get("Content-Type"), "application/json") {
			t.Errorf("format=json beats Accept, gave %q", js.header.Get("Content-Type"))
		}
	})
	t.Run("formula cells", func(t *testing.T) {
		for _, title := range []string{`=HYPERLINK("http://evil.example","open")`, "@SUM(A1:A9)", "-2+3 printers broken"} {
			code, body := apptest.Call(t, http.MethodPost, base+"/tickets", anna, map[string]any{
				"ticket_title": title, "description": "Formula test ticket", "ticketpriorities": "Normal",
			})
			if code != http.StatusCreated && code != http.StatusOK {
				t.Fatalf("create ticket: %d %v", code, body)
			}
		}
		got := getCSV(t, base, "/tickets?format=csv", anna, "")
		lab, _ := labels(t, s, "HelpDesk")
		titles := columnValues(got.rows, column(t, got.rows, lab["ticket_title"]))
		for _, want := range []string{`'=HYPERLINK("http://evil.example","open")`, "'@SUM(A1:A9)", "'-2+3 printers broken"} {
			if !slices.Contains(titles, want) {
				t.Errorf("no escaped cell %q in %q", want, titles)
			}
		}
		faqs := getCSV(t, base, "/faqs?format=csv", anna, "")
		if !bytes.Contains(faqs.raw, []byte("'+44 or +49")) {
			t.Error("FAQ question starting with + not escaped")
		}
		for _, r := range append(got.rows, faqs.rows...) {
			for _, c := range r {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Fatalf("unescaped formula cell %q", c)
				}
			}
		}
	})
	t.Run("bad parameters are JSON errors", func(t *testing.T) {
		for _, q := range []string{"?format=xlsx", "?format=csv&bom=yes", "?format=csv&sort=user_password", "?format=csv&page=0"} {
			code, body := apptest.Call(t, http.MethodGet, base+"/tickets"+q, anna, nil)
			if code < 400 || code >= 500 || body["message"] == nil {
				t.Errorf("%s: %d %v", q, code, body)
			}
		}
		// Another customer's project: the task export is the same 404 as the list.
		ben := s.Demo.Projects["globex"][0]
		if code, _ := apptest.Call(t, http.MethodGet, base+"/projects/"+ben+"/tasks?format=csv", anna, nil); code != http.StatusNotFound {
			t.Errorf("tasks of Ben's project: %d", code)
		}
	})
}

// Beyond export.maxRows the export is a 422 before anything is streamed.
func TestExportCapAnswers422(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config, _ *app.Options) { c.Export.MaxRows = 100 })
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	code, body := apptest.Call(t, http.MethodGet, base+"/faqs?format=csv", anna, nil)
	if code != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body["message"]), "export limit of 100") {
		t.Fatalf("over the cap: %d %v", code, body)
	}
	// Narrowed by a search, the same list fits.
	got := getCSV(t, base, "/faqs?format=csv&search=VPN", anna, "")
	if got.status != http.StatusOK || len(got.rows) < 2 || len(got.rows) > 101 {
		t.Fatalf("narrowed export: %d, %d rows", got.status, len(got.rows))
	}
	if got := getCSV(t, base, "/tickets", anna, "text/csv"); got.status != http.StatusOK {
		t.Fatalf("tickets under the cap: %d", got.status)
	}
}

// Columns are the module's configured list fields, in their order: the
// demo's Assets module lists asset_no, assetstatus, assetname, datesold,
// serialnumber.
func TestExportColumnsAreTheConfiguredListFields(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	lab, _ := labels(t, s, "Assets")
	got := getCSV(t, base, "/custom-modules/Assets?format=csv&sort=asset_no", anna, "")
	want := []string{lab["asset_no"], lab["assetstatus"], lab["assetname"], lab["datesold"], lab["serialnumber"]}
	if got.status != http.StatusOK || !slices.Equal(got.rows[0], want) {
		t.Fatalf("Assets export: %d header %q, want %q", got.status, got.rows[0], want)
	}
	if len(got.rows) < 2 {
		t.Fatal("no Assets rows")
	}
	for _, r := range got.rows[1:] {
		if _, err := time.Parse(time.DateOnly, r[3]); r[3] != "" && err != nil {
			t.Errorf("date sold %q is not YYYY-MM-DD", r[3])
		}
	}
}

// Every list route of the engine answers the CSV export with its rows.
func TestExportEveryListRoute(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	project := s.Demo.Projects["acme"][0]
	for _, path := range []string{"/tickets", "/projects", "/projects/" + project + "/tasks", "/invoices", "/sales-orders",
		"/quotes", "/service-contracts", "/products", "/services", "/faqs", "/custom-modules/Assets"} {
		got := getCSV(t, base, path+"?format=csv", anna, "")
		if got.status != http.StatusOK {
			t.Errorf("%s: %d %s", path, got.status, got.raw)
			continue
		}
		want := listAll(t, base, path, anna)
		if len(want) == 0 {
			t.Errorf("%s: the demo list is empty", path)
		}
		if len(got.rows)-1 != len(want) {
			t.Errorf("%s: %d exported rows, the list has %d", path, len(got.rows)-1, len(want))
		}
		for _, r := range got.rows {
			if len(r) != len(got.rows[0]) || len(r) == 0 {
				t.Fatalf("%s: ragged row %q", path, r)
			}
		}
	}
}

// An export that outlives http.writeTimeout still completes: the stream
// gets a fresh write deadline after the count and after every page. With
// the simulator's latency each Vtiger call takes well under the timeout,
// the six pages together well over it.
func TestExportOutlivesTheWriteTimeout(t *testing.T) {
	s := apptest.Start(t, func(c *config.Config, _ *app.Options) { c.HTTP.WriteTimeout = time.Second })
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	for i := range 450 {
		if _, err := s.Sim.Insert("Faq", map[string]string{"question": fmt.Sprintf("Slow export %03d", i),
			"faq_answer": "x", "faqstatus": "Published", "faqcategories": "General"}); err != nil {
			t.Fatal(err)
		}
	}
	s.Sim.SetLatency(300*time.Millisecond, 0)
	got := getCSV(t, base, "/faqs?format=csv&search=Slow+export", anna, "")
	if got.status != http.StatusOK || len(got.rows) != 451 {
		t.Fatalf("slow export: %d, %d rows, want the header and 450 FAQs", got.status, len(got.rows))
	}
}
