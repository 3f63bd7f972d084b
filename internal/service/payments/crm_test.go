package payments

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

func payableSetup(t *testing.T) (*VtigerPayables, *vtigersim.Server, *vtigersim.Demo, *vtiger.Client) {
	t.Helper()
	b := vtigertest.Sim(t)
	vt := b.Client(t)
	return NewVtigerPayables(vt, b.Demo.AdminUserID), b.Sim, b.Demo, vt
}

func TestPayableGet(t *testing.T) {
	repo, sim, demo, _ := payableSetup(t)
	ctx := context.Background()
	inv := demo.Invoices["acme"][3]
	rec, err := repo.Get(ctx, Invoice, inv)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := sim.Get(inv)
	if rec.AccountID != demo.Accounts["acme"] || rec.Status != "Sent" || rec.GrandTotal != raw["hdnGrandTotal"] ||
		rec.CurrencyCode != "EUR" || rec.Number == "" || rec.Module != Invoice {
		t.Fatalf("invoice %+v", rec)
	}
	so, err := repo.Get(ctx, SalesOrder, demo.SalesOrders["acme"][1])
	if err != nil || so.Status != "Approved" || so.Received != "" {
		t.Fatalf("sales order %+v, %v", so, err)
	}
	for _, tc := range []struct{ module, id string }{
		{Invoice, demo.SalesOrders["acme"][1]}, // id of another module
		{Invoice, demo.Contacts["anna"]},
		{Invoice, "x' OR 1=1"},
		{SalesOrder, "6x99999"},
	} {
		if _, err := repo.Get(ctx, tc.module, tc.id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Get(%s, %s) = %v, want not found", tc.module, tc.id, err)
		}
	}
	_, err = repo.Get(ctx, "Contacts", demo.Contacts["anna"])
	testutil.WantCode(t, err, domain.EINVALID) // not a payable module
}

func TestPayableMarkPaidAndComment(t *testing.T) {
	repo, sim, demo, vt := payableSetup(t)
	ctx := context.Background()
	so := demo.SalesOrders["acme"][1]
	if err := repo.MarkPaid(ctx, SalesOrder, so, "Delivered"); err != nil {
		t.Fatal(err)
	}
	raw, _ := sim.Get(so)
	if raw["sostatus"] != "Delivered" || raw["invoicestatus"] != "Created" {
		t.Fatalf("only sostatus may change: %v / %v", raw["sostatus"], raw["invoicestatus"])
	}
	for range 2 {
		if err := repo.AddPaymentComment(ctx, so, "pi_marker1", "Paid by card: 1.00 EUR, Stripe payment pi_marker1"); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := vt.Query(ctx, vtiger.NewSelect("commentcontent", "assigned_user_id").From("ModComments").Where(vtiger.Eq("related_to", so)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if s, _ := r["commentcontent"].(string); strings.Contains(s, "pi_marker1") {
			n++
			if r["assigned_user_id"] != demo.AdminUserID {
				t.Errorf("comment owner %v", r["assigned_user_id"])
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d comments, want exactly 1", n)
	}
}
