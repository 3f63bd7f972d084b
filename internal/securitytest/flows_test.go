package securitytest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// TestAuthFlowsResistAbuse covers enumeration, sign-up with somebody
// else's address, reset tokens, the OTP cookie, dead users and hostile
// bodies.
func TestAuthFlowsResistAbuse(t *testing.T) {
	p := start(t, options{})
	login := func(email, pw string) resp {
		return p.do(t, req{Method: "POST", Path: "/users/login", Body: map[string]string{"email": email, "password": pw}})
	}

	// Enumeration: unknown address and wrong password answer alike.
	unknown, wrong := login("nobody@acme.example", "Wrong-pass-123"), login("anna@acme.example", "Wrong-pass-123")
	if unknown.Status != wrong.Status || string(unknown.Body) != string(wrong.Body) || wrong.Status < 400 || wrong.Status >= 500 {
		t.Errorf("login enumeration: unknown %d %s vs wrong password %d %s", unknown.Status, unknown.Body, wrong.Status, wrong.Body)
	}
	r1 := p.do(t, req{Method: "POST", Path: "/users/restore", Body: map[string]string{"email": "nobody@acme.example"}})
	r2 := p.do(t, req{Method: "POST", Path: "/users/restore", Body: map[string]string{"email": "ben@globex.example"}})
	if r1.Status != r2.Status || string(r1.Body) != string(r2.Body) {
		t.Errorf("restore enumeration: %d %s vs %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}

	// Sign-up: another customer's address with a wrong code, an injected
	// address, a registered address, all refused and alike.
	reg := func(email, code string) resp {
		return p.do(t, req{Method: "POST", Path: "/users", Body: map[string]string{"email": email, "code": code, "password": "Str0ng-Passw0rd!"}})
	}
	carlWrong := reg("carl@acme.example", "CODE41")
	nobody := reg("nobody@acme.example", "CODE42")
	if carlWrong.Status < 400 || carlWrong.Status != nobody.Status || string(carlWrong.Body) != string(nobody.Body) {
		t.Errorf("sign-up enumeration: carl/wrong code %d %s vs unknown %d %s", carlWrong.Status, carlWrong.Body, nobody.Status, nobody.Body)
	}
	for _, email := range []string{"carl@acme.example' OR email LIKE '%", "x'@acme.example", "%@acme.example", "_arl@acme.example", "anna@acme.example"} {
		for _, code := range []string{"CODE42", "' OR '1'='1", "%", ""} {
			if r := reg(email, code); r.Status < 400 {
				t.Errorf("sign-up %q/%q: %d %s", email, code, r.Status, r.Body)
			}
		}
	}
	if r := login("carl@acme.example", "Str0ng-Passw0rd!"); r.Status < 400 {
		t.Errorf("Carl got registered by an attacker: %d", r.Status)
	}

	// Reset tokens: made-up, empty and injected tokens are refused.
	for _, tok := range []string{"", "x", strings.Repeat("a", 64), "' OR 1=1 --", strings.Repeat("z", 5000)} {
		if r := p.do(t, req{Method: "PUT", Path: "/users/password", Body: map[string]string{"token": tok, "password": "Str0ng-Passw0rd!"}}); r.Status < 400 {
			t.Errorf("reset with %.20q: %d", tok, r.Status)
		}
	}

	// The OTP cookie is not a credential anywhere but /otp/validate.
	ben := p.login(t, "ben@globex.example")
	enableOTP(t, p, ben)
	r := login("ben@globex.example", vtigersim.DemoPassword)
	var cookie string
	for _, c := range strings.Split(r.Header.Get("Set-Cookie"), ";") {
		if strings.Contains(c, "=") && cookie == "" {
			cookie = strings.TrimSpace(c)
		}
	}
	if cookie == "" {
		t.Fatalf("OTP login set no cookie: %v", r.Header)
	}
	for _, path := range []string{"/users/my", "/tickets", "/otp/generate"} {
		if r := p.do(t, req{Method: "GET", Path: path, Header: map[string]string{"Cookie": cookie}}); r.Status != http.StatusUnauthorized {
			t.Errorf("GET %s with only the OTP cookie: %d", path, r.Status)
		}
	}

	// A deactivated user's live token stops working.
	anna := p.login(t, "anna@acme.example")
	if _, err := p.DB.Pool().Exec(context.Background(), `UPDATE users SET is_active = false WHERE email = 'anna@acme.example'`); err != nil {
		t.Fatal(err)
	}
	if r := p.do(t, req{Method: "GET", Path: "/users/my", Token: anna}); r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		t.Errorf("deactivated user's token: %d", r.Status)
	}
	if r := login("anna@acme.example", vtigersim.DemoPassword); r.Status < 400 {
		t.Errorf("deactivated user's login: %d", r.Status)
	}
	// A deleted user's token is dead too.
	if _, err := p.DB.Pool().Exec(context.Background(), `UPDATE users SET is_active = true WHERE email = 'anna@acme.example'`); err != nil {
		t.Fatal(err)
	}
	anna = p.login(t, "anna@acme.example")
	if _, err := p.DB.Pool().Exec(context.Background(), `DELETE FROM users WHERE email = 'anna@acme.example'`); err != nil {
		t.Fatal(err)
	}
	if r := p.do(t, req{Method: "GET", Path: "/users/my", Token: anna}); r.Status != http.StatusUnauthorized {
		t.Errorf("deleted user's token: %d", r.Status)
	}
}

// TestHostileBodies: oversized, non-JSON, arrays, duplicate keys and type
// confusion on every JSON write route → 4xx, never 5xx.
func TestHostileBodies(t *testing.T) {
	p := start(t, options{payments: true})
	v := learnVictim(t, p)
	ben := p.login(t, "ben@globex.example")
	big := `{"ticket_title":"` + strings.Repeat("a", 2<<20) + `"}`
	bodies := []struct {
		body, ct string
		want     int // 0 = any 4xx
	}{
		{big, "application/json", http.StatusRequestEntityTooLarge},
		{"email=a&password=b", "application/x-www-form-urlencoded", 0},
		{"<xml/>", "text/xml", 0},
		{"[]", "application/json", 0},
		{`[{"email":"ben@globex.example"}]`, "application/json", 0},
		{"null", "application/json", 0},
		{`"str"`, "application/json", 0},
		{"{", "application/json", 0},
		{`{"a":1}{"b":2}`, "application/json", 0},
		{"\xff\xfe", "application/json", 0},
		{"", "application/json", 0},
	}
	for _, rt := range specRoutes(t) {
		if rt.Method == http.MethodGet || rt.Method == http.MethodDelete || strings.HasSuffix(rt.Path, "/documents") ||
			rt.Path == "/users/logout" || rt.Path == "/payments/webhook" {
			continue
		}
		path := expand(rt, v)[0].Path
		for _, b := range bodies {
			r := p.do(t, req{Method: rt.Method, Path: path, Token: ben, Body: b.body, ContentType: b.ct})
			if b.want != 0 && r.Status != b.want && r.Status != http.StatusNotFound {
				t.Errorf("%s %s %.20q: %d, want %d", rt.Method, path, b.body, r.Status, b.want)
			}
			if r.Status < 400 && rt.Path != "/users/login" {
				t.Errorf("%s %s %.20q: %d, want 4xx", rt.Method, path, b.body, r.Status)
			}
		}
	}
	// Duplicate keys and type confusion.
	for _, b := range []string{
		`{"email":"nobody@x.example","email":"ben@globex.example","password":"x","password":"y"}`,
		`{"email":["ben@globex.example"],"password":{"$ne":1}}`,
		`{"email":1e999,"password":true}`,
	} {
		if r := p.do(t, req{Method: "POST", Path: "/users/login", Body: b}); r.Status < 400 {
			t.Errorf("login %s: %d", b, r.Status)
		}
	}
	for _, b := range []string{`{"ticket_title":["a"],"description":{"x":1}}`, `{"ticket_title":1e999}`, `{"ticketpriorities":"Urgent' OR 1=1"}`,
		`{"ticket_title":"t","description":"d","ticketpriorities":"\u0000"}`} {
		if r := p.do(t, req{Method: "POST", Path: "/tickets", Token: ben, Body: b}); r.Status < 400 {
			t.Errorf("ticket %s: %d", b, r.Status)
		}
	}
	// Oversized upload.
	up, ct := testutil.FileForm(t, "big.bin", make([]byte, p.Config.HTTP.MaxUploadBytes+100<<10))
	if r := p.do(t, req{Method: "POST", Path: "/users/my/documents", Token: ben, Body: up, ContentType: ct}); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d", r.Status)
	}
}

