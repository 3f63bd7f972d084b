package jobs

import (
	"context"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// Job names registered by AddStandard.
const (
	NameNotificationImport = "notification-import"
	NameTokenCleanup       = "token-cleanup"
	NamePaymentCRMSync     = "payment-crm-sync"
	NameTicketAnswerMail   = "ticket-answer-mail"
	NameActivityPrune      = "activity-prune"
	NameIdempotencyCleanup = "idempotency-cleanup"
)

// TokenCleaner deletes expired tokens (postgres.TokenStore).
type TokenCleaner interface {
	DeleteExpired(ctx context.Context) (int64, error)
}

var (
	_ TokenCleaner = (*postgres.TokenStore)(nil)
	_ TokenCleaner = (*postgres.IdempotencyStore)(nil)
)

// PaymentSyncer finishes CRM updates of paid payments (payments.Service).
type PaymentSyncer interface {
	SyncPending(ctx context.Context) (int, error)
}

// NotificationImporter imports CRM notifications (notifications.Service).
type NotificationImporter interface {
	Import(ctx context.Context) (int, error)
}

// TicketAnswerMailer mails customers about CRM answers to their tickets
// (ticketmail.Service).
type TicketAnswerMailer interface {
	Run(ctx context.Context) (int, error)
}

// ActivityPruner deletes activity-trail entries past audit.retention
// (activity.Service).
type ActivityPruner interface {
	Prune(ctx context.Context) (int64, error)
}

// Standard is the portal's usual job set; nil members are not scheduled.
type Standard struct {
	Jobs          config.Jobs
	Notifications config.Notifications // Import runs only when Enabled
	Tokens        TokenCleaner
	Idempotency   TokenCleaner  // expired Idempotency-Key answers, on the token-cleanup interval
	Payments      PaymentSyncer // nil when payments are disabled
	Importer      NotificationImporter
	TicketMail    TicketAnswerMailer // nil when email.sendTicketEmail is off
	Audit         config.Audit
	Activity      ActivityPruner
}

// AddStandard registers the standard jobs with their configured intervals.
func (r *Runner) AddStandard(s Standard) {
	if s.Tokens != nil && s.Jobs.TokenCleanupInterval > 0 {
		r.Add(NameTokenCleanup, KeyTokenCleanup, s.Jobs.TokenCleanupInterval, func(ctx context.Context) error {
			_, err := s.Tokens.DeleteExpired(ctx)
			return err
		})
	}
	if s.Idempotency != nil && s.Jobs.TokenCleanupInterval > 0 {
		r.Add(NameIdempotencyCleanup, KeyIdempotencyCleanup, s.Jobs.TokenCleanupInterval, func(ctx context.Context) error {
			_, err := s.Idempotency.DeleteExpired(ctx)
			return err
		})
	}
	if s.Payments != nil && s.Jobs.PaymentRetryInterval > 0 {
		r.Add(NamePaymentCRMSync, KeyPaymentCRMSync, s.Jobs.PaymentRetryInterval, func(ctx context.Context) error {
			_, err := s.Payments.SyncPending(ctx)
			return err
		})
	}
	if s.TicketMail != nil && s.Jobs.TicketEmailInterval > 0 {
		r.Add(NameTicketAnswerMail, KeyTicketAnswerMail, s.Jobs.TicketEmailInterval, func(ctx context.Context) error {
			_, err := s.TicketMail.Run(ctx)
			return err
		})
	}
	if s.Activity != nil && s.Audit.Retention > 0 && s.Audit.PruneInterval > 0 {
		r.Add(NameActivityPrune, KeyActivityPrune, s.Audit.PruneInterval, func(ctx context.Context) error {
			_, err := s.Activity.Prune(ctx)
			return err
		})
	}
	if s.Importer != nil && s.Notifications.Enabled && s.Notifications.Interval > 0 {
		r.Add(NameNotificationImport, KeyNotificationImport, s.Notifications.Interval, func(ctx context.Context) error {
			_, err := s.Importer.Import(ctx)
			return err
		})
	}
}
