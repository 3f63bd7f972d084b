package http

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/service/payments"
)

// PaymentService is what the /payments routes need (payments.Service).
type PaymentService interface {
	PublishableKey() string
	CreateIntent(ctx context.Context, cust domain.Customer, req payments.IntentRequest) (clientSecret string, err error)
	Webhook(ctx context.Context, payload []byte, signature string) error
	Confirm(ctx context.Context, cust domain.Customer, intentID string) (domain.Payment, error)
	List(ctx context.Context, cust domain.Customer, page, size int) ([]domain.Payment, int, error)
}

var _ PaymentService = (*payments.Service)(nil)

// maxWebhookBytes bounds a Stripe event body; real events are a few KiB.
const maxWebhookBytes = 256 << 10

// mountPayments registers /payments/*. The webhook has no bearer auth:
// Stripe signs it instead. Without a payment service the config and the
// list still answer (no key, no payments), the writes 503.
func (s *Server) mountPayments(r chi.Router) {
	needsPayments := func(h apiHandler) http.HandlerFunc {
		if s.Payments == nil {
			return s.unavailable
		}
		return s.handle(h)
	}
	r.Post("/payments/webhook", needsPayments(s.paymentWebhook))
	r.Group(func(r chi.Router) {
		r.Use(s.requireAuth)
		r.Get("/payments/config", s.paymentConfig)
		r.Get("/payments", s.handle(s.listPayments))
		r.Post("/payments/create-payment-intent", needsPayments(withBody(s.createPaymentIntent)))
		r.Post("/payments/confirm", needsPayments(withBody(s.confirmPayment)))
	})
}

// PaymentJSON is a payment as the frontend reads it; status is the number
// shown through payments.status.<n>, amount is in major units.
type PaymentJSON struct {
	ID              int64       `json:"id"`
	StripePaymentID string      `json:"stripe_payment_id"`
	UserID          int64       `json:"user_id"`
	AccountID       string      `json:"account_id"`
	Amount          json.Number `json:"amount"`
	Currency        string      `json:"currency"`
	PaymentMethod   string      `json:"payment_method"`
	Status          int         `json:"status"`
	ParentID        string      `json:"parent_id"`
	CRMSynced       bool        `json:"crm_synced"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
}

func paymentJSON(p domain.Payment) PaymentJSON {
	return PaymentJSON{
		ID: p.ID, StripePaymentID: p.StripePaymentID, UserID: p.UserID, AccountID: p.AccountID,
		Amount:   json.Number(payments.FormatMinor(p.AmountMinor, p.Currency)),
		Currency: strings.ToUpper(p.Currency), PaymentMethod: p.PaymentMethod, Status: int(p.Status),
		ParentID: p.ParentID, CRMSynced: p.CRMSynced, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

// PaymentConfigJSON is {publishableKey}; empty hides the payment form.
type PaymentConfigJSON struct {
	PublishableKey string `json:"publishableKey"`
}

// publishableKey answers Stripe's publishable key; without a payment
// service it is empty, which hides the payment form.
func (s *Server) publishableKey(w http.ResponseWriter, r *http.Request) {
	key := ""
	if s.Payments != nil {
		key = s.Payments.PublishableKey()
	}
	writeData(w, http.StatusOK, PaymentConfigJSON{PublishableKey: key})
}

// intentRequest is the frontend's body; amount, currency and
// paymentMethodType are read but never used (the CRM decides the price).
type intentRequest struct {
	InvoiceID         string `json:"invoice_id"`
	SOID              string `json:"so_id"`
	Amount            any    `json:"amount"`
	Currency          any    `json:"currency"`
	PaymentMethodType any    `json:"paymentMethodType"`
}

// startPayment starts a card payment of an invoice or sales order.
func (s *Server) startPayment(w http.ResponseWriter, r *http.Request, in intentRequest) error {
	secret, err := s.Payments.CreateIntent(r.Context(), customer(r), payments.IntentRequest{InvoiceID: in.InvoiceID, SOID: in.SOID})
	return replyData(w, http.StatusOK, map[string]string{"clientSecret": secret}, err)
}

// confirmRequest is the body of /payments/confirm.
type confirmRequest struct {
	ID string `json:"id"`
}

// recordPayment records the state of an intent the browser finished;
// only the intent's id is read, the state comes from Stripe.
func (s *Server) recordPayment(w http.ResponseWriter, r *http.Request, in confirmRequest) error {
	p, err := s.Payments.Confirm(r.Context(), customer(r), in.ID)
	return replyData(w, http.StatusOK, paymentJSON(p), err)
}

// paymentList lists the customer's payments, newest first.
func (s *Server) paymentList(w http.ResponseWriter, r *http.Request) error {
	page, size, err := pageQuery(r, 20, 100)
	if err != nil {
		return err
	}
	if s.Payments == nil {
		return reply(w, http.StatusOK, ListEnvelope{Data: []PaymentJSON{}, Count: 0, Page: page, Size: size}, nil)
	}
	list, count, err := s.Payments.List(r.Context(), customer(r), page, size)
	if err != nil {
		return err
	}
	out := make([]PaymentJSON, 0, len(list))
	for _, p := range list {
		out = append(out, paymentJSON(p))
	}
	return reply(w, http.StatusOK, ListEnvelope{Data: out, Count: count, Page: page, Size: size}, nil)
}

// stripeWebhook receives Stripe events. 400 for a bad signature (Stripe
// stops), 5xx for our failures (Stripe delivers again), 200 otherwise.
func (s *Server) stripeWebhook(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBytes+1))
	if err != nil {
		return domain.Errorf(domain.EBADREQUEST, "cannot read the event body")
	}
	if len(body) > maxWebhookBytes {
		return domain.Errorf(domain.ETOOLARGE, "event body must not be larger than %d bytes", maxWebhookBytes)
	}
	err = s.Payments.Webhook(r.Context(), body, r.Header.Get("Stripe-Signature"))
	return reply(w, http.StatusOK, map[string]bool{"received": true}, err)
}
