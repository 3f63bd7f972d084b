package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/portalcrm/vtiger-portal/internal/service/payments/stripemock"
)

// Demo mode's Stripe settings. stripe-mock accepts any test key; the
// webhook secret is fixed so `portal payments simulate-webhook -demo`, run
// from a second terminal, signs events the demo portal accepts.
const (
	DemoStripeSecretKey  = "sk_test_portaldemo"
	DemoStripePublicKey  = "pk_test_portaldemo"
	DemoWebhookSecret    = "whsec_portal_demo_webhook_secret"
	DemoStripeMockOff    = "off"
	demoPaymentsHelpHint = "install it with `make tools` (go install github.com/stripe/stripe-mock), then restart `make demo`"
)

// startDemoPayments starts stripe-mock and turns payments on, unless the
// configuration already enables payments (then it is used as is). Without
// stripe-mock the demo runs on and says at start how to get payments.
func (m *Main) startDemoPayments(ctx context.Context) error {
	p := &m.Config.Payment
	if p.Enabled {
		m.Logger.Info("demo: payments use the configured Stripe settings", "stripe_url", p.StripeURL)
		return nil
	}
	bin := m.opts.hooks().DemoStripeMock
	switch bin {
	case DemoStripeMockOff:
		return nil
	case "":
		found, err := stripemock.Find()
		if err != nil {
			m.demoPaymentsOff = err.Error()
			m.Logger.Warn("demo: payments are OFF: " + err.Error() + "; " + demoPaymentsHelpHint)
			return nil
		}
		bin = found
	default:
		if _, err := os.Stat(bin); err != nil {
			m.demoPaymentsOff = fmt.Sprintf("stripe-mock not found at %s", bin)
			m.Logger.Warn("demo: payments are OFF: " + m.demoPaymentsOff + "; " + demoPaymentsHelpHint)
			return nil
		}
	}
	proc, err := stripemock.Launch(ctx, bin)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		m.demoPaymentsOff = fmt.Sprintf("stripe-mock (%s) did not start: %v", bin, err)
		m.Logger.Warn("demo: payments are OFF: " + m.demoPaymentsOff + "; " + demoPaymentsHelpHint)
		return nil
	}
	m.stripeMock = proc
	p.Enabled = true
	p.StripeKey = DemoStripeSecretKey
	p.StripePublic = DemoStripePublicKey
	p.WebhookSecret = DemoWebhookSecret
	p.StripeURL = proc.URL
	m.Logger.Info("demo: payments on, stripe-mock started", "url", proc.URL, "binary", bin)
	return nil
}

// stopDemoPayments stops stripe-mock (Close calls it after the HTTP server
// and the jobs have stopped using it).
func (m *Main) stopDemoPayments() {
	if m.stripeMock != nil {
		m.stripeMock.Stop()
		m.stripeMock = nil
	}
}

// printDemoPayments adds the payment lines to the demo banner.
func (m *Main) printDemoPayments() {
	w := m.opts.Stdout
	if m.stripeMock == nil {
		if m.demoPaymentsOff != "" {
			fmt.Fprintf(w, "payments: OFF — %s; %s\n", m.demoPaymentsOff, demoPaymentsHelpHint)
		}
		return
	}
	fmt.Fprintf(w, "payments: on (stripe-mock at %s); pay an invoice, take its stripe_payment_id from GET /api/v1/payments, then in a second terminal:\n", m.stripeMock.URL)
	fmt.Fprintf(w, "  go run ./cmd/portal payments simulate-webhook -demo -url %s -intent pi_… -status succeeded\n", m.URL())
}
