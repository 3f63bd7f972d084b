package http

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// Every write route of the router is filed in activityRoutes, so adding
// one without its line fails here; and every line names a real route.
func TestActivityRoutesCoverRouter(t *testing.T) {
	s := New(routedDeps())
	seen := map[string]bool{}
	err := chi.Walk(s.routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !isWrite(method) || !strings.HasPrefix(route, "/api/v1/") {
			return nil
		}
		key := method + " " + strings.TrimSuffix(strings.TrimPrefix(route, "/api/v1"), "/")
		seen[key] = true
		if _, ok := activityRoutes[key]; !ok {
			t.Errorf("write route %s has no line in activityRoutes", key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 20 {
		t.Fatalf("walked only %d write routes: %v", len(seen), seen)
	}
	for key := range activityRoutes {
		if !seen[key] {
			t.Errorf("activityRoutes line %q matches no route", key)
		}
	}
}

func TestBodyChanges(t *testing.T) {
	tests := []struct {
		name              string
		spec              activityRoute
		sent, stored, old map[string]any
		want              []domain.FieldChange
	}{
		{"only what the answer shows as sent",
			activityRoute{},
			map[string]any{"ticket_title": "Printer", "contact_id": "12x99", "hours": 5.0, "extra": "x"},
			map[string]any{"ticket_title": "Printer", "contact_id": "12x1", "hours": "5"}, nil,
			[]domain.FieldChange{{Field: "hours", New: 5.0}, {Field: "ticket_title", New: "Printer"}}},
		{"a reference is compared by its id",
			activityRoute{},
			map[string]any{"assigned": "19x1", "account": "11x9"},
			map[string]any{"assigned": map[string]any{"id": "19x1", "label": "Mia"}, "account": map[string]any{"id": "11x1"}}, nil,
			[]domain.FieldChange{{Field: "assigned", New: "19x1"}}},
		{"secrets redacted, never valued",
			activityRoute{Fields: []string{"token", "password", "invoice_id"}},
			map[string]any{"token": "123456", "password": "hunter22", "invoice_id": "7x1", "other": "y"}, nil, nil,
			[]domain.FieldChange{{Field: "invoice_id", New: "7x1"}, {Field: "password", Redacted: true}, {Field: "token", Redacted: true}}},
		{"declared secrets kept as redacted, ignored keys dropped",
			activityRoute{Secrets: []string{"password", "imagecontent"}, Ignore: []string{"account_name"}},
			map[string]any{"password": "pw", "imagecontent": "", "account_name": "Evil", "firstname": "Ann"},
			map[string]any{"account_name": "Evil", "firstname": "Ann"}, nil,
			[]domain.FieldChange{{Field: "firstname", New: "Ann"}, {Field: "password", Redacted: true}}},
		{"old values: unchanged dropped, changed shows old",
			activityRoute{},
			map[string]any{"a": true, "b": false},
			map[string]any{"a": true, "b": false},
			map[string]any{"a": true, "b": true},
			[]domain.FieldChange{{Field: "b", Old: true, New: false}}},
		{"data URLs and nested secrets",
			activityRoute{Fields: []string{"avatar", "intent"}},
			map[string]any{"avatar": "data:image/png;base64,AAAA", "intent": map[string]any{"id": "pi_1", "client_secret": "pi_1_secret_x"}},
			nil, nil,
			[]domain.FieldChange{{Field: "avatar", Redacted: true},
				{Field: "intent", New: map[string]any{"id": "pi_1", "client_secret": "[redacted]"}}}},
		{"NUL bytes dropped (PostgreSQL refuses them)", activityRoute{Fields: []string{"t\x00"}},
			map[string]any{"t\x00": "a\x00b"}, nil, nil,
			[]domain.FieldChange{{Field: "t", New: "ab"}}},
		{"keys matched as encoding/json matches them, secrets whatever their casing",
			activityRoute{Fields: []string{"ticketstatus", "token"}},
			map[string]any{"TicketStatus": "Closed", "TOKEN": "123456"}, nil, nil,
			[]domain.FieldChange{{Field: "ticketstatus", New: "Closed"}, {Field: "token", Redacted: true}}},
		{"an exact and a folded key both sent: both kept under their names",
			activityRoute{Fields: []string{"ticketstatus"}},
			map[string]any{"ticketstatus": "Open", "TICKETSTATUS": "Closed"}, nil, nil,
			[]domain.FieldChange{{Field: "TICKETSTATUS", New: "Closed"}, {Field: "ticketstatus", New: "Open"}}},
		{"declared secrets under another casing stay redacted",
			activityRoute{Secrets: []string{"password", "code"}, Ignore: []string{"confirmPassword"}},
			map[string]any{"PASSWORD": "pw", "Code": "CODE42", "CONFIRMPASSWORD": "pw"}, map[string]any{}, nil,
			[]domain.FieldChange{{Field: "Code", Redacted: true}, {Field: "PASSWORD", Redacted: true}}},
		{"long values clipped", activityRoute{Fields: []string{"c"}},
			map[string]any{"c": strings.Repeat("é", activityValueLimit+10)}, nil, nil,
			[]domain.FieldChange{{Field: "c", New: strings.Repeat("é", activityValueLimit) + "…"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := bodyChanges(tc.spec, tc.sent, tc.stored, tc.old)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestUploadChangesReadsOnlyTheHeaders(t *testing.T) {
	body := "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n" +
		"Content-Type: application/pdf\r\n\r\n%PDF-1.7 " + strings.Repeat("x", 100)
	got := uploadChanges("multipart/form-data; boundary=XYZ", []byte(body)) // cut mid-file, like the capped copy
	want := []domain.FieldChange{{Field: "file", New: "report.pdf"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if got := uploadChanges("multipart/form-data", []byte(body)); got != nil {
		t.Errorf("without boundary: %#v", got)
	}
	// The form field's name is the client's too: bounded like every key.
	long := strings.Repeat("f", 5000)
	body = "--XYZ\r\nContent-Disposition: form-data; name=\"" + long + "\"; filename=\"a.txt\"\r\n\r\nx"
	got = uploadChanges("multipart/form-data; boundary=XYZ", []byte(body))
	if len(got) != 1 || got[0].Field != strings.Repeat("f", 100)+"…" || got[0].New != "a.txt" {
		t.Errorf("long form name: %.200v", got)
	}
}
