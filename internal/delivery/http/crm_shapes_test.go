package http

import (
	"net/http"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

// The JSON the stock frontend reads (contract rows 19, 23, 60–63) for the
// issue 11 findings: a custom record's owner is a plain id (it calls
// /managers/{assigned_user_id}), write answers carry reference labels like
// the list, a reference comes back as {id,label} from the edit modal,
// catalogue rows carry currency.currency_symbol, and the stock Assets
// modal (no serialnumber) creates with createDefaults.
func TestCRMFrontendShapes(t *testing.T) {
	e := newCRMEnv(t, func(c *config.Config) {
		c.Vtiger.Business.Modules = map[string]config.ModuleConfig{"Assets": {
			WritableFields: []string{"assetstatus", "assetname", "datesold", "product", "description", "dateinservice", "serialnumber"},
			CreateDefaults: config.DemoCreateDefaults["Assets"]}}
	})
	d := e.demo
	asset := d.Assets["acme"][0]
	rec := e.do("anna", http.MethodGet, "/custom-modules/Assets/"+asset, nil).data()
	owner, ok := rec["assigned_user_id"].(string)
	if !ok || owner == "" {
		t.Fatalf("assigned_user_id = %#v, want a plain id", rec["assigned_user_id"])
	}
	if r := e.do("anna", http.MethodGet, "/managers/"+owner, nil); r.Status != http.StatusOK {
		t.Errorf("/managers/%s: %d", owner, r.Status)
	}
	for _, m := range []string{http.MethodPatch, http.MethodPut} {
		up := e.do("anna", m, "/custom-modules/Assets/"+asset, map[string]any{"assetname": "Renamed " + m, "product": rec["product"]})
		if up.Status != http.StatusAccepted {
			t.Fatalf("%s with the loaded {id,label} product: %d %s", m, up.Status, up.Raw)
		}
		if acc, _ := up.Body["account"].(map[string]any); acc["label"] != "Acme Ltd" {
			t.Errorf("%s answer account = %#v, want label Acme Ltd", m, up.Body["account"])
		}
		if _, ok := up.Body["assigned_user_id"].(string); !ok {
			t.Errorf("%s answer assigned_user_id = %#v", m, up.Body["assigned_user_id"])
		}
	}
	if r := e.do("anna", http.MethodPatch, "/custom-modules/Assets/"+asset, map[string]any{"product": map[string]any{"id": d.Accounts["acme"]}}); r.Status != http.StatusUnprocessableEntity || r.Body["field"] != "product" {
		t.Errorf("product given an account: %d %s", r.Status, r.Raw)
	}
	cr := e.do("anna", http.MethodPost, "/custom-modules/Assets", map[string]any{"assetstatus": "In Service", "assetname": "Modal laptop",
		"datesold": "2026-02-01", "dateinservice": "2026-02-02", "product": map[string]any{"id": d.Products[0], "label": "x"}, "description": ""})
	if cr.Status != http.StatusCreated {
		t.Fatalf("stock modal create: %d %s", cr.Status, cr.Raw)
	}
	if p, _ := cr.Body["product"].(map[string]any); p["label"] == "" || p["label"] == nil {
		t.Errorf("create answer product = %#v, want a label", cr.Body["product"])
	}
	for _, path := range []string{"/products/?page=1&size=5&search=&sort=&discontinued=true", "/services/"} {
		rows := e.do("anna", http.MethodGet, path, nil).list()
		if len(rows) == 0 {
			t.Errorf("%s: no rows", path)
		}
		for _, row := range rows {
			if cur, _ := row["currency"].(map[string]any); cur["currency_symbol"] != "€" {
				t.Errorf("%s row %v: currency = %#v", path, row["id"], row["currency"])
			}
		}
	}
}
