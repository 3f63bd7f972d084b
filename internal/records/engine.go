// Package records is the portal's module engine: the module registry
// (built-ins + portal.yaml), the customer's scope in every VTQL WHERE and
// the re-check of single records, describe-driven typing (Schema), list,
// get and write of records, related comments, documents and files,
// insights (statistics, search), input conversion and the engine's one
// cache. Every method takes the customer so every call is scoped.
//
// Engine is the business side the HTTP layer calls; store is the scoped
// Vtiger side underneath. Only this package reads the registry.
package records

import (
	"context"
	"log/slog"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
)

// Mailer queues e-mails (internal/mail.Mailer).
type Mailer interface {
	Enqueue(ctx context.Context, msg mail.Message) error
}

var _ Mailer = (*mail.Mailer)(nil)

// Engine is the module engine the HTTP layer and the services use.
type Engine struct {
	st     *store
	reg    *Registry
	cache  *Cache
	cfg    config.Config
	mailer Mailer
	log    *slog.Logger
}

// New builds the engine over a vtiger client: module registry from
// vtiger.business and the one cache. cfg is complete (config.Default plus
// portal.yaml, validated); mailer may be nil (no ticket e-mails).
func New(client Client, cfg config.Config, mailer Mailer, logger *slog.Logger) (*Engine, error) {
	if logger == nil {
		logger = slog.Default()
	}
	reg, err := NewRegistry(cfg.Vtiger.Business)
	if err != nil {
		return nil, err
	}
	cache := NewCache(CacheOptions{Fresh: cfg.Cache.Fresh, Stale: cfg.Cache.Stale, MaxBytes: cfg.Cache.MaxBytes,
		RefreshTimeout: cfg.Vtiger.Connection.Timeout, Logger: logger})
	st := newStore(client, reg, cache, cfg, logger)
	return &Engine{st: st, reg: reg, cache: cache, cfg: cfg, mailer: mailer, log: logger}, nil
}

// Invalidate drops what a write made outside the engine touched (the
// payments flow marks invoices paid and comments on them through its own
// Vtiger access); the engine's own writes call it themselves.
func (s *Engine) Invalidate(ch Change) { s.cache.Invalidate(ch) }

// CacheStats returns the engine cache's counters and size (for /metrics).
func (s *Engine) CacheStats() CacheStats { return s.cache.Stats() }

// module returns the enabled definition of a built-in module, or 404.
// Cache is the engine's one cache, for wiring cross-instance invalidation.
func (s *Engine) Cache() *Cache { return s.cache }

func (s *Engine) module(name string) (*Module, error) {
	def, ok := s.reg.ByName(name)
	if !ok || def.Custom {
		return nil, domain.NotFound("module")
	}
	return def, nil
}

// customModule returns an enabled custom module, or 404.
func (s *Engine) customModule(name string) (*Module, error) {
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

func (s *Engine) def(t Target) (*Module, error) {
	if t.Custom {
		return s.customModule(t.Module)
	}
	return s.module(t.Module)
}
