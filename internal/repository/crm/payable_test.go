package crm

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

func payableSetup(t *testing.T) (*PayableRepo, *vtigersim.Server, *vtigersim.Demo, *vtiger.Client) {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	sim := vtigersim.New(vtigersim.Options{Version: "8.4", Logger: logger})
	demo, err := vtigersim.SeedDemo(sim)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	vt, err := vtiger.New(vtiger.Config{URL: ts.URL, Username: "admin", AccessKey: vtigersim.DefaultAccessKey, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = vt.Close(context.Background()) })
	return NewPayableRepo(vt, demo.AdminUserID), sim, demo, vt
}

func TestPayableGet(t *testing.T) {
	repo, sim, demo, _ := payableSetup(t)
	ctx := context.Background()
	inv := demo.Invoices["acme"][3]
	rec, err := repo.Get(ctx, PayableInvoice, inv)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := sim.Get(inv)
	if rec.AccountID != demo.Accounts["acme"] || rec.Status != "Sent" || rec.GrandTotal != raw["hdnGrandTotal"] ||
		rec.CurrencyCode != "EUR" || rec.Number == "" || rec.Module != PayableInvoice {
		t.Fatalf("invoice %+v", rec)
	}
	so, err := repo.Get(ctx, PayableSalesOrder, demo.SalesOrders["acme"][1])
	if err != nil || so.Status != "Approved" || so.Received != "" {
		t.Fatalf("sales order %+v, %v", so, err)
	}
	for _, tc := range []struct{ module, id string }{
		{PayableInvoice, demo.SalesOrders["acme"][1]}, // id of another module
		{PayableInvoice, demo.Contacts["anna"]},
		{PayableInvoice, "x' OR 1=1"},
		{PayableSalesOrder, "6x99999"},
	} {
		if _, err := repo.Get(ctx, tc.module, tc.id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Get(%s, %s) = %v, want not found", tc.module, tc.id, err)
		}
	}
	if _, err := repo.Get(ctx, "Contacts", demo.Contacts["anna"]); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("non-payable module: %v", err)
	}
}

func TestPayableMarkPaidAndComment(t *testing.T) {
	repo, sim, demo, vt := payableSetup(t)
	ctx := context.Background()
	so := demo.SalesOrders["acme"][1]
	if err := repo.MarkPaid(ctx, PayableSalesOrder, so, "Delivered"); err != nil {
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
