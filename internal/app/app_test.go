package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/service/payments/stripemock"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

func TestDemoModeStartsServesAndStops(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL()
	if code, body := apptest.Call(t, "GET", base+"/api/v1/ping", "", nil); code != 200 || body["message"] != "active" {
		t.Fatalf("ping: %d %v", code, body)
	}
	if code, _ := apptest.Call(t, "GET", base+"/readyz", "", nil); code != 200 {
		t.Fatalf("readyz: %d", code)
	}
	out := s.Stdout.String()
	for _, want := range []string{"demo login: anna@acme.example / " + vtigersim.DemoPassword, "demo login: ben@globex.example", "/swagger/"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo banner lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoUserCanLogInAndReadProfile(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	code, body := apptest.Call(t, "POST", base+"/users/login", "", map[string]string{"email": "anna@acme.example", "password": vtigersim.DemoPassword})
	if code != 201 {
		t.Fatalf("login: %d %v", code, body)
	}
	token, _ := body["token"].(string)
	if token == "" || body["otp_enabled"] != false {
		t.Fatalf("login body %v", body)
	}
	code, body = apptest.Call(t, "GET", base+"/users/my", token, nil)
	if code != 200 {
		t.Fatalf("users/my: %d %v", code, body)
	}
	data, _ := body["data"].(map[string]any)
	if data["email"] != "anna@acme.example" || data["account_id"] != s.Demo.Accounts["acme"] {
		t.Fatalf("profile %v", data)
	}
	if code, _ := apptest.Call(t, "GET", base+"/users/my", "", nil); code != 401 {
		t.Fatalf("anonymous profile: %d", code)
	}
}

func login(t *testing.T, base, email string) string {
	t.Helper()
	code, body := apptest.Call(t, "POST", base+"/users/login", "", map[string]string{"email": email, "password": vtigersim.DemoPassword})
	if code != 201 {
		t.Fatalf("login %s: %d %v", email, code, body)
	}
	return body["token"].(string)
}

// The customer journey of the dashboard works through the fully wired app.
func TestDemoJourneyThroughWiredApp(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")
	for _, path := range []string{"/company/", "/statistics/", "/users/all", "/products/?page=1&size=5",
		"/faqs/starred", "/tickets/?page=1&size=10&sort=-ticket_no", "/modules/HelpDesk", "/invoices/?page=1&size=10", "/projects/"} {
		if code, body := apptest.Call(t, "GET", base+path, token, nil); code != 200 {
			t.Errorf("GET %s: %d %v", path, code, body)
		}
	}
	code, body := apptest.Call(t, "GET", base+"/tickets/?size=50", token, nil)
	if code != 200 {
		t.Fatalf("tickets: %d", code)
	}
	rows, _ := body["data"].([]any)
	if len(rows) == 0 {
		t.Fatal("anna sees no tickets")
	}
	// Every ticket Anna sees belongs to Acme or to Anna.
	for _, r := range rows {
		id := r.(map[string]any)["id"].(string)
		rec, ok := s.Sim.Get(id)
		if !ok || (rec["parent_id"] != s.Demo.Accounts["acme"] && rec["contact_id"] != s.Demo.Contacts["anna"] && rec["contact_id"] != s.Demo.Contacts["carl"]) {
			t.Fatalf("ticket %s out of Anna's scope: %v", id, rec)
		}
	}
	// Ben's ticket is a 404 for Anna.
	benTicket := s.Demo.Tickets["globex"][0]
	if code, _ := apptest.Call(t, "GET", base+"/tickets/"+benTicket, token, nil); code != 404 {
		t.Fatalf("Anna reading Ben's ticket: %d", code)
	}
}

// SIGTERM-style shutdown lets an in-flight request finish.
func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	// The request's retrieve is held at the Vtiger client until Close has
	// begun: "still running when Close starts" does not depend on a
	// latency outlasting a loaded machine, nor on which call (the
	// background warm-up and jobs make theirs too) reached Vtiger first.
	var held atomic.Value // the ticket id whose retrieve is held
	held.Store("")
	gate := newVtigerGate("retrieve", func(v url.Values) bool { return v.Get("id") == held.Load() })
	s := apptest.Start(t, func(_ *config.Config, o *app.Options) { o.Test.VtigerHTTPClient = gate.Client() })
	defer gate.Open()
	base := s.URL() + "/api/v1"
	token := login(t, base, "ben@globex.example")
	ticket := s.Demo.Tickets["globex"][1]
	held.Store(ticket)
	done := make(chan int, 1)
	go func() {
		code, _ := apptest.Call(t, "GET", base+"/tickets/"+ticket, token, nil)
		done <- code
	}()
	select {
	case <-gate.entered: // inside the portal, waiting on Vtiger
	case <-time.After(15 * time.Second):
		t.Fatal("the request never reached Vtiger")
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close(context.Background()) }()
	// Close has begun once the listener refuses new connections.
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		resp, err := probe.Get(base + "/ping")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 15 s after Close began")
		}
	}
	gate.Open()
	select {
	case code := <-done:
		if code != 200 {
			t.Fatalf("in-flight request got %d, want 200", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("in-flight request never finished")
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := http.Get(base + "/ping"); err == nil {
		t.Fatal("server still accepts connections after Close")
	}
}

func TestMetricsExposeNamedSeriesAfterRequests(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL()
	token := login(t, base+"/api/v1", "anna@acme.example")
	apptest.Call(t, "GET", base+"/api/v1/tickets/?size=5", token, nil)
	apptest.Call(t, "GET", base+"/api/v1/no-such-thing", "", nil)
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	text := string(raw)
	for _, want := range []string{
		`portal_http_requests_total{method="GET",route="/api/v1/tickets",status="200"}`,
		`status="404"`,
		`portal_http_request_duration_seconds_bucket`,
		`portal_vtiger_calls_total{error_code="",operation="query"}`,
		`portal_vtiger_call_duration_seconds_bucket`,
		`portal_db_`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "/api/v1/no-such-thing") {
		t.Error("raw path used as a label")
	}
}

// Demo mode imports the simulator's notifications with the background job.
func TestDemoNotificationsAreImportedByTheJob(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := apptest.Call(t, "GET", base+"/notifications", token, nil)
		if code != 200 {
			t.Fatalf("notifications: %d %v", code, body)
		}
		if rows, _ := body["data"].([]any); len(rows) > 0 {
			first := rows[0].(map[string]any)
			id := fmt.Sprint(first["id"])
			if code, _ := apptest.Call(t, "DELETE", base+"/notifications/"+id, token, nil); code != 204 {
				t.Fatalf("mark read: %d", code)
			}
			// Ben (another account) cannot touch Anna's notification.
			ben := login(t, base, "ben@globex.example")
			if code, _ := apptest.Call(t, "DELETE", base+"/notifications/"+id, ben, nil); code != 404 {
				t.Fatalf("Ben marking Anna's notification: %d", code)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no notification imported for anna")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The payment routes are wired: the amount comes from Vtiger, and the
// intent is created at Stripe (the real stripe-mock).
func TestDemoPaymentIntentThroughWiredApp(t *testing.T) {
	stripeURL := stripemock.Start(t)
	s := apptest.Start(t, func(c *config.Config, _ *app.Options) {
		c.Payment.Enabled = true
		c.Payment.StripeKey = "sk_test_123"
		c.Payment.StripePublic = "pk_test_123"
		c.Payment.WebhookSecret = "whsec_test"
		c.Payment.StripeURL = stripeURL
	})
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")
	code, body := apptest.Call(t, "GET", base+"/payments/config", token, nil)
	if code != 200 || body["data"].(map[string]any)["publishableKey"] != "pk_test_123" {
		t.Fatalf("config: %d %v", code, body)
	}
	var unpaid string
	for _, id := range s.Demo.Invoices["acme"] {
		if rec, _ := s.Sim.Get(id); rec["invoicestatus"] != "Paid" {
			unpaid = id
		}
	}
	if unpaid == "" {
		t.Fatal("demo data has no unpaid Acme invoice")
	}
	code, body = apptest.Call(t, "POST", base+"/payments/create-payment-intent", token,
		map[string]any{"invoice_id": unpaid, "so_id": "", "amount": 0.01, "currency": "usd", "paymentMethodType": "card"})
	if code < 200 || code > 299 {
		t.Fatalf("create intent: %d %v", code, body)
	}
	if cs, _ := body["data"].(map[string]any)["clientSecret"].(string); cs == "" {
		t.Fatalf("no client secret: %v", body)
	}
	// Ben cannot pay Anna's invoice.
	ben := login(t, base, "ben@globex.example")
	if code, _ := apptest.Call(t, "POST", base+"/payments/create-payment-intent", ben,
		map[string]any{"invoice_id": unpaid, "so_id": "", "paymentMethodType": "card"}); code != 404 {
		t.Fatalf("Ben paying Anna's invoice: %d", code)
	}
}

// serve refuses a database whose schema is behind and says what to do.
func TestServeRefusesOutdatedSchema(t *testing.T) {
	cfg := config.Default()
	// The schema check fails before anything listens, so the port is never bound.
	cfg.HTTP.Host, cfg.HTTP.Port = "127.0.0.1", 4099
	cfg.DB.DSN = pgtest.NewEmpty(t)
	cfg.DB.AutoMigrate = false
	cfg.Vtiger.Connection.URL = "http://127.0.0.1:1/webservice.php"
	cfg.Vtiger.Connection.Username = "admin"
	cfg.Vtiger.Connection.AccessKey = "key"
	cfg.Auth.EncryptionKey = strings.Repeat("ab", 32)
	m, err := app.New(app.Options{Stdout: io.Discard, Stderr: io.Discard,
		Test: &app.TestHooks{Config: &cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Run(context.Background())
	_ = m.Close(context.Background())
	if err == nil || !strings.Contains(err.Error(), "portal migrate up") {
		t.Fatalf("Run on an empty database: %v", err)
	}
}

// Shutdown keeps its promise with requests that cannot finish in time:
// every request that started before Close gets a complete answer (its own,
// or a JSON 503 at the deadline), none sees a cut connection, and Close
// returns within http.shutdownTimeout + 1 s.
func TestShutdownAnswersEveryInFlightRequest(t *testing.T) {
	const grace = 2 * time.Second
	const fast, slow = 3, 3
	s := apptest.Start(t, func(c *config.Config, _ *app.Options) {
		c.HTTP.ShutdownTimeout = grace
		// One session per request below, so each one reaches Vtiger, and
		// no read served from memory (stale-while-revalidate off).
		c.Vtiger.Connection.Sessions = fast + slow
		c.Cache.Stale = 0
	})
	base := s.URL() + "/api/v1"
	token := login(t, base, "ben@globex.example")
	tickets := s.Demo.Tickets["globex"]
	// The start-up warm-up retrieves the company card: under the latency
	// below it could still be running and its retrieve be counted as one
	// of the requests'.
	waitWarmedUp(t, s)
	s.Sim.SetLatency(300*time.Millisecond, 0)

	type answer struct {
		status int
		body   map[string]any
		retry  string
		err    error
	}
	client := &http.Client{Transport: &http.Transport{}}
	get := func(id string, out chan<- answer) {
		req, _ := http.NewRequest("GET", base+"/tickets/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			out <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		a := answer{status: resp.StatusCode, retry: resp.Header.Get("Retry-After"), err: err}
		if err == nil {
			a.err = json.Unmarshal(raw, &a.body)
		}
		out <- a
	}
	waitCalls := func(op string, from int64, n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for s.Sim.Calls()[op]-from < int64(n) {
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d %s calls reached the simulator (%v)", s.Sim.Calls()[op]-from, n, op, s.Sim.Calls())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}

	// Log every session in first: a request waiting for a session would
	// give no sign that it is inside the portal.
	warm := make(chan answer, 4*(fast+slow))
	for i := range cap(warm) {
		go get(tickets[i%len(tickets)], warm)
	}
	for range cap(warm) {
		if a := <-warm; a.status != 200 {
			t.Fatalf("warm-up request: %d %v %v", a.status, a.err, a.body)
		}
	}
	if n := s.Sim.Logins(); n < fast+slow {
		t.Fatalf("%d Vtiger sessions logged in, want %d", n, fast+slow)
	}

	// Fast requests: their Vtiger call is under way before the fault below.
	fastDone := make(chan answer, fast)
	before := s.Sim.Calls()["retrieve"]
	for i := range fast {
		go get(tickets[i%len(tickets)], fastDone)
	}
	waitCalls("retrieve", before, fast)
	// Slow requests: Vtiger never answers them, so only the deadline ends them.
	s.Sim.InjectFault(vtigersim.FaultTimeout, 1000)
	slowDone := make(chan answer, slow)
	before = s.Sim.Calls()["retrieve"]
	// Other tickets than the fast ones: a read of the same record would
	// join the fast request's call in flight instead of making its own.
	if len(tickets) < fast+slow {
		t.Fatalf("Globex has %d demo tickets, the test needs %d", len(tickets), fast+slow)
	}
	for i := range slow {
		go get(tickets[fast+i], slowDone)
	}
	waitCalls("retrieve", before, slow)

	start := time.Now()
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	took := time.Since(start)
	t.Logf("Close took %v (http.shutdownTimeout %v)", took, grace)
	if took > grace+time.Second {
		t.Fatalf("Close took %v, budget is http.shutdownTimeout %v + 1s", took, grace)
	}
	for range fast {
		a := <-fastDone
		if a.err != nil || a.status != 200 {
			t.Errorf("request that could finish: status %d, err %v, body %v", a.status, a.err, a.body)
		}
	}
	for range slow {
		a := <-slowDone
		if a.err != nil {
			t.Errorf("request at the deadline saw a broken answer: %v", a.err)
			continue
		}
		if a.status != 503 || a.retry == "" || a.body["message"] == nil {
			t.Errorf("request at the deadline: status %d, Retry-After %q, body %v; want a JSON 503", a.status, a.retry, a.body)
		}
	}
}

// waitWarmedUp waits until the portal's background start-up warm-up (a
// login, describes, the company card, currencies, CRM users) is done, for
// tests that count Vtiger calls.
func waitWarmedUp(t *testing.T, s *apptest.Portal) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(s.Logs.String(), `msg="Vtiger client warmed up"`); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the start-up warm-up did not finish within 30 s:\n%s", s.Logs.String())
		}
	}
}
