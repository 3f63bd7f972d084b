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

	payload, err := simulatedEvent(intent, evType, w.Status)
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

// simulatedEvent is a minimal Stripe event: the portal reads the event id,
// its type and the intent id (the amount and record come from its own
// payment row).
func simulatedEvent(intent, evType, status string) ([]byte, error) {
	var r [12]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, err
	}
	piStatus := "succeeded"
	if status == "failed" {
		piStatus = "requires_payment_method"
	}
	return json.Marshal(map[string]any{
		"id":       "evt_sim_" + hex.EncodeToString(r[:]),
		"object":   "event",
		"type":     evType,
		"created":  time.Now().Unix(),
		"livemode": false,
		"data": map[string]any{"object": map[string]any{
			"id": intent, "object": "payment_intent", "status": piStatus, "livemode": false,
		}},
	})
}
