package app_test

import (
	"bytes"
	"encoding/json"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/mail"
)

// rawCall posts a body as it is (no JSON encoding by the helper).
func rawCall(t *testing.T, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
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

// quoteMails lists the quote decision mails, oldest first (the outbox
// lists newest first).
func quoteMails(box *mail.Outbox) []mail.Sent {
	var out []mail.Sent
	for _, m := range slices.Backward(box.List()) {
		if m.Template == mail.TemplateQuoteDecision {
			out = append(out, m)
		}
	}
	return out
}

// Quote acceptance end to end: the demo portal over the simulator, the
// mailer's queue into the demo outbox, the activity trail in PostgreSQL.
func TestQuoteAcceptRejectEndToEnd(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	anna := login(t, base, "anna@acme.example")
	ben := login(t, base, "ben@globex.example")
	expired, closed, open := s.Demo.Quotes["acme"][0], s.Demo.Quotes["acme"][1], s.Demo.Quotes["acme"][2]
	benOpen := s.Demo.Quotes["globex"][2]
	stage := func(id string) string {
		rec, ok := s.Sim.Get(id)
		if !ok {
			t.Fatalf("quote %s gone from the CRM", id)
		}
		return rec["quotestage"]
	}

	code, before := apptest.Call(t, "GET", base+"/quotes/"+open, anna, nil)
	if code != 200 {
		t.Fatalf("GET open quote: %d %v", code, before)
	}
	beforeData := before["data"].(map[string]any)
	if beforeData["quotestage"] != "Reviewed" || len(beforeData["LineItems"].([]any)) == 0 {
		t.Fatalf("demo open quote: stage %v, line items %v", beforeData["quotestage"], beforeData["LineItems"])
	}

	// Refusals that must change nothing.
	long := strings.Repeat("é", 2001)
	refusals := []struct {
		name, path, token string
		body              string
		status            int
		field             string
	}{
		{"Ben on Anna's quote", "/quotes/" + open + "/accept", ben, `{"comment":"mine now"}`, 404, ""},
		{"Ben rejects Anna's quote", "/quotes/" + open + "/reject", ben, ``, 404, ""},
		{"unknown quote id", "/quotes/4x999999/accept", anna, ``, 404, ""},
		{"malformed id", "/quotes/abc/accept", anna, ``, 404, ""},
		{"an invoice id", "/quotes/" + s.Demo.Invoices["acme"][0] + "/accept", anna, ``, 404, ""},
		{"long comment", "/quotes/" + open + "/accept", anna, `{"comment":"` + long + `"}`, 422, "comment"},
		{"comment not a string", "/quotes/" + open + "/accept", anna, `{"comment":5}`, 422, "comment"},
		{"malformed JSON", "/quotes/" + open + "/accept", anna, `{"comment":`, 400, ""},
		{"expired quote", "/quotes/" + expired + "/accept", anna, `{}`, 409, "validtill"},
		{"closed quote", "/quotes/" + closed + "/reject", anna, `{"comment":"changed my mind"}`, 409, "quotestage"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			code, body := rawCall(t, base+tc.path, tc.token, tc.body)
			if code != tc.status || body["message"] == nil {
				t.Fatalf("%d %v, want %d with a JSON error", code, body, tc.status)
			}
			if body["field"] != nil && body["field"] != tc.field || tc.field != "" && body["field"] != tc.field {
				t.Errorf("field %v, want %q", body["field"], tc.field)
			}
		})
	}
	if got := stage(open); got != "Reviewed" {
		t.Fatalf("refused requests changed the open quote to %q", got)
	}
	if got := stage(expired); got != "Delivered" {
		t.Errorf("expired quote changed to %q", got)
	}
	if got := s.Sim.Find("ModComments", map[string]string{"related_to": open}); len(got) != 0 {
		t.Errorf("refused requests commented: %v", got)
	}
	if _, body := rawCall(t, base+"/quotes/"+closed+"/reject", anna, ``); !strings.Contains(body["message"].(string), "current stage: Accepted") {
		t.Errorf("409 does not name the current stage: %v", body)
	}

	// Anna accepts.
	code, body := apptest.Call(t, "POST", base+"/quotes/"+open+"/accept", anna, map[string]any{"comment": "  Please start in March.  "})
	if code != 200 {
		t.Fatalf("accept: %d %v", code, body)
	}
	data := body["data"].(map[string]any)
	if data["quotestage"] != "Accepted" || data["id"] != open {
		t.Errorf("accept answered stage %v id %v", data["quotestage"], data["id"])
	}
	if got := stage(open); got != "Accepted" {
		t.Errorf("CRM stage after accept %q", got)
	}
	// Only quotestage was revised: the line items and totals are intact.
	_, after := apptest.Call(t, "GET", base+"/quotes/"+open, anna, nil)
	afterData := after["data"].(map[string]any)
	if afterData["quotestage"] != "Accepted" {
		t.Errorf("GET after accept shows %v (stale cache?)", afterData["quotestage"])
	}
	for _, k := range []string{"LineItems", "hdnGrandTotal", "subject", "validtill"} {
		if !reflect.DeepEqual(afterData[k], beforeData[k]) {
			t.Errorf("%s changed by the accept: %v → %v", k, beforeData[k], afterData[k])
		}
	}
	comments := s.Sim.Find("ModComments", map[string]string{"related_to": open})
	if len(comments) != 1 {
		t.Fatalf("comments on the quote: %v", comments)
	}
	c, _ := s.Sim.Get(comments[0])
	if c["commentcontent"] != "Accepted by Anna Becker: Please start in March." || c["customer"] != s.Demo.Contacts["anna"] {
		t.Errorf("comment %q by %q", c["commentcontent"], c["customer"])
	}

	// Decided once: accepting or rejecting again is a conflict.
	for _, action := range []string{"accept", "reject"} {
		code, body := apptest.Call(t, "POST", base+"/quotes/"+open+"/"+action, anna, nil)
		if code != 409 || !strings.Contains(body["message"].(string), "no longer open") || !strings.Contains(body["message"].(string), "Accepted") {
			t.Errorf("%s again: %d %v", action, code, body)
		}
	}

	// Ben rejects his own open quote without a body.
	code, body = rawCall(t, base+"/quotes/"+benOpen+"/reject", ben, ``)
	if code != 200 || body["data"].(map[string]any)["quotestage"] != "Rejected" || stage(benOpen) != "Rejected" {
		t.Fatalf("Ben's reject: %d %v (CRM %q)", code, body, stage(benOpen))
	}
	bc := s.Sim.Find("ModComments", map[string]string{"related_to": benOpen})
	if len(bc) != 1 {
		t.Fatalf("comments on Ben's quote: %v", bc)
	}
	if c, _ := s.Sim.Get(bc[0]); c["commentcontent"] != "Rejected by Ben Fischer in the customer portal (no comment)." {
		t.Errorf("default comment %q", c["commentcontent"])
	}

	// The mails reach the assigned CRM user, one per decision, in order
	// (one queue, one worker): Ben's last, so Anna's cannot arrive later.
	manager, _ := s.Sim.Get(s.Demo.ManagerUserID)
	var mails []mail.Sent
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if mails = quoteMails(s.DemoMail); len(mails) >= 2 {
			break
		}
	}
	if len(mails) != 2 {
		t.Fatalf("%d quote mails, want 2: %+v", len(mails), mails)
	}
	quoteNo := afterData["quote_no"].(string)
	accepted, rejected := mails[0], mails[1]
	if accepted.To != manager["email1"] || accepted.Subject != "Quote "+quoteNo+" accepted by Anna Becker <anna@acme.example> (Acme Ltd)" {
		t.Errorf("accept mail to %q subject %q", accepted.To, accepted.Subject)
	}
	for _, want := range []string{"Please start in March.", "Hello Maria", quoteNo, "module=Quotes", "view=Detail"} {
		if !strings.Contains(accepted.Text, want) {
			t.Errorf("accept mail text lacks %q:\n%s", want, accepted.Text)
		}
	}
	if !strings.Contains(accepted.HTML, "Please start in March.") {
		t.Errorf("accept mail HTML lacks the comment:\n%s", accepted.HTML)
	}
	if rejected.To != manager["email1"] || !strings.Contains(rejected.Subject, "rejected by Ben Fischer") {
		t.Errorf("reject mail to %q subject %q", rejected.To, rejected.Subject)
	}

	// The trail: one accept entry for the quote, with the comment sent.
	code, body = apptest.Call(t, "GET", base+"/activity?record="+open, anna, nil)
	if code != 200 {
		t.Fatalf("activity: %d %v", code, body)
	}
	list := entries(t, body)
	if len(list) != 1 || list[0]["module"] != "Quotes" || list[0]["action"] != "accept" || list[0]["route"] != "/quotes/{id}/accept" || list[0]["record_id"] != open {
		t.Fatalf("activity of the quote: %v", list)
	}
	if ch := testutil.ChangesByField(list[0]); ch["comment"] == nil || ch["comment"]["new"] != "  Please start in March.  " && ch["comment"]["new"] != "Please start in March." {
		t.Errorf("activity changes: %v", list[0]["changes"])
	}
}

