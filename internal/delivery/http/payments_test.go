package http

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/service/notifications"
	"github.com/portalcrm/vtiger-portal/internal/service/payments"
	"github.com/portalcrm/vtiger-portal/internal/service/payments/stripemock"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

const payWebhookSecret = "whsec_http_test"

// payEnv is the payments and notifications routes over real dependencies:
// accounts (login), PostgreSQL, vtigersim over HTTP and stripe-mock.
type payEnv struct {
	t         *testing.T
	h         http.Handler
	sim       *vtigersim.Server
	demo      *vtigersim.Demo
	pays      *postgres.PaymentStore
	notes     *notifications.Service
	anna, ben string // bearer tokens
	annaID    int64
}

func newPayEnv(t *testing.T) *payEnv {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	e := &payEnv{t: t}
	b := vtigertest.Sim(t)
	e.sim, e.demo = b.Sim, b.Demo
	demo := b.Demo
	vt := b.Client(t, func(c *vtiger.Config) { c.Logger, c.PoolSize = logger, 4 })
	db := postgres.NewFromPool(pgtest.New(t), 5*time.Second)
	users := postgres.NewUserStore(db)

	var cfg config.Config
	cfg.HTTP.MaxBodyBytes = 1 << 20
	cfg.Vtiger.Business = config.Business{EmailField: "email", DefaultPagination: 20, MaxPageSize: 100}
	cfg.Auth = config.Auth{TokenTTL: 48 * time.Hour, ResetTokenTTL: time.Hour, OTPCookieTTL: 5 * time.Minute,
		EncryptionKey: strings.Repeat("ab", 32), MinPassword: 8}
	cfg.OTP = config.OTP{Issuer: "Portal", SecretSize: 20}
	cfg.Payment = config.Payment{Enabled: true, StripeKey: "sk_test_123", StripePublic: "pk_test_123",
		WebhookSecret: payWebhookSecret, StripeURL: stripemock.Start(t), PaidInvoiceStatus: "Paid", PaidSOStatus: "Delivered",
		PayableInvoiceStatuses: []string{"Created", "Approved", "Sent"}, PayableSOStatuses: []string{"Created", "Approved"}}

	acc, err := accounts.New(accounts.Deps{Config: cfg, Users: users, Tokens: postgres.NewTokenStore(db),
		OTP: postgres.NewOTPStore(db), Contacts: accounts.NewVtigerContacts(vt, "email"), Avatars: postgres.NewAvatarStore(db),
		Logger: logger, HashParams: accounts.HashParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	login := func(email string) string {
		if _, err := acc.EnsureDemoUser(ctx, email, vtigersim.DemoPassword); err != nil {
			t.Fatalf("demo user %s: %v", email, err)
		}
		res, err := acc.Login(ctx, email, vtigersim.DemoPassword)
		if err != nil {
			t.Fatalf("login %s: %v", email, err)
		}
		return res.Token
	}
	e.anna, e.ben = login(demo.PortalUsers[0].Email), login(demo.PortalUsers[1].Email)
	u, err := users.ByEmail(ctx, demo.PortalUsers[0].Email)
	if err != nil {
		t.Fatal(err)
	}
	e.annaID = u.ID

	e.pays = postgres.NewPaymentStore(db)
	paySvc, err := payments.New(payments.Options{Config: cfg.Payment, Store: e.pays,
		CRM: payments.NewVtigerPayables(vt, demo.AdminUserID), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	e.notes, err = notifications.New(notifications.Options{Store: postgres.NewNotificationStore(db), Users: users,
		Source: notifications.NewVtigerSource(vt, "PortalNotifications", config.Default().Notifications.Fields), Logger: logger, Lookback: 50 * 365 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	e.h = New(Deps{Config: cfg, Logger: logger, Auth: acc, Payments: paySvc, Notifications: e.notes})
	return e
}

func (e *payEnv) call(method, path, token string, body any, header map[string]string) (int, map[string]any) {
	e.t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var m map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %q", method, path, rec.Body.String())
		}
	}
	return rec.Code, m
}

func TestPaymentRoutes(t *testing.T) {
	e := newPayEnv(t)
	inv := e.demo.Invoices["acme"][3]

	code, m := e.call("GET", "/api/v1/payments/config", e.anna, nil, nil)
	if code != 200 || m["data"].(map[string]any)["publishableKey"] != "pk_test_123" {
		t.Fatalf("config: %d %v", code, m)
	}
	if code, _ := e.call("GET", "/api/v1/payments/config", "", nil, nil); code != 401 {
		t.Fatalf("config without token: %d", code)
	}

	// The client's amount and currency are ignored.
	code, m = e.call("POST", "/api/v1/payments/create-payment-intent/", e.anna,
		map[string]any{"amount": 0.5, "currency": "usd", "invoice_id": inv, "so_id": "", "paymentMethodType": "card"}, nil)
	if code != 200 {
		t.Fatalf("create intent: %d %v", code, m)
	}
	if s, _ := m["data"].(map[string]any)["clientSecret"].(string); !strings.Contains(s, "_secret_") {
		t.Fatalf("client secret: %v", m)
	}
	rec, _ := e.sim.Get(inv)
	want, _ := payments.ToMinor(rec["hdnGrandTotal"], "eur")
	list, _, err := e.pays.ListByUser(context.Background(), e.annaID, 10, 0)
	if err != nil || len(list) != 1 || list[0].AmountMinor != want || list[0].Currency != "eur" {
		t.Fatalf("stored %+v (%v), want %d eur", list, err, want)
	}
	pi := list[0]

	tests := []struct {
		name  string
		token string
		body  any
		code  int
	}{
		{"another account's invoice", e.ben, map[string]any{"invoice_id": inv, "so_id": ""}, 404},
		{"paid invoice", e.anna, map[string]any{"invoice_id": e.demo.Invoices["acme"][0], "so_id": ""}, 422},
		{"no ids", e.anna, map[string]any{"invoice_id": "", "so_id": ""}, 422},
		{"malformed JSON", e.anna, []byte(`{"invoice_id":`), 400},
		{"wrong type", e.anna, map[string]any{"invoice_id": 7}, 422},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, m := e.call("POST", "/api/v1/payments/create-payment-intent", tc.token, tc.body, nil)
			if code != tc.code || m["message"] == "" {
				t.Fatalf("%d %v, want %d", code, m, tc.code)
			}
		})
	}

	// Webhook: no bearer token, Stripe's signature instead.
	payload, _ := json.Marshal(map[string]any{"id": "evt_http", "object": "event", "type": "payment_intent.succeeded",
		"api_version": "2019-02-19", "data": map[string]any{"object": map[string]any{"id": pi.StripePaymentID,
			"object": "payment_intent", "amount": pi.AmountMinor, "amount_received": pi.AmountMinor, "currency": "eur", "status": "succeeded"}}})
	bad := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: "whsec_other", Timestamp: time.Now(), Scheme: "v1"})
	if code, m := e.call("POST", "/api/v1/payments/webhook", "", payload, map[string]string{"Stripe-Signature": bad.Header}); code != 400 {
		t.Fatalf("bad signature: %d %v", code, m)
	}
	if r, _ := e.sim.Get(inv); r["invoicestatus"] != "Sent" {
		t.Fatalf("bad signature paid the invoice")
	}
	good := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: payWebhookSecret, Timestamp: time.Now(), Scheme: "v1"})
	if code, m := e.call("POST", "/api/v1/payments/webhook", "", payload, map[string]string{"Stripe-Signature": good.Header}); code != 200 {
		t.Fatalf("webhook: %d %v", code, m)
	}
	if r, _ := e.sim.Get(inv); r["invoicestatus"] != "Paid" {
		t.Fatalf("invoicestatus %q after webhook", r["invoicestatus"])
	}

	code, m = e.call("GET", "/api/v1/payments?page=1&size=5", e.anna, nil, nil)
	if code != 200 || m["count"] != float64(1) || m["page"] != float64(1) || m["size"] != float64(5) {
		t.Fatalf("list: %d %v", code, m)
	}
	item := m["data"].([]any)[0].(map[string]any)
	if item["status"] != float64(domain.PaymentSucceeded) || item["currency"] != "EUR" || item["parent_id"] != inv ||
		item["amount"] != float64(want)/100 || item["payment_method"] != "card" {
		t.Fatalf("payment JSON %v", item)
	}
	if code, m := e.call("GET", "/api/v1/payments", e.ben, nil, nil); code != 200 || m["count"] != float64(0) {
		t.Fatalf("ben sees anna's payments: %v", m)
	}

	// Confirm: the status comes from Stripe, never from the body.
	code, m = e.call("POST", "/api/v1/payments/confirm", e.ben, map[string]any{"id": pi.StripePaymentID, "status": "succeeded"}, nil)
	if code != 404 {
		t.Fatalf("ben confirming anna's intent: %d %v", code, m)
	}
	code, m = e.call("POST", "/api/v1/payments/confirm", e.anna, map[string]any{"id": pi.StripePaymentID, "status": "canceled"}, nil)
	if code != 200 || m["data"].(map[string]any)["status"] != float64(domain.PaymentSucceeded) {
		t.Fatalf("confirm: %d %v", code, m)
	}
}

