package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp/totp"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/service/payments/stripemock"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// upload sends a one-file multipart form.
func upload(t *testing.T, url, token, name string, content []byte) (int, map[string]any) {
	t.Helper()
	form, ct := testutil.FileForm(t, name, content)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(form))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func entries(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	list, ok := body["data"].([]any)
	if !ok {
		t.Fatalf("no data list in %v", body)
	}
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		out = append(out, e.(map[string]any))
	}
	return out
}

func TestActivityTrailEndToEnd(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	ben := login(t, base, "ben@globex.example")
	const newPassword = "Fresh-Secret-4711"

	// Anna's writes: a ticket, a comment, a status change, a document, her
	// profile and her password.
	code, body := apptest.Call(t, "POST", base+"/tickets", anna, map[string]any{"ticket_title": "Printer on fire", "description": "smoke"})
	if code != 201 {
		t.Fatalf("create ticket: %d %v", code, body)
	}
	ticket, _ := body["id"].(string)
	if ticket == "" {
		t.Fatalf("ticket without id: %v", body)
	}
	if code, body := apptest.Call(t, "POST", base+"/tickets/"+ticket+"/comments", anna, map[string]any{"commentcontent": "More smoke now"}); code != 201 {
		t.Fatalf("comment: %d %v", code, body)
	}
	if code, body := apptest.Call(t, "PATCH", base+"/tickets/"+ticket, anna, map[string]any{"ticketstatus": "Closed", "contact_id": s.Demo.Contacts["ben"]}); code/100 != 2 {
		t.Fatalf("status: %d %v", code, body)
	}
	if code, body := upload(t, base+"/tickets/"+ticket+"/documents", anna, "smoke-report.txt", []byte("the whole report")); code != 201 {
		t.Fatalf("upload: %d %v", code, body)
	}
	code, body = apptest.Call(t, "GET", base+"/users/my", anna, nil)
	if code != 200 {
		t.Fatalf("profile: %d", code)
	}
	profile := body["data"].(map[string]any)
	if code, body := apptest.Call(t, "PUT", base+"/users/my", anna, map[string]any{"firstname": "Annabel", "lastname": profile["lastname"],
		"account_name": "Evil Corp", "imagecontent": ""}); code != 202 {
		t.Fatalf("profile update: %d %v", code, body)
	}
	if code, body := apptest.Call(t, "PUT", base+"/users/my", anna, map[string]any{"old_password": vtigersim.DemoPassword,
		"password": newPassword, "confirmPassword": newPassword}); code != 202 {
		t.Fatalf("password change: %d %v", code, body)
	}
	// A failed write is not in the trail.
	if code, _ := apptest.Call(t, "PATCH", base+"/tickets/"+ticket, anna, map[string]any{"ticketstatus": "Nonsense"}); code != 422 {
		t.Fatalf("bad status: %d", code)
	}
	anna = login2(t, base, "anna@acme.example", newPassword)

	// Anna's organisation trail, newest first.
	code, body = apptest.Call(t, "GET", base+"/activity?size=50", anna, nil)
	if code != 200 {
		t.Fatalf("activity: %d %v", code, body)
	}
	list := entries(t, body)
	if body["count"] != float64(6) || body["page"] != float64(1) || body["size"] != float64(50) || len(list) != 6 {
		t.Fatalf("activity envelope: count %v page %v size %v, %d entries: %v", body["count"], body["page"], body["size"], len(list), list)
	}
	want := []struct{ module, action, route, record string }{
		{"Profile", "password-change", "/users/my", s.Demo.Contacts["anna"]},
		{"Profile", "update", "/users/my", s.Demo.Contacts["anna"]},
		{"HelpDesk", "upload", "/tickets/{id}/documents", ticket},
		{"HelpDesk", "status", "/tickets/{id}", ticket},
		{"HelpDesk", "comment", "/tickets/{id}/comments", ticket},
		{"HelpDesk", "create", "/tickets", ticket},
	}
	for i, w := range want {
		e := list[i]
		if e["module"] != w.module || e["action"] != w.action || e["route"] != w.route || e["record_id"] != w.record {
			t.Errorf("entry %d = %v %v %v %v, want %+v", i, e["module"], e["action"], e["route"], e["record_id"], w)
		}
		u, _ := e["user"].(map[string]any)
		if u["email"] != "anna@acme.example" || u["contact_id"] != s.Demo.Contacts["anna"] {
			t.Errorf("entry %d user = %v", i, u)
		}
		if e["ip"] != "127.0.0.1" || e["request_id"] == "" {
			t.Errorf("entry %d ip %v request id %v", i, e["ip"], e["request_id"])
		}
	}
	checks := []struct {
		entry  int
		field  string
		newVal any
		oldVal any
		redact bool
	}{
		{0, "password", nil, nil, true},
		{0, "old_password", nil, nil, true},
		{1, "firstname", "Annabel", profile["firstname"], false},
		{2, "file", "smoke-report.txt", nil, false},
		{3, "ticketstatus", "Closed", nil, false},
		{4, "commentcontent", "More smoke now", nil, false},
		{5, "ticket_title", "Printer on fire", nil, false},
		{5, "description", "smoke", nil, false},
	}
	for _, c := range checks {
		ch, ok := testutil.ChangesByField(list[c.entry])[c.field]
		if !ok {
			t.Errorf("entry %d has no change of %s: %v", c.entry, c.field, list[c.entry]["changes"])
			continue
		}
		if ch["new"] != c.newVal || ch["old"] != c.oldVal || (ch["redacted"] == true) != c.redact {
			t.Errorf("entry %d %s = %v, want new %v old %v redacted %v", c.entry, c.field, ch, c.newVal, c.oldVal, c.redact)
		}
	}
	// What the portal ignored or did not change is not a change.
	for i, field := range map[int]string{0: "confirmPassword", 1: "lastname", 3: "contact_id"} {
		if _, ok := testutil.ChangesByField(list[i])[field]; ok {
			t.Errorf("entry %d records %s: %v", i, field, list[i]["changes"])
		}
	}
	if _, ok := testutil.ChangesByField(list[1])["account_name"]; ok {
		t.Errorf("ignored account_name recorded: %v", list[1]["changes"])
	}

	// One record's trail, paged.
	code, body = apptest.Call(t, "GET", base+"/tickets/"+ticket+"/activity?size=2&page=2", anna, nil)
	if code != 200 || body["count"] != float64(4) || len(entries(t, body)) != 2 || entries(t, body)[0]["action"] != "comment" {
		t.Fatalf("ticket activity page 2: %d %v", code, body)
	}
	code, body = apptest.Call(t, "GET", base+"/activity?record="+ticket, anna, nil)
	if code != 200 || body["count"] != float64(4) {
		t.Fatalf("activity?record: %d %v", code, body)
	}
	// Anna's own ticket without portal writes: an empty trail, not 404.
	other := s.Demo.Tickets["acme"][0]
	code, body = apptest.Call(t, "GET", base+"/tickets/"+other+"/activity", anna, nil)
	if code != 200 || body["count"] != float64(0) || len(entries(t, body)) != 0 {
		t.Fatalf("untouched own ticket: %d %v", code, body)
	}

	// Ben (Globex) never sees Acme's entries, in neither route.
	code, body = apptest.Call(t, "GET", base+"/activity", ben, nil)
	if code != 200 {
		t.Fatalf("ben activity: %d", code)
	}
	for _, e := range entries(t, body) {
		t.Errorf("Ben sees an entry: %v", e)
	}
	if code, body := apptest.Call(t, "GET", base+"/tickets/"+ticket+"/activity", ben, nil); code != 404 {
		t.Errorf("Ben GET Anna's ticket activity: %d %v, want 404", code, body)
	}
	if code, body := apptest.Call(t, "GET", base+"/activity?record="+ticket, ben, nil); code != 200 || body["count"] != float64(0) {
		t.Errorf("Ben activity?record=Anna's ticket: %d %v, want an empty list", code, body)
	}
	if code, body := apptest.Call(t, "GET", base+"/projects/"+s.Demo.Projects["acme"][0]+"/activity", ben, nil); code != 404 {
		t.Errorf("Ben GET Anna's project activity: %d %v, want 404", code, body)
	}
	// Ben's own write lands in his trail only.
	benTicket := s.Demo.Tickets["globex"][0]
	if code, body := apptest.Call(t, "POST", base+"/tickets/"+benTicket+"/comments", ben, map[string]any{"commentcontent": "Globex here"}); code != 201 {
		t.Fatalf("ben comment: %d %v", code, body)
	}
	if code, body := apptest.Call(t, "GET", base+"/tickets/"+benTicket+"/activity", ben, nil); code != 200 || body["count"] != float64(1) {
		t.Errorf("Ben's ticket trail: %d %v", code, body)
	}
	if code, body := apptest.Call(t, "GET", base+"/tickets/"+benTicket+"/activity", anna, nil); code != 404 {
		t.Errorf("Anna GET Ben's ticket activity: %d %v, want 404", code, body)
	}
	if code, body := apptest.Call(t, "GET", base+"/activity", anna, nil); code != 200 || body["count"] != float64(6) {
		t.Errorf("Anna's trail after Ben's write: %d count %v, want 6", code, body["count"])
	}
	if code, _ := apptest.Call(t, "GET", base+"/activity", "", nil); code != 401 {
		t.Errorf("anonymous /activity: %d", code)
	}
	if code, _ := apptest.Call(t, "GET", base+"/activity?size=100000", anna, nil); code != 422 {
		t.Errorf("oversized page: %d, want 422", code)
	}

	// Passwords are never stored, in any column.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.Config.DB.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var dump string
	if err := conn.QueryRow(ctx, `SELECT string_agg(a::text, E'\n') FROM activity a`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{newPassword, vtigersim.DemoPassword} {
		if strings.Contains(dump, secret) {
			t.Errorf("a password is stored in the activity table:\n%s", dump)
		}
	}
	if !strings.Contains(dump, "Printer on fire") {
		t.Fatalf("activity dump lacks the ticket title:\n%s", dump)
	}

	// Operators read the same trail from the command line.
	var out bytes.Buffer
	opts := app.Options{Test: &app.TestHooks{Config: s.Config}, Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := app.AuditList(ctx, opts, app.AuditQuery{Email: "ANNA@acme.example", Limit: 3}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[4], "3 of 6 entries") {
		t.Fatalf("audit list output:\n%s", text)
	}
	for _, want := range []string{"anna@acme.example", "PUT", "/users/my", "password=[redacted]", "firstname=" + fmt.Sprint(profile["firstname"]) + "→Annabel", "smoke-report.txt"} {
		if !strings.Contains(text, want) {
			t.Errorf("audit list lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, newPassword) || strings.Contains(text, "ben@globex.example") {
		t.Errorf("audit list shows a password or another user's entry:\n%s", text)
	}
	out.Reset()
	if err := app.AuditList(ctx, opts, app.AuditQuery{Email: "ben@globex.example"}); err != nil {
		t.Fatal(err)
	}
	if text := out.String(); !strings.Contains(text, "Globex here") || strings.Contains(text, "anna@") || !strings.Contains(text, "1 of 1 entries") {
		t.Errorf("audit list -email ben:\n%s", text)
	}
}

func login2(t *testing.T, base, email, password string) string {
	t.Helper()
	code, body := apptest.Call(t, "POST", base+"/users/login", "", map[string]string{"email": email, "password": password})
	if code != 201 {
		t.Fatalf("login %s: %d %v", email, code, body)
	}
	return body["token"].(string)
}

// A trail entry that cannot be stored never fails the customer's write,
// but it is logged and counted, not lost silently.
func TestActivityStoreFailureIsCountedNotFatal(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.Config.DB.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `ALTER TABLE activity RENAME TO activity_away`); err != nil {
		t.Fatal(err)
	}
	ticket := s.Demo.Tickets["acme"][0]
	if code, body := apptest.Call(t, "POST", base+"/tickets/"+ticket+"/comments", anna, map[string]any{"commentcontent": "still works"}); code != 201 {
		t.Fatalf("comment while the trail is broken: %d %v", code, body)
	}
	resp, err := http.Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(raw), "portal_activity_record_failures_total 1") {
		t.Errorf("metrics lack the failure count:\n%s", grepLines(string(raw), "activity"))
	}
	if logs := s.Logs.String(); !strings.Contains(logs, "activity entry not stored") {
		t.Errorf("failure not logged")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"", time.Time{}, false},
		{"2026-01-01", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"2026-05-01T08:30:00+02:00", time.Date(2026, 5, 1, 6, 30, 0, 0, time.UTC), false},
		{"72h", now.Add(-72 * time.Hour), false},
		{"30d", now.Add(-30 * 24 * time.Hour), false},
		{"yesterday", time.Time{}, true},
		{"-5h", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := app.ParseSince(tc.in, now)
		if (err != nil) != tc.bad || !got.Equal(tc.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

// Settings, 2FA, a lead and a payment intent are recorded too; the
// personal ones stay with their author, a payment is the organisation's.
func TestActivityTrailAccountAndPaymentWrites(t *testing.T) {
	stripeURL := stripemock.Start(t)
	s := apptest.Start(t, func(cfg *config.Config, _ *app.Options) {
		cfg.Vtiger.Business.UserSettingsFields = []string{"emailoptout", "donotcall"}
		cfg.Payment = config.Payment{Enabled: true, StripeKey: "sk_test_123", StripePublic: "pk_test_123",
			WebhookSecret: "whsec_test", StripeURL: stripeURL, PaidInvoiceStatus: "Paid", PaidSOStatus: "Delivered",
			PayableInvoiceStatuses: []string{"Created", "Approved", "Sent"}, PayableSOStatuses: []string{"Created", "Approved"}}
	})
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")

	if code, body := apptest.Call(t, "PATCH", base+"/users/settings", anna, map[string]any{"emailoptout": true}); code != 202 {
		t.Fatalf("settings: %d %v", code, body)
	}
	if code, body := apptest.Call(t, "POST", base+"/leads", anna, map[string]any{"lastname": "Friend", "email": "friend@example.com", "phone": "123"}); code/100 != 2 {
		t.Fatalf("lead: %d %v", code, body)
	}
	var invoice string
	for _, id := range s.Demo.Invoices["acme"] {
		if code, _ := apptest.Call(t, "POST", base+"/payments/create-payment-intent", anna, map[string]any{"invoice_id": id, "so_id": "", "paymentMethodType": "card", "amount": 1}); code == 200 {
			invoice = id
			break
		}
	}
	if invoice == "" {
		t.Fatal("no payable Acme invoice")
	}
	code, body := apptest.Call(t, "GET", base+"/otp/generate", anna, nil)
	if code != 201 {
		t.Fatalf("otp generate: %d %v", code, body)
	}
	otpCode, err := totp.GenerateCode(body["base32"].(string), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, verified := apptest.Call(t, "PATCH", base+"/otp/verify", anna, map[string]any{"token": otpCode})
	if code != 202 {
		t.Fatalf("otp verify: %d %v", code, verified)
	}
	const carlPW = "carl-secret-77"
	if code, body := apptest.Call(t, "POST", base+"/users", "", map[string]any{"email": "carl@acme.example", "code": "CODE42", "password": carlPW, "confirmPassword": carlPW}); code != 201 {
		t.Fatalf("register carl: %d %v", code, body)
	}
	carl := login2(t, base, "carl@acme.example", carlPW)

	code, body = apptest.Call(t, "GET", base+"/activity", anna, nil)
	if code != 200 {
		t.Fatalf("activity: %d %v", code, body)
	}
	list := entries(t, body)
	got := []string{}
	for _, e := range list {
		got = append(got, fmt.Sprint(e["module"], " ", e["action"]))
	}
	want := []string{"Security otp-enable", "Payments payment-intent", "Leads create", "Settings update"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Anna's trail %v, want %v (Carl's registration is his own)", got, want)
	}
	if ch := testutil.ChangesByField(list[0])["token"]; ch["redacted"] != true || len(testutil.ChangesByField(list[0])) != 1 {
		t.Errorf("otp-enable changes = %v", list[0]["changes"])
	}
	if list[1]["record_id"] != invoice || testutil.ChangesByField(list[1])["invoice_id"]["new"] != invoice {
		t.Errorf("payment intent entry = %v", list[1])
	}
	if ch := testutil.ChangesByField(list[2]); ch["lastname"]["new"] != "Friend" || ch["email"]["new"] != "friend@example.com" {
		t.Errorf("lead changes = %v", list[2]["changes"])
	}
	if ch := testutil.ChangesByField(list[3])["emailoptout"]; ch["new"] != true || ch["old"] != false {
		t.Errorf("settings change = %v, want false → true", list[3]["changes"])
	}
	if code, body := apptest.Call(t, "GET", base+"/invoices/"+invoice+"/activity", anna, nil); code != 200 || body["count"] != float64(1) {
		t.Errorf("invoice trail: %d %v", code, body)
	}

	// Carl, Anna's colleague, sees the organisation's payment but not her
	// settings, 2FA or lead, and without her IP.
	code, body = apptest.Call(t, "GET", base+"/activity", carl, nil)
	if code != 200 {
		t.Fatalf("carl activity: %d", code)
	}
	got = got[:0]
	for _, e := range entries(t, body) {
		got = append(got, fmt.Sprint(e["module"], " ", e["action"]))
		if e["module"] == "Payments" && e["ip"] != nil {
			t.Errorf("Carl sees Anna's IP: %v", e)
		}
	}
	if strings.Join(got, ",") != "Profile register,Payments payment-intent" {
		t.Errorf("Carl's trail %v, want his registration and Anna's payment", got)
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.Config.DB.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var dump string
	if err := conn.QueryRow(ctx, `SELECT string_agg(a::text, E'\n') FROM activity a`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	secrets := []string{carlPW, "CODE42", otpCode, body2secret(verified)}
	for _, secret := range secrets {
		if secret != "" && strings.Contains(dump, secret) {
			t.Errorf("secret %q stored:\n%s", secret, dump)
		}
	}
}

// body2secret returns the first recovery code of an /otp/verify answer.
func body2secret(m map[string]any) string {
	if codes, ok := m["recovery_codes"].([]any); ok && len(codes) > 0 {
		s, _ := codes[0].(string)
		return s
	}
	return ""
}
