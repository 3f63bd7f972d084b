package documents

import (
	"context"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	crmrepo "github.com/portalcrm/vtiger-portal/internal/repository/crm"
	crmsvc "github.com/portalcrm/vtiger-portal/internal/service/crm"
)

// EngineSource reads documents through the CRM module engine. It is the
// only file of this package that knows the engine: when the engine's API
// changes, this adapter is what follows it.
type EngineSource struct {
	CRM      *crmsvc.Service
	Accounts AccountReader // the customer's organisation; nil: none is named
}

// AccountReader retrieves an Accounts record (crm.ContactRepo).
type AccountReader interface {
	Account(ctx context.Context, id string) (map[string]any, error)
}

var (
	_ Source        = EngineSource{}
	_ AccountReader = (*crmrepo.ContactRepo)(nil)
)

// Record gets the record through the engine, which scopes it to the
// customer (another customer's id is ENOTFOUND).
func (e EngineSource) Record(ctx context.Context, c domain.Customer, module, id string) (map[string]any, error) {
	rec, err := e.CRM.Get(ctx, c, crmsvc.Target{Module: module, ID: id})
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(rec))
	for k, v := range rec {
		out[k] = v
	}
	if items, ok := rec["LineItems"].([]crmsvc.Record); ok {
		list := make([]map[string]any, len(items))
		for i, it := range items {
			list[i] = it
		}
		out["LineItems"] = list
	}
	return out, nil
}

// Company returns the company card (CompanyDetails merged with
// vtiger.business.company).
func (e EngineSource) Company(ctx context.Context) (map[string]any, error) {
	return e.CRM.Company(ctx)
}

// Currency returns a Currency record (cached by the engine).
func (e EngineSource) Currency(ctx context.Context, id string) (map[string]any, error) {
	return e.CRM.Store().Currency(ctx, id)
}

// Organization returns the accountname of the customer's Account.
func (e EngineSource) Organization(ctx context.Context, c domain.Customer) (string, error) {
	if e.Accounts == nil || c.AccountID == "" {
		return "", nil
	}
	acc, err := e.Accounts.Account(ctx, c.AccountID)
	if err != nil {
		return "", err
	}
	return str(acc["accountname"]), nil
}