func TestNotificationRoutes(t *testing.T) {
	e := newPayEnv(t)
	if _, err := e.notes.Import(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, m := e.call("GET", "/api/v1/notifications?size=1", e.anna, nil, nil)
	if code != 200 || m["count"] != float64(len(e.demo.Notifications["acme"])) || m["unread"] != m["count"] ||
		m["size"] != float64(1) || len(m["data"].([]any)) != 1 {
		t.Fatalf("list: %d %v", code, m)
	}
	id := int64(m["data"].([]any)[0].(map[string]any)["id"].(float64))
	path := "/api/v1/notifications/" + jsonInt(id)
	if code, m := e.call("DELETE", path, e.ben, nil, nil); code != 404 {
		t.Fatalf("ben marking anna's notification: %d %v", code, m)
	}
	if code, _ := e.call("DELETE", path, e.anna, nil, nil); code != 204 {
		t.Fatalf("mark read: %d", code)
	}
	_, m = e.call("GET", "/api/v1/notifications", e.anna, nil, nil)
	if m["unread"] != float64(len(e.demo.Notifications["acme"])-1) {
		t.Fatalf("unread after mark: %v", m["unread"])
	}
	if code, m := e.call("DELETE", "/api/v1/notifications/abc", e.anna, nil, nil); code != 422 || m["message"] == "" {
		t.Fatalf("bad id: %d %v", code, m)
	}
	if code, _ := e.call("GET", "/api/v1/notifications", "", nil, nil); code != 401 {
		t.Fatalf("no token: %d", code)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
