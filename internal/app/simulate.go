package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// SimulateWebhook is what `portal payments simulate-webhook` does.
type SimulateWebhook struct {
	Intent string // pi_… (a client secret pi_…_secret_… is accepted too)
	Status string // succeeded | failed
	URL    string // base URL of the running portal; "" = http://127.0.0.1:<http.port>
	Dev    bool   // explicit consent outside demo mode (environment must be development)
}

// webhookEventTypes maps the command's --status to the Stripe event sent.
var webhookEventTypes = map[string]string{
	"succeeded": "payment_intent.succeeded",
	"failed":    "payment_intent.payment_failed",
}

// SimulatePaymentWebhook signs a payment_intent event the way Stripe does
// and posts it to the running portal's /api/v1/payments/webhook, so a
// newcomer can watch an invoice turn paid without a Stripe account. It is
// for demo and development only: in demo mode (opts.Demo) it signs with
// DemoWebhookSecret, otherwise it needs w.Dev and environment development
// and signs with payment.webhook_secret.
func SimulatePaymentWebhook(ctx context.Context, opts Options, w SimulateWebhook) error {
	intent := strings.TrimSpace(w.Intent)
	if i := strings.Index(intent, "_secret_"); i > 0 {
		intent = intent[:i]
	}
	if !strings.HasPrefix(intent, "pi_") || len(intent) < 4 || strings.ContainsAny(intent, " \t\r\n\"\\") {
		return fmt.Errorf("-intent must be a PaymentIntent id pi_…, got %q", w.Intent)
	}
	evType, ok := webhookEventTypes[w.Status]
	if !ok {
		return fmt.Errorf("-status must be succeeded or failed, got %q", w.Status)
	}
	cfg, err := loadForCommand(opts)
	if err != nil {
		return err
	}
	secret := DemoWebhookSecret
	if !opts.Demo {
		if !w.Dev {
			return errors.New("simulate-webhook only runs against a demo portal (-demo) or, with -dev, a development one: it forges Stripe events")
		}
		if cfg.Environment != config.EnvDevelopment {
			return fmt.Errorf("simulate-webhook -dev refuses environment %q: set environment: development (PORTAL_ENVIRONMENT=development)", cfg.Environment)
		}
		if cfg.Payment.WebhookSecret == "" {
			return errors.New("payment.webhook_secret is empty: the portal would refuse the event (set PORTAL_STRIPE_WEBHOOK_SECRET)")
		}
		secret = cfg.Payment.WebhookSecret
	}
	base := strings.TrimRight(w.URL, "/")
	if base == "" {
		base = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.HTTP.Port))
	}
	base = strings.TrimSuffix(base, "/api/v1")

	// Stripe signs what it charged, and the portal only marks a record paid
	// when that matches the payment it stored: take amount and currency
	// from that row, as a real charge of the intent would carry them.
	pay, err := storedPayment(ctx, cfg.DB, intent)
	if err != nil {
		return err
	}
	payload, err := simulatedEvent(pay, evType, w.Status)
	if err != nil {
		return err
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: secret, Timestamp: time.Now(), Scheme: "v1",
	})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/payments/webhook", bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", signed.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("post the event to %s (is the portal running? `make demo`): %w", req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the portal answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(opts.Stdout, "sent %s for %s to %s: %s\n", evType, intent, req.URL, resp.Status)
	if w.Status == "succeeded" {
		fmt.Fprintln(opts.Stdout, "the invoice or sales order is marked paid in the CRM; GET /api/v1/payments shows the payment as succeeded")
	}
	return nil
}

// storedPayment reads the portal's row for the intent (db.dsn; demo mode's
// database unless PORTAL_DB_DSN says otherwise).
func storedPayment(ctx context.Context, cfg config.DB, intent string) (domain.Payment, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, cfg)
	if err != nil {
		return domain.Payment{}, fmt.Errorf("open the portal's database to read the payment: %w", err)
	}
	defer db.Close()
	p, err := postgres.NewPaymentStore(db).ByStripeID(ctx, intent)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Payment{}, fmt.Errorf("no payment %s in the portal's database: take stripe_payment_id from GET /api/v1/payments", intent)
	}
	if err != nil {
		return domain.Payment{}, fmt.Errorf("read payment %s: %w", intent, err)
	}
	return p, nil
}

// simulatedEvent is a minimal Stripe event: the portal reads the event id,
// its type, the intent id and, for a success, what was received (the
// record comes from its own payment row).
func simulatedEvent(pay domain.Payment, evType, status string) ([]byte, error) {
	var r [12]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, err
	}
	piStatus, received := "succeeded", pay.AmountMinor
	if status == "failed" {
		piStatus, received = "requires_payment_method", 0
	}
	return json.Marshal(map[string]any{
		"id":       "evt_sim_" + hex.EncodeToString(r[:]),
		"object":   "event",
		"type":     evType,
		"created":  time.Now().Unix(),
		"livemode": false,
		"data": map[string]any{"object": map[string]any{
			"id": pay.StripePaymentID, "object": "payment_intent", "status": piStatus, "livemode": false,
			"amount": pay.AmountMinor, "amount_received": received, "currency": pay.Currency,
		}},
	})
}
