package records

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// loadDescribe reads a describe result captured from Vtiger 8.4 (the
// simulator's embedded metadata).
func loadDescribe(tb testing.TB, module string) *vtiger.Module {
	tb.Helper()
	raw, err := os.ReadFile("../vtiger/vtigersim/metadata/" + module + ".json")
	if err != nil {
		tb.Fatal(err)
	}
	var wrapped struct {
		Result *vtiger.Module `json:"result"`
	}
	if err := json.Unmarshal(raw, &wrapped); err == nil && wrapped.Result != nil && wrapped.Result.Name != "" {
		return wrapped.Result
	}
	var m vtiger.Module
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	return &m
}

func TestSchemaType(t *testing.T) {
	s := NewSchema(loadDescribe(t, "HelpDesk"))
	raw := vtiger.Record{
		"id": "17x5", "ticket_no": "TT5", "hours": "1.50000000", "days": "", "from_portal": "1", "starred": "0",
		"createdtime": "2026-01-02 03:04:05", "modifiedtime": "", "tags": "vip, urgent", "parent_id": "11x3",
		"product_id": nil, "unknown_extra": "keep",
	}
	got := s.Type(raw, false, nil)
	want := vtiger.Record{"id": "17x5", "ticket_no": "TT5", "hours": 1.5, "days": 0.0, "from_portal": true, "starred": false,
		"createdtime": "2026-01-02T03:04:05Z", "modifiedtime": ZeroTime, "tags": []string{"vip", "urgent"}, "parent_id": "11x3",
		"product_id": "", "unknown_extra": "keep"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Type =\n%#v\nwant\n%#v", got, want)
	}
	obj := s.Type(vtiger.Record{"parent_id": "11x3"}, true, map[string]string{"11x3": "Acme"})
	if obj["parent_id"] != (Ref{ID: "11x3", Label: "Acme"}) {
		t.Errorf("reference object: %#v", obj["parent_id"])
	}
}