// A mail that cannot be queued (the CRM user's address is unusable) is
// logged; the decision itself still succeeds and is commented.
func TestQuoteDecisionMailFailureIsLoggedNotFatal(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	ben := login(t, base, "ben@globex.example")
	if err := s.Sim.Set(s.Demo.ManagerUserID, map[string]string{"email1": "not an address", "email2": ""}); err != nil {
		t.Fatal(err)
	}
	id := s.Demo.Quotes["globex"][2]
	code, body := apptest.Call(t, "POST", base+"/quotes/"+id+"/accept", ben, map[string]any{"comment": "ok"})
	if code != 200 || body["data"].(map[string]any)["quotestage"] != "Accepted" {
		t.Fatalf("accept: %d %v", code, body)
	}
	if got := s.Sim.Find("ModComments", map[string]string{"related_to": id}); len(got) != 1 {
		t.Errorf("comments: %v", got)
	}
	if logs := s.Logs.String(); !strings.Contains(logs, "quote decision: queueing the e-mail failed") || !strings.Contains(logs, "quote="+id) {
		t.Errorf("mail failure not logged:\n%s", logs)
	}
	if m := quoteMails(s.DemoMail); len(m) != 0 {
		t.Errorf("mails: %+v", m)
	}
}

// Double clicks: concurrent decisions on one quote decide it once.
func TestQuoteConcurrentDecisionsDecideOnce(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	ben := login(t, base, "ben@globex.example")
	id := s.Demo.Quotes["globex"][2]
	const n = 6
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			action := []string{"accept", "reject"}[i%2]
			code, _ := rawCall(t, base+"/quotes/"+id+"/"+action, ben, ``)
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Fatalf("statuses %v, want one 200 and %d × 409", count, n-1)
	}
	if got := s.Sim.Find("ModComments", map[string]string{"related_to": id}); len(got) != 1 {
		t.Errorf("comments: %v", got)
	}
}
