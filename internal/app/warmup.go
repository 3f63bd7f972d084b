package app

import (
	"context"
	"slices"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// warmModules are described at start-up: the portal's own modules plus the
// ones every page touches (authors, currencies, documents).
var warmModules = []string{"HelpDesk", "Contacts", "Accounts", "Invoice", "SalesOrder", "Quotes", "Project",
	"ProjectTask", "ServiceContracts", "Products", "Services", "Faq", "ModComments", "Documents", "Users", "Currency", "CompanyDetails"}

// warmUp prepares the Vtiger client in the background, so the first
// customer does not pay for it: one session logged in, count(*) support
// detected (Vtiger 8.3+ answers [] and the client then counts by paging),
// and describe of the portal's modules cached. Failures only delay that
// work to the first request; they are logged, never fatal.
func (m *Main) warmUp(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	log := m.Logger.With("component", "warmup")
	if err := m.Vtiger.Ping(ctx); err != nil {
		log.Warn("Vtiger not reachable at start-up; the first requests will log in", "err", err)
		return
	}
	if err := m.Vtiger.WarmSessions(ctx); err != nil {
		log.Debug("logging in the session pool", "err", err)
	}
	probe := vtiger.NewSelect().From("HelpDesk").Where(vtiger.Eq("ticket_no", "portal-count-probe"))
	if _, err := m.Vtiger.Count(ctx, probe); err != nil {
		log.Debug("count probe failed", "err", err)
	}
	modules := slices.Clone(warmModules)
	for name := range m.Config.Vtiger.Business.CustomModules {
		modules = append(modules, name)
	}
	for _, name := range modules {
		if ctx.Err() != nil {
			return
		}
		if _, err := m.Vtiger.Describe(ctx, name); err != nil {
			log.Debug("describe at start-up failed", "module", name, "err", err)
		}
	}
	if m.services.crm != nil {
		if err := m.services.crm.WarmUp(ctx); err != nil {
			log.Debug("engine warm-up incomplete", "err", err)
		}
	}
	log.Info("Vtiger client warmed up", "modules", len(modules))
}
