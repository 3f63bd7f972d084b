package crm

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Payable modules: the two record types a customer can pay by card.
const (
	PayableInvoice    = "Invoice"
	PayableSalesOrder = "SalesOrder"
)

// PayableClient is the part of the vtiger client the payable repository uses.
type PayableClient interface {
	Retrieve(ctx context.Context, id string) (vtiger.Record, error)
	Revise(ctx context.Context, element map[string]any) (vtiger.Record, error)
	Create(ctx context.Context, module string, element map[string]any) (vtiger.Record, error)
	Describe(ctx context.Context, module string) (*vtiger.Module, error)
	Query(ctx context.Context, q *vtiger.Select) ([]vtiger.Record, error)
}

var _ PayableClient = (*vtiger.Client)(nil)

// PayableRecord is what the payment flow needs to know about an Invoice or
// SalesOrder. Money stays a decimal string as Vtiger sends it
// ("1234.50000000") so no float ever touches an amount.
type PayableRecord struct {
	ID           string
	Module       string // PayableInvoice or PayableSalesOrder
	Number       string // invoice_no / salesorder_no
	Subject      string
	AccountID    string
	ContactID    string
	Status       string // invoicestatus or sostatus
	GrandTotal   string // hdnGrandTotal
	Received     string // Invoice only: what the CRM already records as received
	CurrencyCode string // ISO 4217 as the CRM's Currency record has it, e.g. "EUR"
}

// PayableRepo reads payable records and tells Vtiger when one was paid.
type PayableRepo struct {
	c             PayableClient
	defaultUser   string
	currencyTTL   time.Duration
	mu            sync.Mutex
	currencyCache map[string]payableCurrency
}

type payableCurrency struct {
	code    string
	expires time.Time
}

// NewPayableRepo returns the repository. defaultUser is the Vtiger Users id
// (e.g. "19x1") that owns the payment comments it writes.
func NewPayableRepo(c PayableClient, defaultUser string) *PayableRepo {
	return &PayableRepo{c: c, defaultUser: defaultUser, currencyTTL: time.Hour, currencyCache: map[string]payableCurrency{}}
}

// PayableValidID reports whether id has the webservice id shape NNxNN.
func PayableValidID(id string) bool { return vtiger.ValidID(id) }

// PayableStatusField is the status field of module that the paid status goes to.
func PayableStatusField(module string) string {
	if module == PayableSalesOrder {
		return "sostatus"
	}
	return "invoicestatus"
}

// Get returns the Invoice or SalesOrder id. An id of another module, a
// malformed id and a missing record are all ENOTFOUND, so a probe cannot
// tell them apart. It does not check the customer's scope: the caller does.
func (r *PayableRepo) Get(ctx context.Context, module, id string) (PayableRecord, error) {
	what := strings.ToLower(module)
	if module == PayableSalesOrder {
		what = "sales order"
	}
	if module != PayableInvoice && module != PayableSalesOrder {
		return PayableRecord{}, domain.Invalid("module", "module %q cannot be paid", module)
	}
	if !PayableValidID(id) {
		return PayableRecord{}, domain.NotFound(what)
	}
	m, err := r.c.Describe(ctx, module)
	if err != nil {
		return PayableRecord{}, vtiger.DomainError(err, what)
	}
	// Retrieve answers for any module; the prefix pins the id to this one.
	if m.IDPrefix != "" && !strings.HasPrefix(id, m.IDPrefix+"x") {
		return PayableRecord{}, domain.NotFound(what)
	}
	rec, err := r.c.Retrieve(ctx, id)
	if err != nil {
		return PayableRecord{}, vtiger.DomainError(err, what)
	}
	p := PayableRecord{
		ID:         id,
		Module:     module,
		Subject:    payableString(rec, "subject"),
		AccountID:  payableString(rec, "account_id"),
		ContactID:  payableString(rec, "contact_id"),
		Status:     payableString(rec, PayableStatusField(module)),
		GrandTotal: payableString(rec, "hdnGrandTotal"),
	}
	if module == PayableInvoice {
		p.Number = payableString(rec, "invoice_no")
		p.Received = payableString(rec, "received")
	} else {
		p.Number = payableString(rec, "salesorder_no")
	}
	if cur := payableString(rec, "currency_id"); cur != "" {
		code, err := r.currencyCode(ctx, cur)
		if err != nil {
			return PayableRecord{}, err
		}
		p.CurrencyCode = code
	}
	return p, nil
}

// currencyCode resolves a Currency record id to its ISO code; currencies
// almost never change, so answers are cached for an hour.
func (r *PayableRepo) currencyCode(ctx context.Context, id string) (string, error) {
	r.mu.Lock()
	c, ok := r.currencyCache[id]
	r.mu.Unlock()
	if ok && time.Now().Before(c.expires) {
		return c.code, nil
	}
	rec, err := r.c.Retrieve(ctx, id)
	if err != nil {
		return "", vtiger.DomainError(err, "currency")
	}
	code := strings.ToUpper(strings.TrimSpace(payableString(rec, "currency_code")))
	if code == "" {
		return "", domain.Errorf(domain.EUPSTREAM, "the CRM currency %s has no currency code", id)
	}
	r.mu.Lock()
	r.currencyCache[id] = payableCurrency{code: code, expires: time.Now().Add(r.currencyTTL)}
	r.mu.Unlock()
	return code, nil
}

// MarkPaid sets the record's status field (only the one of its module) to status.
func (r *PayableRepo) MarkPaid(ctx context.Context, module, id, status string) error {
	if !PayableValidID(id) {
		return domain.Invalid("parent_id", "malformed record id %q", id)
	}
	_, err := r.c.Revise(ctx, map[string]any{"id": id, PayableStatusField(module): status})
	if err != nil {
		return fmt.Errorf("set %s %s to %q: %w", module, id, status, vtiger.DomainError(err, strings.ToLower(module)))
	}
	return nil
}

// AddPaymentComment adds a ModComments comment to the record once: when a
// comment containing marker (the PaymentIntent id) already exists, as after
// a retry whose first attempt got as far as the comment, it does nothing.
func (r *PayableRepo) AddPaymentComment(ctx context.Context, relatedTo, marker, content string) error {
	if !PayableValidID(relatedTo) {
		return domain.Invalid("parent_id", "malformed record id %q", relatedTo)
	}
	if marker != "" {
		q := vtiger.NewSelect("id", "commentcontent").From("ModComments").
			Where(vtiger.Eq("related_to", relatedTo)).Limit(0, 100)
		rows, err := r.c.Query(ctx, q)
		if err != nil {
			return fmt.Errorf("look for payment comment on %s: %w", relatedTo, vtiger.DomainError(err, "comment"))
		}
		for _, row := range rows {
			if strings.Contains(payableString(row, "commentcontent"), marker) {
				return nil
			}
		}
	}
	el := map[string]any{"commentcontent": content, "related_to": relatedTo}
	if r.defaultUser != "" {
		el["assigned_user_id"] = r.defaultUser
	}
	if _, err := r.c.Create(ctx, "ModComments", el); err != nil {
		return fmt.Errorf("add payment comment to %s: %w", relatedTo, vtiger.DomainError(err, "comment"))
	}
	return nil
}

// payableString reads a record value as a string; references may come as
// {"value": id} objects on some versions, and empty references as nil.
func payableString(rec vtiger.Record, k string) string {
	switch v := rec[k].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case map[string]any:
		if s, ok := v["value"].(string); ok {
			return s
		}
		return ""
	default:
		return strings.TrimSpace(fmt.Sprint(v))
	}
}
