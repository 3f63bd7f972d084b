package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	deliveryhttp "github.com/portalcrm/vtiger-portal/internal/delivery/http"
	"github.com/portalcrm/vtiger-portal/internal/jobs"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/metrics"
	"github.com/portalcrm/vtiger-portal/internal/pdfdoc"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/service/activity"
	"github.com/portalcrm/vtiger-portal/internal/service/documents"
	"github.com/portalcrm/vtiger-portal/internal/service/notifications"
	"github.com/portalcrm/vtiger-portal/internal/service/payments"
	"github.com/portalcrm/vtiger-portal/internal/service/ticketmail"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// services holds the wired services (filled by buildServices).
type services struct {
	accounts      *accounts.Service
	crm           *records.Engine
	documents     *documents.Service
	payments      *payments.Service // nil unless payment.enabled
	notifications *notifications.Service
	tokens        *postgres.TokenStore
	ticketMail    *ticketmail.Service // nil unless email.sendTicketEmail and a mailer
	activity      *activity.Service
	idempotency   *postgres.IdempotencyStore
}

// EngineCacheStats returns the module engine cache's counters and size
// (zero before the services are built); the benchmark reports them.
func (m *Main) EngineCacheStats() records.CacheStats {
	if m.services.crm == nil {
		return records.CacheStats{}
	}
	return m.services.crm.CacheStats()
}

// buildServices constructs repositories and services over the open pools.
func (m *Main) buildServices(ctx context.Context) error {
	cfg := *m.Config
	crm, err := records.New(m.Vtiger, cfg, m.mailer(), m.Logger.With("component", "crm"))
	if err != nil {
		return fmt.Errorf("crm: %w", err)
	}
	m.services.crm = crm
	fonts, err := pdfdoc.DefaultFonts().WithCJKFile(cfg.PDF.CJKFont)
	if err != nil {
		return fmt.Errorf("pdf.cjkFont: %w", err)
	}
	docs, err := documents.New(documents.Options{
		Source: documents.EngineSource{CRM: crm,
			Accounts: accounts.NewVtigerContacts(m.Vtiger, cfg.Vtiger.Business.EmailField)},
		PaidInvoiceStatus: cfg.Payment.PaidInvoiceStatus,
		CacheEntries:      cfg.Cache.PDFEntries,
		Fonts:             fonts,
		Logger:            m.Logger.With("component", "documents"),
	})
	if err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	m.services.documents = docs
	if m.Metrics != nil {
		m.Metrics.WatchEngineCache(func() metrics.EngineCacheStats {
			s := crm.CacheStats()
			return metrics.EngineCacheStats{Hits: s.Hits, Misses: s.Misses, Stale: s.Stale, Refreshes: s.Refreshes,
				RefreshErrors: s.RefreshErrors, Entries: s.Entries, Bytes: s.Bytes, MaxBytes: s.MaxBytes}
		})
	}
	acc, err := accounts.New(accounts.Deps{
		Config:        cfg,
		Users:         postgres.NewUserStore(m.DB),
		Tokens:        postgres.NewTokenStore(m.DB),
		OTP:           postgres.NewOTPStore(m.DB),
		Contacts:      accounts.NewVtigerContacts(m.Vtiger, cfg.Vtiger.Business.EmailField),
		Avatars:       postgres.NewAvatarStore(m.DB),
		Mailer:        m.mailer(),
		Logger:        m.Logger.With("component", "accounts"),
		Invalidations: m.invalidations(),
		CompanyName: func(ctx context.Context) string {
			c, err := crm.Company(ctx)
			if err != nil {
				return ""
			}
			name, _ := c["organizationname"].(string)
			return name
		},
	})
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	m.services.accounts = acc
	m.services.tokens = postgres.NewTokenStore(m.DB)
	m.services.idempotency = postgres.NewIdempotencyStore(m.DB)

	if cfg.Payment.Enabled {
		popts := payments.Options{
			Config: cfg.Payment,
			Store:  postgres.NewPaymentStore(m.DB),
			CRM:    payments.NewVtigerPayables(invalidatingVtiger{m.Vtiger, crm}, cfg.Vtiger.Business.DefaultUser),
			Logger: m.Logger.With("component", "payments"),
		}
		if m.Metrics != nil {
			popts.Observer = m.Metrics
		}
		pay, err := payments.New(popts)
		if err != nil {
			return fmt.Errorf("payments: %w", err)
		}
		m.services.payments = pay
	}

	if err := m.buildNotifications(); err != nil {
		return err
	}
	act, err := activity.New(postgres.NewActivityStore(m.DB), cfg)
	if err != nil {
		return fmt.Errorf("activity: %w", err)
	}
	m.services.activity = act
	return m.buildTicketMail()
}

// buildNotifications wires the notification service alone (the import
// command needs nothing else).
func (m *Main) buildNotifications() error {
	cfg := m.Config
	var source notifications.Source
	if cfg.Notifications.Enabled {
		source = notifications.NewVtigerSource(m.Vtiger, cfg.Notifications.Module, cfg.Notifications.Fields)
	}
	var lookback time.Duration
	if m.opts.Demo {
		// The demo data is dated early 2026; import all of it on the first run.
		lookback = 5 * 365 * 24 * time.Hour
	}
	notif, err := notifications.New(notifications.Options{
		Lookback: lookback,
		Store:    postgres.NewNotificationStore(m.DB),
		Users:    postgres.NewUserStore(m.DB),
		Source:   source,
		Logger:   m.Logger.With("component", "notifications"),
	})
	if err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	m.services.notifications = notif
	return nil
}

