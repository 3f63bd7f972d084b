package payments_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/metrics"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/payments"
	"github.com/portalcrm/vtiger-portal/internal/service/payments/stripemock"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

const webhookSecret = "whsec_test_secret"

type env struct {
	t     *testing.T
	svc   *payments.Service
	store *postgres.PaymentStore
	sim   *vtigersim.Server
	demo  *vtigersim.Demo
	vt    *vtiger.Client
	met   *metrics.Metrics
	anna  domain.Customer // acme
	ben   domain.Customer // globex
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	be := vtigertest.Sim(t)
	sim, demo := be.Sim, be.Demo
	vt := be.Client(t, func(c *vtiger.Config) { c.MaxRetries, c.Timeout = 0, 5*time.Second })

	db := postgres.NewFromPool(pgtest.New(t), 5*time.Second)
	users := postgres.NewUserStore(db)
	mk := func(email, contact, account string) domain.Customer {
		u := &domain.User{Email: email, ContactID: contact, AccountID: account, PasswordHash: "x", IsActive: true}
		if err := users.Create(ctx, u); err != nil {
			t.Fatalf("create user: %v", err)
		}
		return domain.Customer{UserID: u.ID, ContactID: contact, AccountID: account, Email: email}
	}
	e := &env{t: t, sim: sim, demo: demo, vt: vt, store: postgres.NewPaymentStore(db), met: metrics.New(nil)}
	e.anna = mk("anna@example.com", demo.Contacts["anna"], demo.Accounts["acme"])
	e.ben = mk("ben@example.com", demo.Contacts["ben"], demo.Accounts["globex"])
	var err error
	e.svc, err = payments.New(payments.Options{
		Config: config.Payment{
			Enabled: true, StripeKey: "sk_test_123", StripePublic: "pk_test_123", WebhookSecret: webhookSecret,
			StripeURL: stripemock.Start(t), PaidInvoiceStatus: "Paid", PaidSOStatus: "Delivered",
			PayableInvoiceStatuses: []string{"Created", "Approved", "Sent"}, PayableSOStatuses: []string{"Created", "Approved"},
		},
		Store: e.store, CRM: payments.NewVtigerPayables(vt, demo.AdminUserID), Logger: logger, Observer: e.met,
	})
	if err != nil {
		t.Fatalf("payments.New: %v", err)
	}
	return e
}

// openInvoice is acme's "Sent" invoice.
func (e *env) openInvoice() string { return e.demo.Invoices["acme"][3] }

func (e *env) field(id, name string) string {
	e.t.Helper()
	rec, ok := e.sim.Get(id)
	if !ok {
		e.t.Fatalf("record %s missing", id)
	}
	return rec[name]
}

func (e *env) payments(cust domain.Customer) []domain.Payment {
	e.t.Helper()
	list, _, err := e.svc.List(context.Background(), cust, 1, 100)
	if err != nil {
		e.t.Fatalf("list: %v", err)
	}
	return list
}

func (e *env) onlyPayment(cust domain.Customer) domain.Payment {
	e.t.Helper()
	list := e.payments(cust)
	if len(list) != 1 {
		e.t.Fatalf("want 1 payment, got %d: %+v", len(list), list)
	}
	return list[0]
}

// comments counts ModComments on id that mention marker.
func (e *env) comments(id, marker string) int {
	e.t.Helper()
	rows, err := e.vt.Query(context.Background(), vtiger.NewSelect("id", "commentcontent").From("ModComments").
		Where(vtiger.Eq("related_to", id)).Limit(0, 100))
	if err != nil {
		e.t.Fatalf("query comments: %v", err)
	}
	n := 0
	for _, r := range rows {
		if s, _ := r["commentcontent"].(string); strings.Contains(s, marker) {
			n++
		}
	}
	return n
}

