// Package notifications shows portal users their notifications and imports
// them from the Vtiger module a CRM workflow fills (e.g. PortalNotifications).
//
// Import fans every CRM record out to its recipients: the portal user of
// the record's contact when it names one, otherwise every portal user of
// its account. Rows are unique per (CRM id, user), so importing a record
// again never duplicates it and a dismissed one stays dismissed.
//
// Progress: the import reads records modified at or after a watermark.
// The watermark is the newest modifiedtime seen, kept in memory; after a
// start it is "now minus Lookback" (30 days by default). Re-reading a
// window is harmless because inserts are idempotent, so no watermark table
// is needed, several instances (each with its own memory) stay correct,
// and a CRM clock or time-zone skew within the window loses nothing.
package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// Store keeps per-user notifications (postgres.NotificationStore).
type Store interface {
	InsertForRecipients(ctx context.Context, n domain.NotificationInput, userIDs []int64) (int, error)
	ListForUser(ctx context.Context, userID int64, limit, offset int) ([]domain.Notification, int, int, error)
	MarkRead(ctx context.Context, userID, id int64) error
}

var _ Store = (*postgres.NotificationStore)(nil)

// Users finds the recipients (postgres.UserStore).
type Users interface {
	ByContactID(ctx context.Context, contactID string) (*domain.User, error)
	ListByAccount(ctx context.Context, accountID string) ([]domain.User, error)
}

var _ Users = (*postgres.UserStore)(nil)

// Source reads the CRM notifications module (VtigerSource).
type Source interface {
	Module() string
	Since(ctx context.Context, since string) ([]Record, error)
}

// Options wire a Service. Source may be nil when importing is disabled.
type Options struct {
	Store    Store
	Users    Users
	Source   Source
	Logger   *slog.Logger
	Lookback time.Duration    // first import window; default 30 days
	Now      func() time.Time // nil = time.Now
}

// Service lists, marks read and imports notifications.
type Service struct {
	store    Store
	users    Users
	src      Source
	log      *slog.Logger
	lookback time.Duration
	now      func() time.Time

	importMu  sync.Mutex // one import at a time per process
	watermark string     // newest modifiedtime imported, CRM format
}

// New builds the service.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Users == nil {
		return nil, errors.New("notifications: Store and Users are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Lookback <= 0 {
		o.Lookback = 30 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: o.Store, users: o.Users, src: o.Source, log: o.Logger, lookback: o.Lookback, now: o.Now}, nil
}

// List returns a page (1-based) of the user's notifications, newest first,
// with the total and the unread count.
func (s *Service) List(ctx context.Context, cust domain.Customer, page, size int) (items []domain.Notification, total, unread int, err error) {
	page, size = max(page, 1), max(size, 1)
	return s.store.ListForUser(ctx, cust.UserID, size, (page-1)*size)
}

// MarkRead marks one of the user's notifications read; another user's id
// is ENOTFOUND.
func (s *Service) MarkRead(ctx context.Context, cust domain.Customer, id int64) error {
	if id <= 0 {
		return domain.NotFound("notification")
	}
	return s.store.MarkRead(ctx, cust.UserID, id)
}

// Import pulls new and changed records from the CRM module and stores them
// for their recipients; imported counts new rows (per user).
func (s *Service) Import(ctx context.Context) (imported int, err error) {
	if s.src == nil {
		return 0, domain.Errorf(domain.EUNAVAILABLE, "notifications import is not configured")
	}
	s.importMu.Lock()
	defer s.importMu.Unlock()
	since := s.watermark
	if since == "" {
		since = s.now().Add(-s.lookback).UTC().Format(time.DateTime)
	}
	recs, err := s.src.Since(ctx, since)
	if err != nil {
		return 0, fmt.Errorf("notifications import: %w", err)
	}
	newest := s.watermark
	for _, r := range recs {
		users, err := s.recipients(ctx, r)
		if err != nil {
			return imported, fmt.Errorf("notifications import %s: %w", r.CRMID, err)
		}
		n, err := s.store.InsertForRecipients(ctx, domain.NotificationInput{
			CRMID:          r.CRMID,
			AccountID:      r.AccountID,
			ContactID:      r.ContactID,
			Module:         r.RelatedModule,
			Label:          r.Label,
			Description:    r.Description,
			RelatedID:      r.RelatedID,
			AssignedUserID: r.AssignedUserID,
			CreatedAt:      r.CreatedAt,
		}, users)
		if err != nil {
			return imported, fmt.Errorf("notifications import %s: %w", r.CRMID, err)
		}
		imported += n
		// Same-format timestamps ("YYYY-MM-DD HH:MM:SS") order as strings.
		if r.ModifiedTime > newest {
			newest = r.ModifiedTime
		}
	}
	// Only a fully processed batch moves the watermark, so a failure half
	// way re-reads the rest next time.
	s.watermark = newest
	if imported > 0 {
		s.log.InfoContext(ctx, "notifications imported", "module", s.src.Module(), "records", len(recs), "rows", imported)
	}
	return imported, nil
}

// recipients are the contact's user when the record names a contact, else
// every user of its account. A contact without a portal user gets nothing.
func (s *Service) recipients(ctx context.Context, r Record) ([]int64, error) {
	if r.ContactID != "" {
		u, err := s.users.ByContactID(ctx, r.ContactID)
		if errors.Is(err, domain.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		// A contact who moved to another organisation must not see the old one's notes.
		if r.AccountID != "" && u.AccountID != "" && u.AccountID != r.AccountID {
			return nil, nil
		}
		return []int64{u.ID}, nil
	}
	if r.AccountID == "" {
		return nil, nil
	}
	users, err := s.users.ListByAccount(ctx, r.AccountID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(users))
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	slices.Sort(ids)
	return ids, nil
}
