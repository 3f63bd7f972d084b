package records

import (
	"context"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Catalogue list rows carry the same currency object as the detail
// (contract rows 23–24 read currency.currency_symbol), looked up once per
// page, not per row.
func TestCatalogueListCurrency(t *testing.T) {
	for _, module := range []string{Products, Services} {
		t.Run(module, func(t *testing.T) {
			e := newCacheEnv(t)
			ctx := context.Background()
			e.sim.ResetCounters()
			res, err := e.svc.List(ctx, e.anna, Target{Module: module}, ListParams{Size: 50})
			if err != nil || len(res.Data) < 2 {
				t.Fatalf("list: %v, %d rows", err, len(res.Data))
			}
			calls := e.sim.Calls()
			// The page, its count (count(*) and the paging fallback of 8.4) and
			// one base-currency lookup.
			if calls["query"] > 4 || calls["retrieve"] != 0 {
				t.Errorf("list cost %d queries and %d retrieves, want ≤ 4 and 0", calls["query"], calls["retrieve"])
			}
			for _, r := range res.Data {
				cur, _ := r["currency"].(vtiger.Record)
				if cur.String("currency_symbol") != "€" || cur.String("currency_code") != "EUR" {
					t.Fatalf("row %s: currency = %#v", r.String("id"), r["currency"])
				}
			}
			got, err := e.svc.Get(ctx, e.anna, Target{Module: module, ID: res.Data[0].String("id")})
			if err != nil {
				t.Fatal(err)
			}
			if cur, _ := got["currency"].(vtiger.Record); cur.String("currency_symbol") != "€" {
				t.Errorf("detail currency = %#v", got["currency"])
			}
			// A second page (another cache entry) needs no currency lookup.
			e.sim.ResetCounters()
			if _, err := e.svc.List(ctx, e.anna, Target{Module: module}, ListParams{Size: 1, Page: 2}); err != nil {
				t.Fatal(err)
			}
			if n := e.sim.Calls()["query"]; n > 1 {
				t.Errorf("second page cost %d queries, want 1 (the page; count and currency are cached)", n)
			}
		})
	}
}
