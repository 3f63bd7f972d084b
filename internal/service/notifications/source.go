package notifications

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// VtigerClient is the part of the vtiger client VtigerSource reads with.
type VtigerClient interface {
	QueryAll(ctx context.Context, q *vtiger.Select, max int) ([]vtiger.Record, error)
	Describe(ctx context.Context, module string) (*vtiger.Module, error)
}

var _ VtigerClient = (*vtiger.Client)(nil)

// Record is one CRM notification record, mapped.
type Record struct {
	CRMID          string
	Label          string
	Description    string
	AccountID      string
	ContactID      string
	RelatedID      string
	RelatedModule  string // module of RelatedID, "" when unknown
	AssignedUserID string
	CreatedAt      time.Time // zero when the CRM gave none
	ModifiedTime   string    // as the CRM sends it, the importer's watermark
}

// prefixModules are the modules whose id prefixes the source
// learns, to name the module a notification is about.
var prefixModules = []string{"HelpDesk", "Invoice", "SalesOrder", "Quotes", "Project",
	"ProjectTask", "ServiceContracts", "Assets", "Documents", "Faq", "Products", "Services"}

// VtigerSource reads the notifications module a Vtiger workflow fills.
type VtigerSource struct {
	c      VtigerClient
	module string
	fields map[string]string
	max    int

	mu       sync.Mutex
	prefixes map[string]string // id prefix → module, learnt once
}

var _ Source = (*VtigerSource)(nil)

// NewVtigerSource reads module with the field mapping fields (portal key →
// Vtiger field, complete: notifications.fields over its defaults).
func NewVtigerSource(c VtigerClient, module string, fields map[string]string) *VtigerSource {
	return &VtigerSource{c: c, module: module, fields: fields, max: 5000}
}

// Module is the Vtiger module read.
func (s *VtigerSource) Module() string { return s.module }

// Since returns the records modified at or after since (Vtiger's
// "YYYY-MM-DD HH:MM:SS"; "" = all), oldest first.
func (s *VtigerSource) Since(ctx context.Context, since string) ([]Record, error) {
	q := vtiger.NewSelect().From(s.module).OrderBy("modifiedtime", false)
	if since != "" {
		q = q.Where(vtiger.Ge("modifiedtime", since))
	}
	rows, err := s.c.QueryAll(ctx, q, s.max)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.module, vtiger.DomainError(err, "notification"))
	}
	prefixes := s.prefixMap(ctx)
	out := make([]Record, 0, len(rows))
	for _, row := range rows {
		id := row.Text("id")
		if id == "" {
			continue
		}
		n := Record{
			CRMID:          id,
			Label:          row.Text(s.fields["label"]),
			Description:    row.Text(s.fields["description"]),
			AccountID:      row.Text(s.fields["account_id"]),
			ContactID:      row.Text(s.fields["contact_id"]),
			RelatedID:      row.Text(s.fields["related_to"]),
			AssignedUserID: row.Text(s.fields["assigned_user_id"]),
			ModifiedTime:   row.Text("modifiedtime"),
		}
		if n.RelatedID != "" {
			n.RelatedModule = prefixes[vtiger.IDPrefix(n.RelatedID)]
		}
		if t, err := time.Parse(time.DateTime, row.Text("createdtime")); err == nil {
			n.CreatedAt = t.UTC()
		}
		out = append(out, n)
	}
	return out, nil
}

// prefixMap learns the id prefixes of the portal's modules once. A module
// the CRM lacks is skipped; a failure leaves the map unlearnt for next time.
func (s *VtigerSource) prefixMap(ctx context.Context) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.prefixes != nil {
		return s.prefixes
	}
	m := map[string]string{}
	failed := false
	for _, name := range prefixModules {
		d, err := s.c.Describe(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return m
			}
			failed = true // a module this CRM lacks, or the CRM is down
			continue
		}
		if d.IDPrefix != "" {
			m[d.IDPrefix] = name
		}
	}
	if !failed || len(m) > 0 {
		s.prefixes = m
	}
	return m
}