// invalidations keeps a nil *invalidation.Bus (operator commands) out of
// the accounts service's interface.
func (m *Main) invalidations() accounts.Invalidations {
	if m.Bus == nil {
		return nil
	}
	return m.Bus
}

func (m *Main) deps() deliveryhttp.Deps {
	d := deliveryhttp.Deps{
		Config:        *m.Config,
		Logger:        m.Logger,
		Version:       m.opts.Version,
		Auth:          m.services.accounts,
		Accounts:      m.services.accounts,
		OTP:           m.services.accounts,
		CRM:           deliveryhttp.EngineCRM(m.services.crm),
		Payments:      m.paymentService(),
		Notifications: m.services.notifications,
		Documents:     m.documentService(),
		Activity:      m.services.activity,
		Metrics:       m.metricsSink(),
		DemoMail:      m.demoMailbox(),
		DemoCRM:       m.demoCRMService(),
		Idempotency:   m.services.idempotency,
		Ready: func(ctx context.Context) error {
			if m.stopping.Load() {
				return errors.New("shutting down")
			}
			return m.DB.Ping(ctx)
		},
		Stop: m.stopCtx,
	}
	// The invalidation bus is optional too: without it the other
	// instances' writes show here when the cached copies expire.
	d.Optional = map[string]func(context.Context) error{"invalidation": m.Bus.Subscribed}
	if m.limiter != nil {
		d.SharedLimiter = m.limiter
		d.Optional["redis"] = m.redisReady
	}
	return d
}

// createDemoUsers makes the demo data's portal users log-in-able.
func (m *Main) createDemoUsers(ctx context.Context) error {
	if m.Demo == nil {
		return errors.New("no demo data")
	}
	for _, u := range m.Demo.PortalUsers {
		if _, err := m.services.accounts.EnsureDemoUser(ctx, u.Email, demoPassword); err != nil {
			return fmt.Errorf("%s: %w", u.Email, err)
		}
	}
	return nil
}

// paymentService keeps a nil *payments.Service out of the router's interface.
func (m *Main) paymentService() deliveryhttp.PaymentService {
	if m.services.payments == nil {
		return nil
	}
	return m.services.payments
}

// newJobs registers the background jobs: notification import, expired token
// clean-up and pending payment CRM updates, each under its own advisory lock
// so one instance of several runs it.
func (m *Main) newJobs() *jobs.Runner {
	r := jobs.New(m.DB, m.Logger.With("component", "jobs"))
	if m.Metrics != nil {
		r.Observe(m.Metrics)
	}
	std := jobs.Standard{
		Jobs:          m.Config.Jobs,
		Notifications: m.Config.Notifications,
		Tokens:        m.services.tokens,
		Idempotency:   m.services.idempotency,
		Importer:      m.services.notifications,
		Audit:         m.Config.Audit,
		Activity:      m.services.activity,
	}
	if m.services.payments != nil {
		std.Payments = m.services.payments
	}
	if m.services.ticketMail != nil {
		std.TicketMail = m.services.ticketMail
	}
	r.AddStandard(std)
	return r
}

// startJobs starts the background jobs; they stop when ctx is cancelled
// and Close waits for them.
func (m *Main) startJobs(ctx context.Context) {
	m.jobs.Add(1)
	go func() {
		defer m.jobs.Done()
		m.warmUp(ctx)
	}()
	r := m.newJobs()
	r.Start(ctx)
	m.jobs.Add(1)
	go func() {
		defer m.jobs.Done()
		r.Wait()
	}()
}

type enqueuer interface {
	Enqueue(ctx context.Context, msg mail.Message) error
}

// mailer returns the mailer as the services' interface, nil when there is
// none (admin commands), so a nil *mail.Mailer never hides in an interface.
func (m *Main) mailer() enqueuer {
	if m.Mailer == nil {
		return nil
	}
	return m.Mailer
}

// documentService keeps a nil *documents.Service out of the router's interface.
func (m *Main) documentService() deliveryhttp.DocumentService {
	if m.services.documents == nil {
		return nil
	}
	return m.services.documents
}

// metricsSink keeps a nil *metrics.Metrics (admin commands) out of the
// router's interface.
func (m *Main) metricsSink() deliveryhttp.Metrics {
	if m.Metrics == nil {
		return nil
	}
	return m.Metrics
}

// invalidatingVtiger is the payments flow's Vtiger access: its writes (a
// record marked paid, a payment comment) reach the engine cache's one
// invalidation point like the engine's own, so the customer's next read
// shows them.
type invalidatingVtiger struct {
	*vtiger.Client
	crm *records.Engine
}

var _ payments.VtigerClient = invalidatingVtiger{}

func (c invalidatingVtiger) Revise(ctx context.Context, element map[string]any) (vtiger.Record, error) {
	rec, err := c.Client.Revise(ctx, element)
	id, _ := element["id"].(string)
	module := payments.Invoice
	if _, ok := element["sostatus"]; ok {
		module = payments.SalesOrder
	}
	c.crm.Invalidate(records.Change{Module: module, ID: id})
	return rec, err
}

func (c invalidatingVtiger) Create(ctx context.Context, module string, element map[string]any) (vtiger.Record, error) {
	rec, err := c.Client.Create(ctx, module, element)
	parent, _ := element["related_to"].(string)
	c.crm.Invalidate(records.Change{Module: module, Parent: parent})
	return rec, err
}