func TestSchemaDatesAndHidden(t *testing.T) {
	s := NewSchema(loadDescribe(t, "Users"))
	got := s.Type(vtiger.Record{"user_password": "secret", "accesskey": "k", "first_name": "Ann"}, false, nil)
	if _, ok := got["user_password"]; ok {
		t.Error("password field typed into output")
	}
	if _, ok := got["accesskey"]; ok {
		t.Error("access key typed into output")
	}
	// "code" is a registration code on a contact, a postal code on the
	// company card.
	field := vtiger.Field{Name: "code", Type: vtiger.FieldType{Name: "string"}}
	if got := NewSchema(&vtiger.Module{Name: "Contacts", Fields: []vtiger.Field{field}}).Type(vtiger.Record{"code": "CODE42"}, false, nil); got["code"] != nil {
		t.Errorf("a contact's code typed into output: %v", got)
	}
	if got := NewSchema(loadDescribe(t, "CompanyDetails")).Type(vtiger.Record{"code": "10117"}, false, nil); got["code"] != "10117" {
		t.Errorf("the company's postal code was hidden: %v", got)
	}
	cases := map[string]string{"2026-03-01": "2026-03-01T00:00:00Z", "": ZeroTime, "0000-00-00": ZeroTime, "garbage": ZeroTime,
		"2026-03-01 10:11:12": "2026-03-01T10:11:12Z"}
	for in, want := range cases {
		if got := formatDate(in); got != want {
			t.Errorf("formatDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSort(t *testing.T) {
	s := NewSchema(loadDescribe(t, "HelpDesk"))
	cases := []struct {
		in, def   string
		field     string
		desc, bad bool
	}{
		{"", "-ticket_no", "ticket_no", true, false},
		{"ticket_title", "-ticket_no", "ticket_title", false, false},
		{"-createdtime,ticket_no", "", "createdtime", true, false},
		{"assigned_user_id", "", "", false, true},
		{"ticket_no;", "", "", false, true},
		{"nosuch", "", "", false, true},
		{"", "-nosuch", "", false, false},
		// Every key of a comma list is validated (issue 14).
		{"-ticket_no,(select)", "", "", false, true},
		{"-ticket_no,assigned_user_id", "", "", false, true},
		{"-ticket_no,", "", "", false, true},
		{"-ticket_no, +ticket_title", "", "ticket_no", true, false},
	}
	for _, c := range cases {
		f, d, err := ParseSort(s, c.in, c.def)
		if (err != nil) != c.bad || f != c.field || d != c.desc {
			t.Errorf("ParseSort(%q,%q) = %q,%v,%v", c.in, c.def, f, d, err)
		}
		if err != nil && domain.ErrorField(err) != "sort" {
			t.Errorf("error does not name sort: %v", err)
		}
		if err != nil && strings.Contains(c.in, "(select)") && !strings.Contains(err.Error(), "(select)") {
			t.Errorf("error does not name the bad key: %v", err)
		}
	}
}

func TestValidID(t *testing.T) {
	s := NewSchema(loadDescribe(t, "HelpDesk"))
	for id, ok := range map[string]bool{"17x1": true, "17x": false, "7x1": false, "117x1": false, "17x1 ": false, "17x1;": false, "x": false} {
		if s.ValidID(id) != ok {
			t.Errorf("ValidID(%q) != %v", id, ok)
		}
	}
}

func TestCacheCollapsesAndInvalidates(t *testing.T) {
	c := NewCache(CacheOptions{MaxBytes: 1 << 20})
	countKey := cacheKey{kind: kindCount, module: "HelpDesk", detail: "x"}
	var calls atomic.Int32
	load := func(context.Context) (any, error) { calls.Add(1); time.Sleep(5 * time.Millisecond); return 42, nil }
	done := make(chan struct{})
	for range 8 {
		go func() { _, _ = c.Get(context.Background(), countKey, time.Minute, load); done <- struct{}{} }()
	}
	for range 8 {
		<-done
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d loads for 8 concurrent gets", n)
	}
	c.Invalidate(Change{Module: "HelpDesk"})
	_, _ = c.Get(context.Background(), countKey, time.Minute, load)
	if n := calls.Load(); n != 2 {
		t.Errorf("invalidate did not drop the entry (%d loads)", n)
	}
	if _, err := c.Get(context.Background(), cacheKey{kind: kindCompany}, time.Minute, func(context.Context) (any, error) { return nil, errors.New("boom") }); err == nil {
		t.Error("error swallowed")
	}
}

// What a write makes stale is decided by Change.stales alone.
func TestChangeStales(t *testing.T) {
	write := Change{Module: "HelpDesk", ID: "17x1"}
	cases := []struct {
		key  cacheKey
		want bool
	}{
		{cacheKey{kind: kindCount, module: "HelpDesk", detail: "q"}, true},
		{cacheKey{kind: kindCount, module: "Invoice", detail: "q"}, false},
		{cacheKey{kind: kindList, module: "HelpDesk"}, true},
		{cacheKey{kind: kindList, module: "Faq"}, false},
		{cacheKey{kind: kindParents, module: "Project", scope: "a|b"}, true},
		{cacheKey{kind: kindStats, scope: "a|b"}, true},
		{cacheKey{kind: kindVisible, module: "HelpDesk", id: "17x1", scope: "a|b"}, true},
		{cacheKey{kind: kindVisible, module: "HelpDesk", id: "17x2", scope: "a|b"}, false},
		{cacheKey{kind: kindCompany}, false},
		{cacheKey{kind: kindCurrency, id: "17x1"}, false},
	}
	for _, c := range cases {
		if got := write.stales(c.key); got != c.want {
			t.Errorf("stales(%+v) = %v, want %v", c.key, got, c.want)
		}
	}
	if (Change{Module: "HelpDesk"}).stales(cacheKey{kind: kindVisible, id: "17x1"}) {
		t.Error("a create dropped a visible-record entry")
	}
}

func BenchmarkTypeRecord(b *testing.B) {
	s := NewSchema(loadDescribe(b, "HelpDesk"))
	raw := vtiger.Record{"ticket_no": "TT5", "assigned_user_id": "19x2", "parent_id": "11x3", "ticketpriorities": "High",
		"product_id": "", "ticketseverities": "Major", "ticketstatus": "Open", "ticketcategories": "Small Problem",
		"hours": "1.50000000", "days": "0.00000000", "createdtime": "2026-01-02 03:04:05", "modifiedtime": "2026-01-02 04:04:05",
		"from_portal": "1", "modifiedby": "19x1", "ticket_title": "Printer jam", "contact_id": "12x7", "source": "PORTAL",
		"starred": "0", "tags": "", "description": "The printer on the second floor jams.", "solution": "", "id": "17x5"}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Type(raw, false, nil)
	}
}

func BenchmarkListJSON(b *testing.B) {
	s := NewSchema(loadDescribe(b, "HelpDesk"))
	rows := make([]vtiger.Record, 100)
	for i := range rows {
		rows[i] = s.Type(vtiger.Record{"ticket_no": "TT5", "assigned_user_id": "19x2", "parent_id": "11x3", "ticketpriorities": "High",
			"ticketseverities": "Major", "ticketstatus": "Open", "ticketcategories": "Small Problem", "hours": "1.5", "days": "0",
			"createdtime": "2026-01-02 03:04:05", "modifiedtime": "2026-01-02 04:04:05", "from_portal": "1", "modifiedby": "19x1",
			"ticket_title": "Printer jam", "contact_id": "12x7", "source": "PORTAL", "starred": "0", "tags": "a,b",
			"description": "The printer on the second floor jams whenever tray 2 is used.", "solution": "", "id": "17x5"}, false, nil)
	}
	env := struct {
		Data  []vtiger.Record `json:"data"`
		Count int             `json:"count"`
		Page  int             `json:"page"`
		Size  int             `json:"size"`
	}{rows, 100, 1, 100}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(env); err != nil {
			b.Fatal(err)
		}
	}
}
