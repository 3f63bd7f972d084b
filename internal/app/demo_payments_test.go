package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
)

// Demo mode starts stripe-mock itself: an intent is created through HTTP,
// and simulate-webhook, as run from a second terminal, turns the invoice
// paid in the simulator.
func TestDemoStartsStripeMockAndSimulatedWebhookPaysInvoice(t *testing.T) {
	s := apptest.Start(t, func(_ *config.Config, o *app.Options) { o.Test.DemoStripeMock = "" })
	if out := s.Stdout.String(); !strings.Contains(out, "payments: on (stripe-mock at http://127.0.0.1:") ||
		!strings.Contains(out, "payments simulate-webhook -demo") {
		t.Fatalf("banner does not announce demo payments:\n%s", out)
	}
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")
	code, body := apptest.Call(t, "GET", base+"/payments/config", token, nil)
	if code != 200 || body["data"].(map[string]any)["publishableKey"] != app.DemoStripePublicKey {
		t.Fatalf("config: %d %v", code, body)
	}
	var unpaid string
	for _, id := range s.Demo.Invoices["acme"] {
		if rec, _ := s.Sim.Get(id); rec["invoicestatus"] != "Paid" {
			unpaid = id
			break
		}
	}
	if unpaid == "" {
		t.Fatal("demo data has no unpaid Acme invoice")
	}
	code, body = apptest.Call(t, "POST", base+"/payments/create-payment-intent", token,
		map[string]any{"invoice_id": unpaid, "so_id": "", "paymentMethodType": "card"})
	if code/100 != 2 {
		t.Fatalf("create intent: %d %v", code, body)
	}
	if cs, _ := body["data"].(map[string]any)["clientSecret"].(string); !strings.HasPrefix(cs, "pi_") {
		t.Fatalf("client secret %q", cs)
	}
	// The payments list names the intent, as a newcomer finds it.
	code, body = apptest.Call(t, "GET", base+"/payments", token, nil)
	rows, _ := body["data"].([]any)
	if code != 200 || len(rows) != 1 {
		t.Fatalf("payments list: %d %v", code, body)
	}
	secret, _ := rows[0].(map[string]any)["stripe_payment_id"].(string)
	if !strings.HasPrefix(secret, "pi_") {
		t.Fatalf("stripe_payment_id %q", secret)
	}

	cfg := config.Default()
	cfg.DB.DSN = s.Config.DB.DSN // the command reads the stored payment
	run := func(demo bool, w app.SimulateWebhook) (string, error) {
		var out bytes.Buffer
		err := app.SimulatePaymentWebhook(context.Background(), app.Options{
			Demo: demo, Test: &app.TestHooks{Config: &cfg}, Stdout: &out, Getenv: func(string) string { return "" },
		}, w)
		return out.String(), err
	}
	// Refused outside demo mode without -dev, and with -dev in production.
	if _, err := run(false, app.SimulateWebhook{Intent: secret, Status: "succeeded", URL: s.URL()}); err == nil {
		t.Fatal("simulate-webhook ran outside demo mode without -dev")
	}
	if _, err := run(false, app.SimulateWebhook{Intent: secret, Status: "succeeded", URL: s.URL(), Dev: true}); err == nil ||
		!strings.Contains(err.Error(), "development") {
		t.Fatalf("simulate-webhook -dev in production: %v", err)
	}
	for _, bad := range []app.SimulateWebhook{{Intent: "in_123", Status: "succeeded"}, {Intent: secret, Status: "paid"}} {
		if _, err := run(true, bad); err == nil {
			t.Errorf("simulate-webhook %+v: no error", bad)
		}
	}
	if rec, _ := s.Sim.Get(unpaid); rec["invoicestatus"] == "Paid" {
		t.Fatal("invoice paid before any webhook")
	}
	out, err := run(true, app.SimulateWebhook{Intent: secret, Status: "succeeded", URL: s.URL()})
	if err != nil {
		t.Fatalf("simulate-webhook: %v", err)
	}
	if !strings.Contains(out, "payment_intent.succeeded") {
		t.Errorf("output: %q", out)
	}
	if rec, _ := s.Sim.Get(unpaid); rec["invoicestatus"] != "Paid" {
		t.Fatalf("invoice status after the webhook: %v", rec["invoicestatus"])
	}
	code, after := apptest.Call(t, "GET", base+"/payments", token, nil)
	rows, _ = after["data"].([]any)
	if code != 200 || len(rows) != 1 {
		t.Fatalf("payments list: %d %v", code, after)
	}
	if first := rows[0].(map[string]any); first["parent_id"] != unpaid || first["status"] == body["data"].([]any)[0].(map[string]any)["status"] {
		t.Errorf("payment row did not change status: before %v, after %v", body, first)
	}
}

// Without stripe-mock the demo runs, says that payments are off and how to
// get them, and the payment routes answer 503.
func TestDemoWithoutStripeMockSaysPaymentsAreOff(t *testing.T) {
	s := apptest.Start(t, func(_ *config.Config, o *app.Options) { o.Test.DemoStripeMock = t.TempDir() + "/stripe-mock" })
	for name, text := range map[string]string{"banner": s.Stdout.String(), "log": s.Logs.String()} {
		if !strings.Contains(text, "payments") || !strings.Contains(text, "OFF") || !strings.Contains(text, "make tools") {
			t.Errorf("%s does not say payments are off and how to get them:\n%s", name, text)
		}
	}
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")
	if code, body := apptest.Call(t, "POST", base+"/payments/create-payment-intent", token,
		map[string]any{"invoice_id": s.Demo.Invoices["acme"][0], "so_id": "", "paymentMethodType": "card"}); code != 503 {
		t.Fatalf("payment intent without stripe-mock: %d %v", code, body)
	}
}
