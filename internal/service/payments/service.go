// Package payments takes card payments for Invoices and SalesOrders with
// Stripe PaymentIntents and tells Vtiger when a record was paid.
//
// Nothing the browser sends is trusted: the amount and currency come from
// the CRM record (grand total minus what is already paid), the record must
// be in the customer's scope and in a payable status, and a payment's
// status only ever comes from Stripe — a signed webhook event or the
// server's own PaymentIntent lookup on /confirm.
//
// Exactly one caller moves a payment to succeeded (PaymentStore.MarkPaid)
// and that caller updates Vtiger (status field of the record's module plus
// a ModComments note). When Vtiger is down the payment stays "paid, CRM
// update pending" (crm_synced=false) and SyncPending, run by a background
// job, finishes it later; the comment is written at most once because it
// carries the PaymentIntent id and is looked for before writing.
package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/paymentintent"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// PaymentRows creates payments and moves them through their states.
type PaymentRows interface {
	Insert(ctx context.Context, p domain.Payment) (domain.Payment, bool, error)
	ByStripeID(ctx context.Context, stripeID string) (domain.Payment, error)
	UpdateStatus(ctx context.Context, stripeID string, status domain.PaymentStatus) (bool, error)
	MarkPaid(ctx context.Context, stripeID string) (bool, error)
	RecordMismatch(ctx context.Context, stripeID, what string) (bool, error)
}

// CRMSyncQueue tracks which paid payments the CRM has been told about.
type CRMSyncQueue interface {
	MarkCRMSynced(ctx context.Context, id int64) error
	RecordCRMFailure(ctx context.Context, id int64, msg string) error
	PendingCRMSync(ctx context.Context, limit int) ([]domain.Payment, error)
}

// PaymentHistory lists payments and sums what was paid on a record.
type PaymentHistory interface {
	ListByAccount(ctx context.Context, accountID string, limit, offset int) ([]domain.Payment, int, error)
	ListByUser(ctx context.Context, userID int64, limit, offset int) ([]domain.Payment, int, error)
	ListByParentUser(ctx context.Context, parentID string, userID int64) ([]domain.Payment, error)
	SucceededTotal(ctx context.Context, parentID, currency string) (int64, error)
}

// EventLog remembers handled Stripe events, so a redelivery does nothing.
type EventLog interface {
	RecordStripeEvent(ctx context.Context, eventID, eventType string) (bool, error)
}

// Store keeps payments and handled webhook events (postgres.PaymentStore).
type Store interface {
	PaymentRows
	CRMSyncQueue
	PaymentHistory
	EventLog
}

var _ Store = (*postgres.PaymentStore)(nil)

// CRM reads payable records and marks them paid (VtigerPayables).
type CRM interface {
	Get(ctx context.Context, module, id string) (Payable, error)
	MarkPaid(ctx context.Context, module, id, status string) error
	AddPaymentComment(ctx context.Context, relatedTo, marker, content string) error
}

// Observer counts what operators must look at (metrics.Metrics).
type Observer interface {
	PaymentAmountMismatch()
}

// Options wire a Service.
type Options struct {
	Config config.Payment
	Store  Store
	CRM    CRM
	Logger *slog.Logger // nil: slog.Default()
	// Observer, when set, counts amount mismatches (the /metrics series).
	Observer Observer
	// HTTPClient talks to Stripe; nil uses stripe-go's default (80 s timeout).
	HTTPClient *http.Client
	// CRMTimeout bounds one Vtiger update; default 15 s.
	CRMTimeout time.Duration
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time
}

// Service implements the /payments routes and the CRM retry job.
type Service struct {
	cfg     config.Payment
	store   Store
	crm     CRM
	log     *slog.Logger
	obs     Observer
	intents paymentintent.Client
	timeout time.Duration
	now     func() time.Time
}

// Metadata keys put on every PaymentIntent, read back from webhook events.
const (
	MetaRecordID  = "portal_record_id"
	MetaModule    = "portal_module"
	MetaUserID    = "portal_user_id"
	MetaContactID = "portal_contact_id"
	MetaAccountID = "portal_account_id"
)

