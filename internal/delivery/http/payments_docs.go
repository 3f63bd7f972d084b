package http

// The /payments routes and their Swagger blocks. Each method only names a
// route and calls its implementation in payments.go, so the handlers there
// read without the annotations.

import "net/http"

// paymentConfig serves GET /payments/config.
//
//	@Summary	Stripe publishable key
//	@Tags		payments
//	@Security	Bearer
//	@Produce	json
//	@Success	200	{object}	PaymentConfigJSON
//	@Router		/payments/config [get]
func (s *Server) paymentConfig(w http.ResponseWriter, r *http.Request) {
	s.publishableKey(w, r)
}

// createPaymentIntent serves POST /payments/create-payment-intent.
//
//	@Summary	Start a card payment (amount and currency come from the CRM)
//	@Tags		payments
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Success	200	{object}	map[string]string	"{data:{clientSecret}}"
//	@Failure	404	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody
//	@Router		/payments/create-payment-intent [post]
func (s *Server) createPaymentIntent(w http.ResponseWriter, r *http.Request, in intentRequest) error {
	return s.startPayment(w, r, in)
}

// confirmPayment serves POST /payments/confirm.
//
//	@Summary	Record a finished payment (status is asked from Stripe)
//	@Tags		payments
//	@Security	Bearer
//	@Accept		json
//	@Produce	json
//	@Success	200	{object}	PaymentJSON
//	@Failure	404	{object}	ErrorBody
//	@Router		/payments/confirm [post]
func (s *Server) confirmPayment(w http.ResponseWriter, r *http.Request, in confirmRequest) error {
	return s.recordPayment(w, r, in)
}

// listPayments serves GET /payments.
//
//	@Summary	My payments
//	@Tags		payments
//	@Security	Bearer
//	@Produce	json
//	@Param		page	query		int	false	"1-based page"
//	@Param		size	query		int	false	"page size (default 20)"
//	@Success	200		{object}	ListEnvelope
//	@Router		/payments [get]
func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) error {
	return s.paymentList(w, r)
}

// paymentWebhook serves POST /payments/webhook.
//
//	@Summary	Stripe webhook (signed by Stripe, no bearer token)
//	@Tags		payments
//	@Accept		json
//	@Success	200
//	@Failure	400	{object}	ErrorBody
//	@Router		/payments/webhook [post]
func (s *Server) paymentWebhook(w http.ResponseWriter, r *http.Request) error {
	return s.stripeWebhook(w, r)
}
