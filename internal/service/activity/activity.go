// Package activity is the trail of portal writes: recording what the
// delivery layer observed, reading it back for a customer within their
// organisation (and only there), for operators, and pruning it after the
// retention period.
package activity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// Store is where entries live (postgres.ActivityStore). It has no update.
type Store interface {
	Insert(ctx context.Context, a *domain.Activity) error
	List(ctx context.Context, q domain.ActivityQuery) ([]domain.Activity, int, error)
	DeleteBefore(ctx context.Context, cutoff time.Time) (int64, error)
}

var _ Store = (*postgres.ActivityStore)(nil)

// Service records and reads the trail.
type Service struct {
	store     Store
	retention time.Duration
	private   []string
	now       func() time.Time
}

// New builds the service. Entries of the personal modules and of modules
// configured with visibility "contact" are shown only to the contact who
// wrote them; everything else to the whole organisation.
func New(store Store, cfg config.Config) (*Service, error) {
	if store == nil {
		return nil, errors.New("activity: nil store")
	}
	private := slices.Clone(domain.PersonalActivityModules)
	for name, m := range cfg.Vtiger.Business.Modules {
		if strings.EqualFold(m.Visibility, "contact") {
			private = append(private, name)
			// Records seen through this one are as private as it is.
			private = append(private, ChildModules[name]...)
		}
	}
	slices.Sort(private)
	return &Service{store: store, retention: cfg.Audit.Retention, private: private, now: time.Now}, nil
}

// ChildModules are the modules whose records are visible through a parent
// module's (the module engine's visibility "parent"): ProjectTask through
// Project. A parent configured visibility "contact" makes them private too.
var ChildModules = map[string][]string{"Project": {"ProjectTask"}}

// Record appends one entry.
func (s *Service) Record(ctx context.Context, a domain.Activity) error {
	if a.UserID == 0 || a.Method == "" || a.Route == "" {
		return domain.Errorf(domain.EINTERNAL, "activity entry without user, method or route")
	}
	return s.store.Insert(ctx, &a)
}

// ForCustomer lists the trail c may see, newest first: their organisation's
// entries (their own only, without an organisation), optionally of one
// record. page is 1-based.
func (s *Service) ForCustomer(ctx context.Context, c domain.Customer, recordID string, page, size int) ([]domain.Activity, int, error) {
	if c.ContactID == "" {
		return []domain.Activity{}, 0, nil
	}
	page, size = max(page, 1), max(size, 1)
	return s.store.List(ctx, domain.ActivityQuery{
		Scoped: true, AccountID: c.AccountID, ContactID: c.ContactID, PrivateModules: s.private,
		RecordID: recordID, Limit: size, Offset: (page - 1) * size,
	})
}

// Search is the operators' unscoped view (portal audit list).
func (s *Service) Search(ctx context.Context, email string, since time.Time, limit int) ([]domain.Activity, int, error) {
	return s.store.List(ctx, domain.ActivityQuery{Email: strings.TrimSpace(email), Since: since, Limit: limit})
}

// Prune deletes the entries older than the retention period.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	if s.retention <= 0 {
		return 0, nil
	}
	return s.store.DeleteBefore(ctx, s.now().Add(-s.retention))
}