// New checks the options and builds the Stripe client (against
// Config.StripeURL when set, e.g. stripe-mock).
func New(o Options) (*Service, error) {
	if o.Store == nil || o.CRM == nil {
		return nil, errors.New("payments: Store and CRM are required")
	}
	if strings.TrimSpace(o.Config.StripeKey) == "" {
		return nil, errors.New("payments: payment.stripe_key is empty")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CRMTimeout <= 0 {
		o.CRMTimeout = 15 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	bc := &stripe.BackendConfig{
		// stripe-go would log every 4xx at error level on stderr; our own
		// logging covers failures.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
		HTTPClient:    o.HTTPClient,
	}
	if u := strings.TrimRight(strings.TrimSpace(o.Config.StripeURL), "/"); u != "" {
		bc.URL = stripe.String(u)
	}
	return &Service{
		cfg:     o.Config,
		store:   o.Store,
		crm:     o.CRM,
		log:     o.Logger,
		obs:     o.Observer,
		intents: paymentintent.Client{B: stripe.GetBackendWithConfig(stripe.APIBackend, bc), Key: o.Config.StripeKey},
		timeout: o.CRMTimeout,
		now:     o.Now,
	}, nil
}

// PublishableKey is the key the browser's Stripe.js uses.
func (s *Service) PublishableKey() string { return s.cfg.StripePublic }

// IntentRequest names the record to pay; exactly one id is set. Amount and
// currency sent by the browser are deliberately not part of it.
type IntentRequest struct {
	InvoiceID string
	SOID      string
}

// CreateIntent starts (or resumes) a card payment of what is still due on
// the record and returns the PaymentIntent's client secret.
func (s *Service) CreateIntent(ctx context.Context, cust domain.Customer, req IntentRequest) (string, error) {
	t, err := s.payableTarget(ctx, cust, req)
	if err != nil {
		return "", err
	}
	due, currency, mine, err := s.amountDue(ctx, cust, t)
	if err != nil {
		return "", err
	}
	if secret, ok := s.reusableIntent(ctx, mine, due, currency); ok {
		return secret, nil
	}
	pi, err := s.newIntent(ctx, cust, t, due, currency, len(mine))
	if err != nil {
		return "", err
	}
	stored, _, err := s.store.Insert(ctx, domain.Payment{
		StripePaymentID: pi.ID,
		UserID:          cust.UserID,
		ContactID:       cust.ContactID,
		AccountID:       cust.AccountID,
		ParentID:        t.id,
		ParentModule:    t.module,
		AmountMinor:     pi.Amount,
		Currency:        string(pi.Currency),
		PaymentMethod:   "card",
		Status:          domain.PaymentPending,
	})
	if err != nil {
		return "", fmt.Errorf("store payment %s: %w", pi.ID, err)
	}
	if stored.ParentID != t.id || stored.UserID != cust.UserID {
		// Only possible if Stripe reused an id: never hand out someone else's secret.
		return "", domain.Errorf(domain.ECONFLICT, "the payment could not be started, please retry")
	}
	return pi.ClientSecret, nil
}

// intentTarget is the record a payment is for; field names the request
// field errors point at.
type intentTarget struct {
	module, id, field string
	rec               Payable
}

// payableTarget loads the requested record, in the customer's scope, and
// checks that its status may be paid online.
func (s *Service) payableTarget(ctx context.Context, cust domain.Customer, req IntentRequest) (intentTarget, error) {
	module, id, field, err := pickRecord(req)
	if err != nil {
		return intentTarget{}, err
	}
	rec, err := s.crm.Get(ctx, module, id)
	if err != nil {
		return intentTarget{}, err
	}
	if !inScope(rec, cust) {
		return intentTarget{}, domain.NotFound(recordWhat(module))
	}
	paidStatus, payable := s.cfg.PaidInvoiceStatus, s.cfg.PayableInvoiceStatuses
	if module == SalesOrder {
		paidStatus, payable = s.cfg.PaidSOStatus, s.cfg.PayableSOStatuses
	}
	if strings.EqualFold(rec.Status, paidStatus) {
		return intentTarget{}, domain.Invalid(field, "this %s is already paid", recordWhat(module))
	}
	if !slices.ContainsFunc(payable, func(st string) bool { return strings.EqualFold(st, rec.Status) }) {
		return intentTarget{}, domain.Invalid(field, "a %s in status %q cannot be paid online", recordWhat(module), rec.Status)
	}
	return intentTarget{module: module, id: id, field: field, rec: rec}, nil
}

// amountDue is what is still to pay on the record, in minor units of its
// (lower-case) currency, with the customer's earlier payments on it.
func (s *Service) amountDue(ctx context.Context, cust domain.Customer, t intentTarget) (due int64, currency string, mine []domain.Payment, err error) {
	what := recordWhat(t.module)
	if t.rec.CurrencyCode == "" {
		return 0, "", nil, domain.Errorf(domain.EUPSTREAM, "the %s has no currency in the CRM", what)
	}
	currency = strings.ToLower(t.rec.CurrencyCode)
	total, err := ToMinor(t.rec.GrandTotal, currency)
	if err != nil {
		return 0, "", nil, domain.Wrap(domain.EUPSTREAM, err, "the %s total in the CRM is not a number", what)
	}
	received, err := ToMinor(t.rec.Received, currency)
	if err != nil {
		return 0, "", nil, domain.Wrap(domain.EUPSTREAM, err, "the %s received amount in the CRM is not a number", what)
	}
	// Summed in the store, not from a page of the customer's history: a
	// customer with many payments must never be asked to pay twice.
	portalPaid, err := s.store.SucceededTotal(ctx, t.id, currency)
	if err != nil {
		return 0, "", nil, fmt.Errorf("sum payments of %s: %w", t.id, err)
	}
	mine, err = s.store.ListByParentUser(ctx, t.id, cust.UserID)
	if err != nil {
		return 0, "", nil, fmt.Errorf("list payments of %s: %w", t.id, err)
	}
	// Staff may record our card payments in "received" too: the larger of
	// the two is what is certainly paid, never their sum.
	due = total - max(received, portalPaid)
	if due <= 0 {
		return 0, "", nil, domain.Invalid(t.field, "this %s is already paid", what)
	}
	return due, currency, mine, nil
}

// newIntent asks Stripe for a PaymentIntent of due; attempts (the
// customer's earlier payments on the record) keys its idempotency.
func (s *Service) newIntent(ctx context.Context, cust domain.Customer, t intentTarget, due int64, currency string, attempts int) (*stripe.PaymentIntent, error) {
	params := &stripe.PaymentIntentParams{
		Amount:             stripe.Int64(due),
		Currency:           stripe.String(currency),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		Description:        stripe.String(strings.TrimSpace(t.module + " " + t.rec.Number + " " + t.rec.Subject)),
	}
	params.Context = ctx
	params.AddMetadata(MetaRecordID, t.id)
	params.AddMetadata(MetaModule, t.module)
	params.AddMetadata(MetaUserID, strconv.FormatInt(cust.UserID, 10))
	params.AddMetadata(MetaContactID, cust.ContactID)
	params.AddMetadata(MetaAccountID, cust.AccountID)
	// A double click sends the same key, so Stripe answers with the same
	// intent; a new attempt after a failed one gets a new key.
	params.SetIdempotencyKey(idempotencyKey(t.id, due, currency, cust.UserID, attempts))
	pi, err := s.intents.New(params)
	if err != nil {
		return nil, stripeErr(err, "payment")
	}
	return pi, nil
}

// reusableIntent finds, among the user's payments on the record (mine), an
// open intent for the same amount and returns its secret, so reloading the
// page does not pile up intents. Stripe is asked for the live state; anything doubtful is skipped.
func (s *Service) reusableIntent(ctx context.Context, mine []domain.Payment, due int64, currency string) (string, bool) {
	for _, p := range mine {
		if p.AmountMinor != due || p.Currency != currency {
			continue
		}
		switch p.Status {
		case domain.PaymentPending, domain.PaymentCreated, domain.PaymentRequiresPaymentMethod,
			domain.PaymentRequiresConfirmation, domain.PaymentRequiresAction:
		default:
			continue
		}
		if s.now().Sub(p.CreatedAt) > 23*time.Hour {
			continue
		}
		params := &stripe.PaymentIntentParams{}
		params.Context = ctx
		pi, err := s.intents.Get(p.StripePaymentID, params)
		if err != nil {
			s.log.WarnContext(ctx, "payments: cannot look up open intent, creating a new one", "intent", p.StripePaymentID, "err", err)
			continue
		}
		switch pi.Status {
		case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusRequiresConfirmation,
			stripe.PaymentIntentStatusRequiresAction:
			if pi.Amount == due && string(pi.Currency) == currency && pi.ClientSecret != "" {
				return pi.ClientSecret, true
			}
		}
	}
	return "", false
}

// Webhook verifies and handles one Stripe event. An error that is a
// domain EBADREQUEST means "reject with 400"; any other error asks Stripe
// to deliver again.
func (s *Service) Webhook(ctx context.Context, payload []byte, signature string) error {
	if s.cfg.WebhookSecret == "" {
		return domain.Errorf(domain.EUNAVAILABLE, "webhooks are not configured")
	}
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.cfg.WebhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return domain.Wrap(domain.EBADREQUEST, err, "invalid Stripe signature or payload")
	}
	if ev.ID == "" || ev.Data == nil {
		return domain.Errorf(domain.EBADREQUEST, "the event has no id or data")
	}
	first, err := s.store.RecordStripeEvent(ctx, ev.ID, string(ev.Type))
	if err != nil {
		return fmt.Errorf("record stripe event %s: %w", ev.ID, err)
	}
	if !strings.HasPrefix(string(ev.Type), "payment_intent.") {
		return nil
	}
	status, ok := eventStatus(string(ev.Type))
	if !ok {
		return nil
	}
	// A redelivered event changes nothing, except that success is always
	// re-applied: it is idempotent, and it heals a first delivery that was
	// recorded but failed before marking the payment.
	if !first && status != domain.PaymentSucceeded {
		return nil
	}
	var pi stripe.PaymentIntent
	if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil || pi.ID == "" {
		return domain.Errorf(domain.EBADREQUEST, "the event does not carry a PaymentIntent")
	}
	if _, err := s.store.ByStripeID(ctx, pi.ID); err != nil {
		if !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		if _, err := s.adopt(ctx, &pi); err != nil {
			if errors.Is(err, errNotOurs) {
				s.log.InfoContext(ctx, "payments: ignoring event for an intent the portal did not create", "intent", pi.ID, "event", ev.ID)
				return nil
			}
			return err
		}
	}
	_, err = s.apply(ctx, &pi, status)
	return err
}

// eventStatus maps the event types we act on.
func eventStatus(t string) (domain.PaymentStatus, bool) {
	switch t {
	case "payment_intent.succeeded":
		return domain.PaymentSucceeded, true
	case "payment_intent.payment_failed":
		return domain.PaymentFailed, true
	case "payment_intent.canceled":
		return domain.PaymentCancelled, true
	case "payment_intent.processing":
		return domain.PaymentProcessing, true
	case "payment_intent.requires_action":
		return domain.PaymentRequiresAction, true
	}
	return 0, false
}

var errNotOurs = errors.New("payments: intent metadata names no portal record")

// adopt stores a payment row for an intent the portal created but has no
// row for (the insert after creating it failed, or the row was lost),
// using only the intent's server-set metadata.
func (s *Service) adopt(ctx context.Context, pi *stripe.PaymentIntent) (domain.Payment, error) {
	md := pi.Metadata
	id, module := md[MetaRecordID], md[MetaModule]
	if !vtiger.ValidID(id) || (module != Invoice && module != SalesOrder) || pi.Amount <= 0 {
		return domain.Payment{}, errNotOurs
	}
	userID, _ := strconv.ParseInt(md[MetaUserID], 10, 64)
	p := domain.Payment{
		StripePaymentID: pi.ID,
		UserID:          userID,
		ContactID:       md[MetaContactID],
		AccountID:       md[MetaAccountID],
		ParentID:        id,
		ParentModule:    module,
		AmountMinor:     pi.Amount,
		Currency:        string(pi.Currency),
		PaymentMethod:   "card",
		Status:          domain.PaymentPending,
	}
	stored, _, err := s.store.Insert(ctx, p)
	if err != nil && userID != 0 {
		// The user may have been deleted since (foreign key): keep the payment anyway.
		p.UserID = 0
		stored, _, err = s.store.Insert(ctx, p)
	}
	if err != nil {
		return domain.Payment{}, fmt.Errorf("adopt payment %s: %w", pi.ID, err)
	}
	return stored, nil
}

// apply records a status Stripe reported and, for the caller that moved
// the payment to succeeded, updates Vtiger.
func (s *Service) apply(ctx context.Context, pi *stripe.PaymentIntent, status domain.PaymentStatus) (domain.Payment, error) {
	stripeID := pi.ID
	if status != domain.PaymentSucceeded {
		if _, err := s.store.UpdateStatus(ctx, stripeID, status); err != nil {
			return domain.Payment{}, fmt.Errorf("update payment %s: %w", stripeID, err)
		}
		return s.store.ByStripeID(ctx, stripeID)
	}
	row, err := s.store.ByStripeID(ctx, stripeID)
	if err != nil {
		return domain.Payment{}, err
	}
	if what := amountMismatch(row, pi); what != "" {
		return s.mismatch(ctx, row, what)
	}
	changed, err := s.store.MarkPaid(ctx, stripeID)
	if err != nil {
		return domain.Payment{}, fmt.Errorf("mark payment %s paid: %w", stripeID, err)
	}
	p, err := s.store.ByStripeID(ctx, stripeID)
	if err != nil {
		return domain.Payment{}, err
	}
	if changed && !p.CRMSynced {
		// A CRM failure is not the caller's failure: the payment is safely
		// recorded and the retry job finishes the CRM side.
		if err := s.syncCRM(ctx, p); err == nil {
			p.CRMSynced = true
		}
	}
	return p, nil
}

// amountMismatch says how a succeeded intent differs from what the portal
// asked for ("" when it does not). Stripe signs what it charged, so this
// catches a leaked webhook secret or an amount changed server-side.
func amountMismatch(p domain.Payment, pi *stripe.PaymentIntent) string {
	if pi.AmountReceived == p.AmountMinor && strings.EqualFold(string(pi.Currency), p.Currency) {
		return ""
	}
	return fmt.Sprintf("Stripe reported %s %s received, the payment is for %s %s",
		FormatMinor(pi.AmountReceived, string(pi.Currency)), strings.ToUpper(string(pi.Currency)),
		FormatMinor(p.AmountMinor, p.Currency), strings.ToUpper(p.Currency))
}

// mismatch records a succeeded intent with the wrong amount: the payment
// is not marked paid and the CRM is not touched; the log and /metrics say so.
func (s *Service) mismatch(ctx context.Context, p domain.Payment, what string) (domain.Payment, error) {
	s.log.WarnContext(ctx, "payments: amount mismatch, payment NOT marked paid and CRM not updated",
		"payment", p.ID, "intent", p.StripePaymentID, "record", p.ParentID, "mismatch", what)
	if s.obs != nil {
		s.obs.PaymentAmountMismatch()
	}
	if p.Status == domain.PaymentSucceeded {
		// Already paid with the right amount: a stray event changes nothing.
		return p, nil
	}
	if _, err := s.store.RecordMismatch(ctx, p.StripePaymentID, what); err != nil {
		return domain.Payment{}, fmt.Errorf("record mismatch of payment %s: %w", p.StripePaymentID, err)
	}
	return s.store.ByStripeID(ctx, p.StripePaymentID)
}

// syncCRM sets the record's paid status and leaves the payment comment.
func (s *Service) syncCRM(ctx context.Context, p domain.Payment) error {
	// Detached from the request: Stripe hanging up must not abort a CRM
	// update half-way.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	module := p.ParentModule
	if module == "" {
		module = Invoice
	}
	status := s.cfg.PaidInvoiceStatus
	if module == SalesOrder {
		status = s.cfg.PaidSOStatus
	}
	err := s.crm.MarkPaid(ctx, module, p.ParentID, status)
	if err == nil {
		note := fmt.Sprintf("Paid by card: %s %s, Stripe payment %s",
			FormatMinor(p.AmountMinor, p.Currency), strings.ToUpper(p.Currency), p.StripePaymentID)
		err = s.crm.AddPaymentComment(ctx, p.ParentID, p.StripePaymentID, note)
	}
	if err != nil {
		s.log.WarnContext(ctx, "payments: CRM update pending, will retry", "payment", p.ID, "intent", p.StripePaymentID,
			"record", p.ParentID, "err", err)
		if rerr := s.store.RecordCRMFailure(ctx, p.ID, err.Error()); rerr != nil {
			s.log.ErrorContext(ctx, "payments: cannot record CRM failure", "payment", p.ID, "err", rerr)
		}
		return err
	}
	if err := s.store.MarkCRMSynced(ctx, p.ID); err != nil {
		return fmt.Errorf("mark payment %d synced: %w", p.ID, err)
	}
	s.log.InfoContext(ctx, "payments: CRM updated", "payment", p.ID, "record", p.ParentID, "status", status)
	return nil
}

// SyncPending retries the CRM update of paid payments Vtiger has not been
// told about; the background job calls it. It returns how many it finished.
func (s *Service) SyncPending(ctx context.Context) (int, error) {
	pending, err := s.store.PendingCRMSync(ctx, 50)
	if err != nil {
		return 0, fmt.Errorf("list payments pending crm sync: %w", err)
	}
	synced := 0
	var errs []error
	for _, p := range pending {
		if ctx.Err() != nil {
			break
		}
		if err := s.syncCRM(ctx, p); err != nil {
			errs = append(errs, err)
			continue
		}
		synced++
	}
	return synced, errors.Join(errs...)
}

var intentIDPattern = regexp.MustCompile(`^pi_[A-Za-z0-9]{1,250}$`)

// Confirm records the real state of a PaymentIntent the browser says it
// finished. Only the id is taken from the client; the status comes from
// Stripe, and the intent must be the customer's.
func (s *Service) Confirm(ctx context.Context, cust domain.Customer, intentID string) (domain.Payment, error) {
	intentID = strings.TrimSpace(intentID)
	if !intentIDPattern.MatchString(intentID) {
		return domain.Payment{}, domain.Invalid("id", "a PaymentIntent id (pi_…) is required")
	}
	row, err := s.store.ByStripeID(ctx, intentID)
	known := err == nil
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.Payment{}, err
	}
	if known && !ownsPayment(row, cust) {
		return domain.Payment{}, domain.NotFound("payment")
	}
	params := &stripe.PaymentIntentParams{}
	params.Context = ctx
	pi, err := s.intents.Get(intentID, params)
	if err != nil {
		return domain.Payment{}, stripeErr(err, "payment")
	}
	if !known {
		if pi.Metadata[MetaUserID] != strconv.FormatInt(cust.UserID, 10) || cust.UserID == 0 {
			return domain.Payment{}, domain.NotFound("payment")
		}
		if _, err := s.adopt(ctx, pi); err != nil {
			if errors.Is(err, errNotOurs) {
				return domain.Payment{}, domain.NotFound("payment")
			}
			return domain.Payment{}, err
		}
	}
	status := domain.PaymentStatusFromStripe(string(pi.Status))
	return s.apply(ctx, pi, status)
}

