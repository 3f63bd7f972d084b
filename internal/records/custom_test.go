package records

import (
	"context"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

var assetFields = []string{"asset_no", "assetstatus", "assetname", "datesold", "serialnumber", "product", "description", "dateinservice"}

func withAssets(c *config.Config) {
	c.Vtiger.Business.CustomModules = map[string][]string{"Assets": assetFields}
}

func assetTarget(id string) Target { return Target{Module: "Assets", Custom: true, ID: id} }

// checkCustomShape asserts what the frontend reads from a custom-module
// record (contract rows 60–63): owner a plain id string (it builds
// /managers/{assigned_user_id}), references {id, label} with the label the
// list shows.
func checkCustomShape(t *testing.T, where string, rec vtiger.Record, wantAccount, wantAccountLabel string) {
	t.Helper()
	if id, ok := rec["assigned_user_id"].(string); !ok || !vtiger.ValidID(id) {
		t.Errorf("%s: assigned_user_id = %#v, want a plain webservice id", where, rec["assigned_user_id"])
	}
	if _, ok := rec["assigned_user_label"].(string); !ok {
		t.Errorf("%s: assigned_user_label missing: %#v", where, rec["assigned_user_label"])
	}
	acc, ok := rec["account"].(Ref)
	if !ok || acc.ID != wantAccount || acc.Label != wantAccountLabel {
		t.Errorf("%s: account = %#v, want {%s %s}", where, rec["account"], wantAccount, wantAccountLabel)
	}
	if p, ok := rec["product"].(Ref); !ok || p.ID == "" || p.Label == "" {
		t.Errorf("%s: product = %#v, want {id,label} with a label", where, rec["product"])
	}
}

func TestCustomRecordShapes(t *testing.T) {
	e := newCacheEnv(t, withAssets)
	ctx := context.Background()
	acme := e.demo.Accounts["acme"]
	list, err := e.svc.List(ctx, e.anna, Target{Module: "Assets", Custom: true}, ListParams{})
	if err != nil || len(list.Data) == 0 {
		t.Fatalf("list: %v %d", err, len(list.Data))
	}
	checkCustomShape(t, "list", list.Data[0], acme, "Acme Ltd")
	got, err := e.svc.Get(ctx, e.anna, assetTarget(list.Data[0].String("id")))
	if err != nil {
		t.Fatal(err)
	}
	checkCustomShape(t, "get", got, acme, "Acme Ltd")

	created, err := e.svc.Create(ctx, e.anna, assetTarget(""), map[string]any{"assetname": "New laptop", "serialnumber": "SN-1",
		"assetstatus": "In Service", "datesold": "2026-02-01", "dateinservice": "2026-02-02", "product": e.demo.Products[0]})
	if err != nil {
		t.Fatal(err)
	}
	checkCustomShape(t, "create answer", created, acme, "Acme Ltd")
	updated, err := e.svc.Update(ctx, e.anna, assetTarget(created.String("id")), map[string]any{"assetname": "Renamed"})
	if err != nil {
		t.Fatal(err)
	}
	checkCustomShape(t, "update answer", updated, acme, "Acme Ltd")
	if updated["assetname"] != "Renamed" {
		t.Errorf("update answer: %v", updated)
	}

	// Labels of a write answer are batched like reads: one query per
	// referenced module, never one retrieve per value.
	e.sim.ResetCounters()
	if _, err := e.svc.Update(ctx, e.anna, assetTarget(created.String("id")), map[string]any{"assetname": "Again"}); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls()["retrieve"]; n > 1 {
		t.Errorf("update retrieved %d times, want at most 1 (the scope check)", n)
	}
}

// An edit modal sends a reference back as the {id, label} it loaded
// (issue 11): accepted when the id is one of the field's modules, anything
// else is a 422 naming the field.
func TestCustomReferenceInput(t *testing.T) {
	e := newCacheEnv(t, withAssets)
	ctx := context.Background()
	asset := e.demo.Assets["acme"][0]
	product := e.demo.Products[1]
	got, err := e.svc.Update(ctx, e.anna, assetTarget(asset), map[string]any{"product": map[string]any{"id": product, "label": "whatever"}})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := got["product"].(Ref); p.ID != product || p.Label == "" {
		t.Errorf("product after update = %#v", got["product"])
	}
	if raw, _ := e.sim.Get(asset); raw["product"] != product {
		t.Errorf("stored product = %q, want %q", raw["product"], product)
	}
	for _, bad := range []any{
		map[string]any{"id": e.demo.Accounts["acme"], "label": "Acme Ltd"}, // a record of another module
		e.demo.Accounts["acme"],
		map[string]any{"label": "Laptop"},
		map[string]any{"id": 14},
		14,
		[]any{product},
	} {
		_, err := e.svc.Update(ctx, e.anna, assetTarget(asset), map[string]any{"product": bad})
		testutil.WantCode(t, err, domain.EINVALID)
		if f := domain.ErrorField(err); f != "product" {
			t.Errorf("%#v: error names %q, want product (%v)", bad, f, err)
		}
	}
}

// stockAssetModal is what the stock frontend's Assets create modal sends
// (its edit fields; no serialnumber).
func stockAssetModal(product string) map[string]any {
	return map[string]any{"assetstatus": "In Service", "assetname": "Modal laptop", "datesold": "2026-02-01",
		"product": map[string]any{"id": product, "label": "ignored"}, "description": "", "dateinservice": "2026-02-02"}
}

// Vtiger marks serialnumber mandatory, the stock modal never sends it:
// modules.<M>.createDefaults fill it, the customer's own value wins, and a
// default describe rejects is skipped (422 naming the field, never a 500).
func TestCreateDefaults(t *testing.T) {
	ctx := context.Background()
	withDefaults := func(d map[string]string) func(*config.Config) {
		return func(c *config.Config) {
			withAssets(c)
			c.Vtiger.Business.Modules = map[string]config.ModuleConfig{"Assets": {CreateDefaults: d}}
		}
	}
	tests := []struct {
		name     string
		mutate   func(*config.Config)
		body     func(map[string]any)
		wantCode string
		wantSN   string // stored serialnumber, or the field the 422 names
	}{
		{"no default", withAssets, nil, domain.EINVALID, "serialnumber"},
		{"demo default", withDefaults(config.DemoCreateDefaults["Assets"]), nil, "", config.DemoCreateDefaults["Assets"]["serialnumber"]},
		{"customer value wins", withDefaults(map[string]string{"serialnumber": "n/a"}), func(b map[string]any) { b["serialnumber"] = "SN-9" }, "", "SN-9"},
		{"bad default skipped", withDefaults(map[string]string{"serialnumber": "n/a", "assetstatus": "Stolen"}), func(b map[string]any) { delete(b, "assetstatus") }, domain.EINVALID, "assetstatus"},
		{"protected field never filled", withDefaults(map[string]string{"serialnumber": "n/a", "asset_no": "HACK"}), nil, "", "n/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newCacheEnv(t, tt.mutate)
			body := stockAssetModal(e.demo.Products[0])
			if tt.body != nil {
				tt.body(body)
			}
			rec, err := e.svc.Create(ctx, e.anna, assetTarget(""), body)
			testutil.WantCode(t, err, tt.wantCode)
			if tt.wantCode != "" {
				if f := domain.ErrorField(err); f != tt.wantSN {
					t.Errorf("error names %q, want %q: %v", f, tt.wantSN, err)
				}
				return
			}
			raw, _ := e.sim.Get(rec.String("id"))
			if raw["serialnumber"] != tt.wantSN || raw["product"] != e.demo.Products[0] || raw["asset_no"] == "HACK" {
				t.Errorf("stored asset: %v", raw)
			}
		})
	}
}
