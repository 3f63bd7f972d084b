package app

import (
	"context"
	"log/slog"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
)

// The payments flow writes through its own Vtiger access; those writes
// still drop the engine's cached pages, so the customer's next read of the
// invoice (within cache.fresh) shows it paid.
func TestPaymentWritesInvalidateTheEngineCache(t *testing.T) {
	ctx := context.Background()
	b := vtigertest.Sim(t)
	client := b.Client(t)
	cfg := config.Default()
	cfg.Vtiger.Business.DefaultUser = b.Demo.AdminUserID
	crm, err := records.New(client, cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	anna := domain.Customer{ContactID: b.Demo.Contacts["anna"], AccountID: b.Demo.Accounts["acme"]}
	var unpaid string
	for _, id := range b.Demo.Invoices["acme"] {
		if rec, _ := b.Sim.Get(id); rec["invoicestatus"] != "Paid" {
			unpaid = id
		}
	}
	if unpaid == "" {
		t.Fatal("demo data has no unpaid Acme invoice")
	}
	target := records.Target{Module: "Invoice", ID: unpaid}
	if _, err := crm.Get(ctx, anna, target); err != nil { // cached now
		t.Fatal(err)
	}
	w := invalidatingVtiger{client, crm}
	if _, err := w.Revise(ctx, map[string]any{"id": unpaid, "invoicestatus": "Paid"}); err != nil {
		t.Fatal(err)
	}
	got, err := crm.Get(ctx, anna, target)
	if err != nil {
		t.Fatal(err)
	}
	if got.String("invoicestatus") != "Paid" {
		t.Fatalf("invoice after the payment write: %q, want Paid at once", got.String("invoicestatus"))
	}
}