// List returns a page (1-based) of the customer's payments, newest first:
// the whole account's when the customer has one, else the user's own.
func (s *Service) List(ctx context.Context, cust domain.Customer, page, size int) ([]domain.Payment, int, error) {
	page, size = max(page, 1), max(size, 1)
	if cust.AccountID != "" {
		return s.store.ListByAccount(ctx, cust.AccountID, size, (page-1)*size)
	}
	return s.store.ListByUser(ctx, cust.UserID, size, (page-1)*size)
}

func pickRecord(req IntentRequest) (module, id, field string, err error) {
	inv, so := strings.TrimSpace(req.InvoiceID), strings.TrimSpace(req.SOID)
	switch {
	case inv != "" && so != "":
		return "", "", "", domain.Invalid("so_id", "send either invoice_id or so_id, not both")
	case inv != "":
		return Invoice, inv, "invoice_id", nil
	case so != "":
		return SalesOrder, so, "so_id", nil
	}
	return "", "", "", domain.Invalid("invoice_id", "invoice_id or so_id is required")
}

func recordWhat(module string) string {
	if module == SalesOrder {
		return "sales order"
	}
	return "invoice"
}

// inScope is the portal's ownership rule for inventory records.
func inScope(rec Payable, cust domain.Customer) bool {
	if cust.AccountID != "" && rec.AccountID == cust.AccountID {
		return true
	}
	return cust.ContactID != "" && rec.ContactID == cust.ContactID
}

func ownsPayment(p domain.Payment, cust domain.Customer) bool {
	if cust.UserID != 0 && p.UserID == cust.UserID {
		return true
	}
	return cust.AccountID != "" && p.AccountID == cust.AccountID
}

func idempotencyKey(id string, amount int64, currency string, userID int64, attempt int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "portal-intent|%s|%d|%s|%d|%d", id, amount, currency, userID, attempt))
	return "portal-" + hex.EncodeToString(h[:16])
}

// stripeErr turns a Stripe failure into a domain error without leaking
// Stripe's request details.
func stripeErr(err error, what string) error {
	var se *stripe.Error
	if errors.As(err, &se) {
		switch {
		case se.HTTPStatusCode == http.StatusNotFound:
			return domain.NotFound(what)
		case se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.Msg != "":
			return domain.Wrap(domain.EUPSTREAM, err, "the payment provider refused: %s", se.Msg)
		case se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500:
			return domain.Wrap(domain.EUPSTREAM, err, "the payment provider refused the request")
		}
	}
	return domain.Wrap(domain.EUNAVAILABLE, err, "the payment provider is not reachable, please retry")
}
