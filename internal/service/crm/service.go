// Package crm is the portal's CRM business layer over the module engine
// (internal/repository/crm): which modules a route may reach, ticket and
// task rules, input validation against describe, enrichment of records
// (currencies, line items, project statistics), statistics, global search,
// leads and read-mostly caching. Every method takes the customer so the
// repository can scope every call.
package crm

import (
	"context"
	"log/slog"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	repo "github.com/portalcrm/vtiger-portal/internal/repository/crm"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Types the delivery layer sees (aliases keep one definition).
type (
	Record     = repo.Record
	ListParams = repo.ListParams
	ListResult = repo.ListResult
	Upload     = repo.Upload
	File       = repo.File
	Author     = repo.Author
	Describe   = vtiger.Module
)

// Mailer queues e-mails (internal/mail.Mailer).
type Mailer interface {
	Enqueue(ctx context.Context, msg mail.Message) error
}

var _ Mailer = (*mail.Mailer)(nil)

// Service is the CRM feature.
type Service struct {
	st     *repo.Store
	reg    *repo.Registry
	cache  *repo.Cache
	cfg    config.Config
	mailer Mailer
	log    *slog.Logger
}

// New builds the service over a vtiger client: module registry from
// vtiger.business, one cache for the repository and the service. mailer
// may be nil (no ticket e-mails).
func New(client repo.Client, cfg config.Config, mailer Mailer, logger *slog.Logger) (*Service, error) {
	if logger == nil {
		logger = slog.Default()
	}
	reg, err := repo.NewRegistry(cfg.Vtiger.Business)
	if err != nil {
		return nil, err
	}
	cache := repo.NewCache()
	st := repo.NewStore(client, reg, cache, repo.Options{
		Business: cfg.Vtiger.Business, TTL: cfg.Cache.TTL, DescribeTTL: cfg.Cache.DescribeTTL,
		CountTTL: cfg.Cache.CountTTL, Logger: logger,
	})
	if cfg.Cache.TTL <= 0 {
		cfg.Cache.TTL = 5 * time.Minute
	}
	if cfg.Cache.CountTTL <= 0 {
		cfg.Cache.CountTTL = 30 * time.Second
	}
	t := &cfg.Vtiger.Business.Tickets
	if t.ClosedStatus == "" {
		t.ClosedStatus = "Closed"
	}
	if len(t.CustomerStatuses) == 0 {
		t.CustomerStatuses = []string{"Open", "Closed"}
	}
	l := &cfg.Vtiger.Business.Leads
	if l.Source == "" {
		l.Source = "Existing Customer"
	}
	if l.Status == "" {
		l.Status = "Attempted to Contact"
	}
	if cfg.Payment.PaidInvoiceStatus == "" {
		cfg.Payment.PaidInvoiceStatus = "Paid"
	}
	if len(cfg.Payment.PayableInvoiceStatuses) == 0 {
		cfg.Payment.PayableInvoiceStatuses = []string{"Created", "Approved", "Sent"}
	}
	return &Service{st: st, reg: reg, cache: cache, cfg: cfg, mailer: mailer, log: logger}, nil
}

// Store exposes the repository (tests, tools).
func (s *Service) Store() *repo.Store { return s.st }

// module returns the enabled definition of a built-in module, or 404.
func (s *Service) module(name string) (*repo.Module, error) {
	def, ok := s.reg.ByName(name)
	if !ok || def.Custom {
		return nil, domain.NotFound("module")
	}
	return def, nil
}

// customModule returns an enabled custom module, or 404.
func (s *Service) customModule(name string) (*repo.Module, error) {
	def, ok := s.reg.Custom(name)
	if !ok {
		return nil, domain.NotFound("module")
	}
	return def, nil
}

// Target names a record: Module is the Vtiger module (custom modules by
// their configured name), ParentID the project of a task.
type Target struct {
	Module   string
	Custom   bool
	ID       string
	ParentID string
}

func (s *Service) def(t Target) (*repo.Module, error) {
	if t.Custom {
		return s.customModule(t.Module)
	}
	return s.module(t.Module)
}
