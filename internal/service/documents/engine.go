package documents

import (
	"context"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// EngineSource reads documents through the CRM module engine. It is the
// only file of this package that knows the engine: when the engine's API
// changes, this adapter is what follows it.
type EngineSource struct {
	CRM      *records.Engine
	Accounts AccountReader // the customer's organisation; nil: none is named
}

// AccountReader retrieves an Accounts record (accounts.VtigerContacts).
type AccountReader interface {
	Account(ctx context.Context, id string) (map[string]any, error)
}

var (
	_ Source        = EngineSource{}
	_ AccountReader = (*accounts.VtigerContacts)(nil)
)

// Record gets the record through the engine, which scopes it to the
// customer (another customer's id is ENOTFOUND).
func (e EngineSource) Record(ctx context.Context, c domain.Customer, module, id string) (map[string]any, error) {
	rec, err := e.CRM.Get(ctx, c, records.Target{Module: module, ID: id})
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(rec))
	for k, v := range rec {
		out[k] = v
	}
	if items, ok := rec["LineItems"].([]vtiger.Record); ok {
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
	return e.CRM.Currency(ctx, id)
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