// event builds a signed Stripe event about an intent.
func event(t *testing.T, evID, typ string, pi map[string]any, secret string) ([]byte, string) {
	t.Helper()
	payload, err := json.Marshal(map[string]any{
		"id": evID, "object": "event", "type": typ, "api_version": "2019-02-19", "created": time.Now().Unix(),
		"data": map[string]any{"object": pi},
	})
	if err != nil {
		t.Fatal(err)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now(), Scheme: "v1"})
	return payload, signed.Header
}

func intentObj(p domain.Payment, status string, md map[string]string) map[string]any {
	if md == nil {
		md = map[string]string{}
	}
	var received int64
	if status == "succeeded" {
		received = p.AmountMinor // what Stripe charged: all of it
	}
	return map[string]any{"id": p.StripePaymentID, "object": "payment_intent", "amount": p.AmountMinor,
		"amount_received": received, "currency": p.Currency, "status": status, "metadata": md}
}

func TestCreateIntentPricesFromVtiger(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv := e.openInvoice()
	// Part of it was already received by the CRM: only the rest is due.
	if err := e.sim.Set(inv, map[string]string{"received": "100.50000000"}); err != nil {
		t.Fatal(err)
	}
	total, err := payments.ToMinor(e.field(inv, "hdnGrandTotal"), "eur")
	if err != nil || total <= 10050 {
		t.Fatalf("grand total %q: %v", e.field(inv, "hdnGrandTotal"), err)
	}
	secret, err := e.svc.CreateIntent(ctx, e.anna, payments.IntentRequest{InvoiceID: inv})
	if err != nil {
		t.Fatalf("create intent: %v", err)
	}
	if !strings.Contains(secret, "_secret_") {
		t.Fatalf("client secret %q", secret)
	}
	p := e.onlyPayment(e.anna)
	if p.AmountMinor != total-10050 || p.Currency != "eur" || p.ParentID != inv || p.ParentModule != "Invoice" ||
		p.Status != domain.PaymentPending || p.UserID != e.anna.UserID || p.AccountID != e.anna.AccountID {
		t.Fatalf("stored payment %+v, want amount %d eur for %s", p, total-10050, inv)
	}

	tests := []struct {
		name string
		cust domain.Customer
		req  payments.IntentRequest
		code string
	}{
		{"another account's invoice", e.ben, payments.IntentRequest{InvoiceID: inv}, domain.ENOTFOUND},
		{"already paid invoice", e.anna, payments.IntentRequest{InvoiceID: e.demo.Invoices["acme"][0]}, domain.EINVALID},
		{"delivered sales order", e.anna, payments.IntentRequest{SOID: e.demo.SalesOrders["acme"][0]}, domain.EINVALID},
		{"sales order id as invoice", e.anna, payments.IntentRequest{InvoiceID: e.demo.SalesOrders["acme"][1]}, domain.ENOTFOUND},
		{"no id", e.anna, payments.IntentRequest{}, domain.EINVALID},
		{"both ids", e.anna, payments.IntentRequest{InvoiceID: inv, SOID: e.demo.SalesOrders["acme"][1]}, domain.EINVALID},
		{"malformed id", e.anna, payments.IntentRequest{InvoiceID: "1' OR '1'='1"}, domain.ENOTFOUND},
		{"missing record", e.anna, payments.IntentRequest{InvoiceID: "7x999999"}, domain.ENOTFOUND},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateIntent(ctx, tc.cust, tc.req)
			testutil.WantCode(t, err, tc.code)
		})
	}
	if n := len(e.payments(e.ben)); n != 0 {
		t.Fatalf("refused requests stored %d payments", n)
	}

	// A sales order in a payable status works too and is priced the same way.
	so := e.demo.SalesOrders["acme"][1]
	if _, err := e.svc.CreateIntent(ctx, e.anna, payments.IntentRequest{SOID: so}); err != nil {
		t.Fatalf("sales order intent: %v", err)
	}
	soTotal, _ := payments.ToMinor(e.field(so, "hdnGrandTotal"), "eur")
	for _, p := range e.payments(e.anna) {
		if p.ParentID == so && (p.AmountMinor != soTotal || p.ParentModule != "SalesOrder") {
			t.Fatalf("sales order payment %+v, want %d", p, soTotal)
		}
	}
}

func TestWebhookSucceededUpdatesVtigerOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv := e.openInvoice()
	if _, err := e.svc.CreateIntent(ctx, e.anna, payments.IntentRequest{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	p := e.onlyPayment(e.anna)

	// Wrongly signed: rejected, nothing changes.
	body, _ := event(t, "evt_bad", "payment_intent.succeeded", intentObj(p, "succeeded", nil), "whsec_wrong")
	_, goodHeader := event(t, "evt_bad", "payment_intent.succeeded", intentObj(p, "succeeded", nil), webhookSecret)
	_, badHeader := event(t, "evt_bad", "payment_intent.succeeded", intentObj(p, "succeeded", nil), "whsec_wrong")
	testutil.WantCode(t, e.svc.Webhook(ctx, body, badHeader), domain.EBADREQUEST)
	tampered := []byte(strings.Replace(string(body), `"succeeded"`, `"succeeded" `, 1))
	testutil.WantCode(t, e.svc.Webhook(ctx, tampered, goodHeader), domain.EBADREQUEST)
	testutil.WantCode(t, e.svc.Webhook(ctx, body, ""), domain.EBADREQUEST)
	if got := e.onlyPayment(e.anna); got.Status != domain.PaymentPending {
		t.Fatalf("bad signature changed the payment: %+v", got)
	}
	if s := e.field(inv, "invoicestatus"); s != "Sent" {
		t.Fatalf("bad signature changed the invoice to %q", s)
	}

	body, header := event(t, "evt_ok", "payment_intent.succeeded", intentObj(p, "succeeded", nil), webhookSecret)
	if err := e.svc.Webhook(ctx, body, header); err != nil {
		t.Fatalf("webhook: %v", err)
	}
	got := e.onlyPayment(e.anna)
	if got.Status != domain.PaymentSucceeded || !got.CRMSynced {
		t.Fatalf("after success: %+v", got)
	}
	if s := e.field(inv, "invoicestatus"); s != "Paid" {
		t.Fatalf("invoicestatus %q, want Paid", s)
	}
	if n := e.comments(inv, p.StripePaymentID); n != 1 {
		t.Fatalf("%d payment comments, want 1", n)
	}
	wantNote := fmt.Sprintf("Paid by card: %s EUR, Stripe payment %s", payments.FormatMinor(p.AmountMinor, "eur"), p.StripePaymentID)
	if n := e.comments(inv, wantNote); n != 1 {
		t.Fatalf("comment text is not %q", wantNote)
	}

	// Replay: nothing new.
	e.sim.Set(inv, map[string]string{"invoicestatus": "Sent"}) // staff reset it; a replay must not touch it again
	if err := e.svc.Webhook(ctx, body, header); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if n := e.comments(inv, p.StripePaymentID); n != 1 {
		t.Fatalf("replay added a comment: %d", n)
	}
	if s := e.field(inv, "invoicestatus"); s != "Sent" {
		t.Fatalf("replay revised the invoice again: %q", s)
	}

	// Out of order: a failure reported after success never downgrades it.
	for i, typ := range []string{"payment_intent.payment_failed", "payment_intent.processing", "payment_intent.canceled"} {
		body, header := event(t, fmt.Sprintf("evt_late_%d", i), typ, intentObj(p, "requires_payment_method", nil), webhookSecret)
		if err := e.svc.Webhook(ctx, body, header); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	if got := e.onlyPayment(e.anna); got.Status != domain.PaymentSucceeded {
		t.Fatalf("late events downgraded the payment: %+v", got)
	}
	// And the invoice cannot be paid twice.
	e.sim.Set(inv, map[string]string{"invoicestatus": "Sent"})
	_, err := e.svc.CreateIntent(ctx, e.anna, payments.IntentRequest{InvoiceID: inv})
	testutil.WantCode(t, err, domain.EINVALID)
}

func TestWebhookFailedAndUnknownIntents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv := e.openInvoice()
	if _, err := e.svc.CreateIntent(ctx, e.anna, payments.IntentRequest{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	p := e.onlyPayment(e.anna)
	body, header := event(t, "evt_f", "payment_intent.payment_failed", intentObj(p, "requires_payment_method", nil), webhookSecret)
	if err := e.svc.Webhook(ctx, body, header); err != nil {
		t.Fatal(err)
	}
	if got := e.onlyPayment(e.anna); got.Status != domain.PaymentFailed {
		t.Fatalf("status %v, want failed", got.Status)
	}
	if s := e.field(inv, "invoicestatus"); s != "Sent" {
		t.Fatalf("failed payment changed the invoice: %q", s)
	}

	// An intent we have no row for but whose metadata names our record is adopted.
	so := e.demo.SalesOrders["acme"][1]
	adopted := domain.Payment{StripePaymentID: "pi_adopted123", AmountMinor: 4200, Currency: "eur"}
	md := map[string]string{payments.MetaRecordID: so, payments.MetaModule: "SalesOrder",
		payments.MetaUserID: fmt.Sprint(e.anna.UserID), payments.MetaAccountID: e.anna.AccountID, payments.MetaContactID: e.anna.ContactID}
	body, header = event(t, "evt_adopt", "payment_intent.succeeded", intentObj(adopted, "succeeded", md), webhookSecret)
	if err := e.svc.Webhook(ctx, body, header); err != nil {
		t.Fatal(err)
	}
	row, err := e.store.ByStripeID(ctx, "pi_adopted123")
	if err != nil || row.Status != domain.PaymentSucceeded || row.ParentID != so || row.AmountMinor != 4200 || !row.CRMSynced {
		t.Fatalf("adopted row %+v, %v", row, err)
	}
	if s := e.field(so, "sostatus"); s != "Delivered" {
		t.Fatalf("sostatus %q, want Delivered", s)
	}
	if s := e.field(so, "invoicestatus"); s != "Created" {
		t.Fatalf("a sales order's invoicestatus was touched: %q", s)
	}

	// Not ours (no metadata): acknowledged, ignored.
	stranger := domain.Payment{StripePaymentID: "pi_stranger1", AmountMinor: 100, Currency: "eur"}
	body, header = event(t, "evt_stranger", "payment_intent.succeeded", intentObj(stranger, "succeeded", nil), webhookSecret)
	if err := e.svc.Webhook(ctx, body, header); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ByStripeID(ctx, "pi_stranger1"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("stranger intent stored: %v", err)
	}
}

func TestWebhookWhileVtigerDownIsRetried(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv := e.demo.Invoices["globex"][len(e.demo.Invoices["globex"])-1] // "Created"
	if _, err := e.svc.CreateIntent(ctx, e.ben, payments.IntentRequest{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	p := e.onlyPayment(e.ben)
	body, header := event(t, "evt_down", "payment_intent.succeeded", intentObj(p, "succeeded", nil), webhookSecret)
	e.sim.InjectFault(vtigersim.FaultHTTP500, 3)
	if err := e.svc.Webhook(ctx, body, header); err != nil {
		t.Fatalf("webhook must succeed towards Stripe while Vtiger is down: %v", err)
	}
	got := e.onlyPayment(e.ben)
	if got.Status != domain.PaymentSucceeded || got.CRMSynced || got.CRMAttempts == 0 || got.LastError == "" {
		t.Fatalf("want paid, CRM update pending: %+v", got)
	}
	if s := e.field(inv, "invoicestatus"); s == "Paid" {
		t.Fatal("invoice paid although Vtiger was down")
	}
	// Drain whatever faults remain, then the retry job finishes it.
	for range 3 {
		_, _ = e.vt.Retrieve(ctx, inv)
	}
	n, err := e.svc.SyncPending(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SyncPending = %d, %v", n, err)
	}
	if got := e.onlyPayment(e.ben); !got.CRMSynced {
		t.Fatalf("not synced after retry: %+v", got)
	}
	if s := e.field(inv, "invoicestatus"); s != "Paid" {
		t.Fatalf("invoicestatus %q after retry", s)
	}
	if c := e.comments(inv, p.StripePaymentID); c != 1 {
		t.Fatalf("%d comments after retry, want 1", c)
	}
	if n, err := e.svc.SyncPending(ctx); err != nil || n != 0 {
		t.Fatalf("second SyncPending = %d, %v", n, err)
	}
}

func TestConfirmAsksStripe(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.CreateIntent(ctx, e.anna, payments.IntentRequest{InvoiceID: e.openInvoice()}); err != nil {
		t.Fatal(err)
	}
	p := e.onlyPayment(e.anna)
	// stripe-mock reports every intent as requires_payment_method: whatever
	// the browser claims, that is what gets recorded.
	got, err := e.svc.Confirm(ctx, e.anna, p.StripePaymentID)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if got.ID != p.ID || got.Status != domain.PaymentRequiresPaymentMethod {
		t.Fatalf("confirmed %+v, want status %d", got, domain.PaymentRequiresPaymentMethod)
	}
	if s := e.field(e.openInvoice(), "invoicestatus"); s != "Sent" {
		t.Fatalf("confirm of an unpaid intent changed the invoice: %q", s)
	}
	tests := []struct {
		name string
		cust domain.Customer
		id   string
		code string
	}{
		{"someone else's intent", e.ben, p.StripePaymentID, domain.ENOTFOUND},
		{"intent unknown to the portal", e.anna, "pi_NotOurs123", domain.ENOTFOUND},
		{"malformed id", e.anna, "ch_123", domain.EINVALID},
		{"empty id", e.anna, "", domain.EINVALID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Confirm(ctx, tc.cust, tc.id)
			testutil.WantCode(t, err, tc.code)
		})
	}
}

// TestCreateIntentCountsPaymentsBeyondHistoryPage: what was already paid on
// a record must be exact however long the customer's payment history is,
// or a customer with many payments would be asked to pay twice.
func TestCreateIntentCountsPaymentsBeyondHistoryPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv := e.openInvoice()
	if err := e.sim.Set(inv, map[string]string{"received": "0.00000000"}); err != nil {
		t.Fatal(err)
	}
	total, err := payments.ToMinor(e.field(inv, "hdnGrandTotal"), "eur")
	if err != nil || total <= 1000 {
		t.Fatalf("grand total %q: %v", e.field(inv, "hdnGrandTotal"), err)
	}
	insert := func(stripeID, parent string, amount int64) {
		t.Helper()
		if _, _, err := e.store.Insert(ctx, domain.Payment{StripePaymentID: stripeID, UserID: e.anna.UserID,
			ContactID: e.anna.ContactID, AccountID: e.anna.AccountID, ParentID: parent, ParentModule: "Invoice",
			AmountMinor: amount, Currency: "eur"}); err != nil {
			t.Fatal(err)
		}
	}
	// The oldest payment is a part payment of this invoice; more than a
	// thousand newer payments of other records bury it in the history.
	insert("pi_PartOfInvoice", inv, 1000)
	if _, err := e.store.MarkPaid(ctx, "pi_PartOfInvoice"); err != nil {
		t.Fatal(err)
	}
	for i := range 1001 {
		insert(fmt.Sprintf("pi_Other%04d", i), fmt.Sprintf("7x%d", 900000+i), 1)
	}
	if _, err := e.svc.CreateIntent(ctx, e.anna, payments.IntentRequest{InvoiceID: inv}); err != nil {
		t.Fatalf("create intent: %v", err)
	}
	newest := e.payments(e.anna)[0]
	if newest.ParentID != inv || newest.Status != domain.PaymentPending || newest.AmountMinor != total-1000 {
		t.Fatalf("new payment %+v, want pending %d eur for %s (total %d minus 1000 paid)", newest, total-1000, inv, total)
	}
}

// mismatchCount reads the /metrics counter of amount mismatches.
func (e *env) mismatchCount() string {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.met.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "portal_payments_amount_mismatch_total "); ok {
			return v
		}
	}
	e.t.Fatalf("no portal_payments_amount_mismatch_total in /metrics:\n%s", rec.Body.String())
	return ""
}

// A signed succeeded event that received less than the payment is for (or
// another currency) is recorded as a mismatch: the payment is not paid,
// the invoice is not touched, and /metrics counts it. The right amount
// afterwards still pays it.
func TestWebhookSucceededWithWrongAmountLeavesInvoiceUnpaid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	inv := e.openInvoice()
	if _, err := e.svc.CreateIntent(ctx, e.anna, payments.IntentRequest{InvoiceID: inv}); err != nil {
		t.Fatal(err)
	}
	p := e.onlyPayment(e.anna)
	if p.AmountMinor <= 100 {
		t.Fatalf("the open invoice is too small for this test: %d", p.AmountMinor)
	}
	if got := e.mismatchCount(); got != "0" {
		t.Fatalf("mismatch counter starts at %s", got)
	}
	cases := []struct {
		name     string
		received int64
		currency string
	}{
		{"short amount (1.00)", 100, p.Currency},
		{"one cent short", p.AmountMinor - 1, p.Currency},
		{"more than asked", p.AmountMinor + 1, p.Currency},
		{"other currency", p.AmountMinor, "usd"},
	}
	for i, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			obj := intentObj(p, "succeeded", nil)
			obj["amount_received"], obj["currency"] = tt.received, tt.currency
			body, header := event(t, fmt.Sprintf("evt_short_%d", i), "payment_intent.succeeded", obj, webhookSecret)
			if err := e.svc.Webhook(ctx, body, header); err != nil {
				t.Fatalf("webhook: %v", err)
			}
			got := e.onlyPayment(e.anna)
			if got.Status == domain.PaymentSucceeded || got.CRMSynced || got.Mismatch == "" {
				t.Fatalf("payment after a mismatching event: %+v", got)
			}
			if s := e.field(inv, "invoicestatus"); s != "Sent" {
				t.Fatalf("invoice is %q after a mismatching event, want it untouched (Sent)", s)
			}
			if n := e.comments(inv, p.StripePaymentID); n != 0 {
				t.Fatalf("%d payment comments after a mismatching event", n)
			}
			if got := e.mismatchCount(); got != fmt.Sprint(i+1) {
				t.Fatalf("mismatch counter = %s, want %d", got, i+1)
			}
		})
	}
	if got := e.onlyPayment(e.anna).Mismatch; !strings.Contains(got, payments.FormatMinor(p.AmountMinor, p.Currency)) {
		t.Fatalf("mismatch note %q does not name the expected amount", got)
	}
	// The full amount in the right currency pays it.
	body, header := event(t, "evt_full", "payment_intent.succeeded", intentObj(p, "succeeded", nil), webhookSecret)
	if err := e.svc.Webhook(ctx, body, header); err != nil {
		t.Fatal(err)
	}
	if got := e.onlyPayment(e.anna); got.Status != domain.PaymentSucceeded || !got.CRMSynced {
		t.Fatalf("after the right amount: %+v", got)
	}
	if s := e.field(inv, "invoicestatus"); s != "Paid" {
		t.Fatalf("invoice %q after the right amount, want Paid", s)
	}
}