// TestPaymentsCannotBeForged: another customer's invoice, sales order or
// intent, and unsigned or wrongly signed webhooks change nothing.
func TestPaymentsCannotBeForged(t *testing.T) {
	p := start(t, options{payments: true})
	v := learnVictim(t, p)
	ben := p.login(t, "ben@globex.example")
	d := p.Demo
	for _, body := range []map[string]any{
		{"invoice_id": v.invoice}, {"so_id": v.salesOrder}, {"invoice_id": d.Invoices["globex"][0], "so_id": v.salesOrder},
		{"invoice_id": v.ticket}, {"invoice_id": v.invoice + "' OR 1=1"}, {"invoice_id": d.Contacts["anna"]},
	} {
		if r := p.do(t, req{Method: "POST", Path: "/payments/create-payment-intent", Token: ben, Body: body}); r.Status != 404 && r.Status != 422 {
			t.Errorf("Ben intent for %v: %d %s", body, r.Status, clip(r.Body))
		}
	}
	// Anna starts a payment; Ben cannot confirm or see it.
	var unpaid string
	for _, id := range d.Invoices["acme"] {
		if rec, _ := p.Sim.Get(id); rec["invoicestatus"] != "Paid" {
			unpaid = id
		}
	}
	r := p.do(t, req{Method: "POST", Path: "/payments/create-payment-intent", Token: v.token, Body: map[string]any{"invoice_id": unpaid}})
	if r.Status != 200 {
		t.Fatalf("Anna's intent: %d %s", r.Status, r.Body)
	}
	secret := r.JSON(t)["data"].(map[string]any)["clientSecret"].(string)
	intent, _, _ := strings.Cut(secret, "_secret_")
	if r := p.do(t, req{Method: "POST", Path: "/payments/confirm", Token: ben, Body: map[string]any{"id": intent, "status": "succeeded"}}); r.Status != 404 {
		t.Errorf("Ben confirming Anna's intent: %d %s", r.Status, r.Body)
	}
	for _, id := range []string{"", "pi_", "pi_' OR 1=1", "../../v1/charges", strings.Repeat("p", 5000)} {
		if r := p.do(t, req{Method: "POST", Path: "/payments/confirm", Token: ben, Body: map[string]any{"id": id}}); r.Status != 404 && r.Status != 422 {
			t.Errorf("confirm %.20q: %d", id, r.Status)
		}
	}
	benList := p.do(t, req{Method: "GET", Path: "/payments", Token: ben})
	if m := v.leaksVictim(benList.Body); m != "" || strings.Contains(string(benList.Body), intent) {
		t.Errorf("Ben's payments show Anna's: %s", clip(benList.Body))
	}
	invBefore, _ := p.Sim.Get(unpaid)
	annaBefore := p.do(t, req{Method: "GET", Path: "/payments", Token: v.token}).Body
	// Webhooks: unsigned, signed with the wrong secret, stale, garbage.
	event := fmt.Sprintf(`{"id":"evt_forged","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":%q,"object":"payment_intent","status":"succeeded","amount":1,"currency":"eur","metadata":{"invoice_id":%q}}}}`, intent, unpaid)
	sign := func(secret string, ts int64) string {
		mac := hmac.New(sha256.New, []byte(secret))
		fmt.Fprintf(mac, "%d.%s", ts, event)
		return fmt.Sprintf("t=%d,v1=%s", ts, hex.EncodeToString(mac.Sum(nil)))
	}
	now := time.Now().Unix()
	for _, sig := range []string{"", "garbage", sign("whsec_wrong", now), sign("whsec_test", now-3600), "t=" + fmt.Sprint(now) + ",v1=" + strings.Repeat("0", 64)} {
		if r := p.do(t, req{Method: "POST", Path: "/payments/webhook", Body: event, Header: map[string]string{"Stripe-Signature": sig}}); r.Status != 400 {
			t.Errorf("webhook signed %.30q: %d %s", sig, r.Status, r.Body)
		}
	}
	if invAfter, _ := p.Sim.Get(unpaid); invAfter["invoicestatus"] != invBefore["invoicestatus"] {
		t.Errorf("forged webhook changed the invoice: %q → %q", invBefore["invoicestatus"], invAfter["invoicestatus"])
	}
	if annaAfter := p.do(t, req{Method: "GET", Path: "/payments", Token: v.token}).Body; string(annaAfter) != string(annaBefore) {
		t.Errorf("forged webhook changed Anna's payments:\n%s\n%s", annaBefore, annaAfter)
	}
	var events int
	if err := p.DB.Pool().QueryRow(context.Background(), `SELECT count(*) FROM stripe_events`).Scan(&events); err != nil {
		t.Logf("stripe_events: %v", err)
	} else if events != 0 {
		t.Errorf("forged webhooks recorded %d events", events)
	}
}
