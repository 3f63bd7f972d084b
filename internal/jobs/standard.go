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
		r.Add(NameTokenCleanup, KeyTokenCleanup, s.Jobs.TokenCleanupInterval, ignoreCount(s.Tokens.DeleteExpired))
	}
	if s.Idempotency != nil && s.Jobs.TokenCleanupInterval > 0 {
		r.Add(NameIdempotencyCleanup, KeyIdempotencyCleanup, s.Jobs.TokenCleanupInterval, ignoreCount(s.Idempotency.DeleteExpired))
	}
	if s.Payments != nil && s.Jobs.PaymentRetryInterval > 0 {
		r.Add(NamePaymentCRMSync, KeyPaymentCRMSync, s.Jobs.PaymentRetryInterval, ignoreCount(s.Payments.SyncPending))
	}
	if s.TicketMail != nil && s.Jobs.TicketEmailInterval > 0 {
		r.Add(NameTicketAnswerMail, KeyTicketAnswerMail, s.Jobs.TicketEmailInterval, ignoreCount(s.TicketMail.Run))
	}
	if s.Activity != nil && s.Audit.Retention > 0 && s.Audit.PruneInterval > 0 {
		r.Add(NameActivityPrune, KeyActivityPrune, s.Audit.PruneInterval, ignoreCount(s.Activity.Prune))
	}
	if s.Importer != nil && s.Notifications.Enabled && s.Notifications.Interval > 0 {
		r.Add(NameNotificationImport, KeyNotificationImport, s.Notifications.Interval, ignoreCount(s.Importer.Import))
	}
}

// ignoreCount makes a job Func of a task that also returns how many rows
// it handled: a scheduled run acts only on the error.
func ignoreCount[N int | int64](task func(context.Context) (N, error)) Func {
	return func(ctx context.Context) error {
		_, err := task(ctx)
		return err
	}
}
