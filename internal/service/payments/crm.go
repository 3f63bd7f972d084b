package payments

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// The two modules whose records a customer can pay by card.
const (
	Invoice    = "Invoice"
	SalesOrder = "SalesOrder"
)

// VtigerClient is the part of the vtiger client VtigerPayables uses.
type VtigerClient interface {
	Retrieve(ctx context.Context, id string) (vtiger.Record, error)
	Revise(ctx context.Context, element map[string]any) (vtiger.Record, error)
	Create(ctx context.Context, module string, element map[string]any) (vtiger.Record, error)
	Describe(ctx context.Context, module string) (*vtiger.Module, error)
	Query(ctx context.Context, q *vtiger.Select) ([]vtiger.Record, error)
}

var _ VtigerClient = (*vtiger.Client)(nil)

// Payable is what the payment flow needs to know about an Invoice or
// SalesOrder. Money stays a decimal string as Vtiger sends it
// ("1234.50000000") so no float ever touches an amount.
type Payable struct {
	ID           string
	Module       string // Invoice or SalesOrder
	Number       string // invoice_no / salesorder_no
	Subject      string
	AccountID    string
	ContactID    string
	Status       string // invoicestatus or sostatus
	GrandTotal   string // hdnGrandTotal
	Received     string // Invoice only: what the CRM already records as received
	CurrencyCode string // ISO 4217 as the CRM's Currency record has it, e.g. "EUR"
}

// VtigerPayables reads payable records and tells Vtiger when one was paid.
type VtigerPayables struct {
	c           VtigerClient
	defaultUser string
	mu          sync.Mutex
	currencies  map[string]currency // Currency record id → ISO code
}

var _ CRM = (*VtigerPayables)(nil)

// currencyTTL: currencies almost never change.
const currencyTTL = time.Hour

type currency struct {
	code    string
	expires time.Time
}

// NewVtigerPayables returns the CRM side of payments. defaultUser is the
// Vtiger Users id (e.g. "19x1") that owns the payment comments it writes.
func NewVtigerPayables(c VtigerClient, defaultUser string) *VtigerPayables {
	return &VtigerPayables{c: c, defaultUser: defaultUser, currencies: map[string]currency{}}
}

// statusField is the status field of module that the paid status goes to.
func statusField(module string) string {
	if module == SalesOrder {
		return "sostatus"
	}
	return "invoicestatus"
}

// Get returns the Invoice or SalesOrder id. An id of another module, a
// malformed id and a missing record are all ENOTFOUND, so a probe cannot
// tell them apart. It does not check the customer's scope: the caller does.
func (r *VtigerPayables) Get(ctx context.Context, module, id string) (Payable, error) {
	what := strings.ToLower(module)
	if module == SalesOrder {
		what = "sales order"
	}
	if module != Invoice && module != SalesOrder {
		return Payable{}, domain.Invalid("module", "module %q cannot be paid", module)
	}
	if !vtiger.ValidID(id) {
		return Payable{}, domain.NotFound(what)
	}
	m, err := r.c.Describe(ctx, module)
	if err != nil {
		return Payable{}, vtiger.DomainError(err, what)
	}
	// Retrieve answers for any module; the prefix pins the id to this one.
	if m.IDPrefix != "" && !strings.HasPrefix(id, m.IDPrefix+"x") {
		return Payable{}, domain.NotFound(what)
	}
	rec, err := r.c.Retrieve(ctx, id)
	if err != nil {
		return Payable{}, vtiger.DomainError(err, what)
	}
	p := Payable{
		ID:         id,
		Module:     module,
		Subject:    rec.Text("subject"),
		AccountID:  rec.Text("account_id"),
		ContactID:  rec.Text("contact_id"),
		Status:     rec.Text(statusField(module)),
		GrandTotal: rec.Text("hdnGrandTotal"),
	}
	if module == Invoice {
		p.Number = rec.Text("invoice_no")
		p.Received = rec.Text("received")
	} else {
		p.Number = rec.Text("salesorder_no")
	}
	if cur := rec.Text("currency_id"); cur != "" {
		code, err := r.currencyCode(ctx, cur)
		if err != nil {
			return Payable{}, err
		}
		p.CurrencyCode = code
	}
	return p, nil
}

// currencyCode resolves a Currency record id to its ISO code; currencies
// almost never change, so answers are cached for an hour.
func (r *VtigerPayables) currencyCode(ctx context.Context, id string) (string, error) {
	r.mu.Lock()
	c, ok := r.currencies[id]
	r.mu.Unlock()
	if ok && time.Now().Before(c.expires) {
		return c.code, nil
	}
	rec, err := r.c.Retrieve(ctx, id)
	if err != nil {
		return "", vtiger.DomainError(err, "currency")
	}
	code := strings.ToUpper(strings.TrimSpace(rec.Text("currency_code")))
	if code == "" {
		return "", domain.Errorf(domain.EUPSTREAM, "the CRM currency %s has no currency code", id)
	}
	r.mu.Lock()
	r.currencies[id] = currency{code: code, expires: time.Now().Add(currencyTTL)}
	r.mu.Unlock()
	return code, nil
}

// MarkPaid sets the record's status field (only the one of its module) to status.
func (r *VtigerPayables) MarkPaid(ctx context.Context, module, id, status string) error {
	if !vtiger.ValidID(id) {
		return domain.Invalid("parent_id", "malformed record id %q", id)
	}
	_, err := r.c.Revise(ctx, map[string]any{"id": id, statusField(module): status})
	if err != nil {
		return fmt.Errorf("set %s %s to %q: %w", module, id, status, vtiger.DomainError(err, strings.ToLower(module)))
	}
	return nil
}

// AddPaymentComment adds a ModComments comment to the record once: when a
// comment containing marker (the PaymentIntent id) already exists, as after
// a retry whose first attempt got as far as the comment, it does nothing.
func (r *VtigerPayables) AddPaymentComment(ctx context.Context, relatedTo, marker, content string) error {
	if !vtiger.ValidID(relatedTo) {
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
			if strings.Contains(row.Text("commentcontent"), marker) {
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
