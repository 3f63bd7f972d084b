package app_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
)

// The stock frontend's Assets screen works in plain demo mode: describe,
// the list with its default sort, create with product, and a 422 naming
// product when the modal leaves it out.
func TestDemoAssetsCustomModule(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")

	code, body := apptest.Call(t, "GET", base+"/modules/Assets", token, nil)
	if code != 200 {
		t.Fatalf("GET /modules/Assets: %d %v", code, body)
	}
	data, _ := body["data"].(map[string]any)
	fields, _ := data["fields"].([]any)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.(map[string]any)["name"].(string)] = true
	}
	for _, want := range []string{"asset_no", "assetstatus", "assetname", "datesold", "serialnumber", "product",
		"description", "dateinservice", "shippingmethod", "shippingtrackingnumber"} {
		if !seen[want] {
			t.Errorf("Assets describe lacks %s", want)
		}
	}

	list := func() []any {
		t.Helper()
		code, body := apptest.Call(t, "GET", base+"/custom-modules/Assets?page=1&size=10&search=&sort=-asset_no", token, nil)
		if code != 200 {
			t.Fatalf("GET /custom-modules/Assets: %d %v", code, body)
		}
		rows, _ := body["data"].([]any)
		return rows
	}
	rows := list()
	if len(rows) != len(s.Demo.Assets["acme"]) {
		t.Fatalf("Anna sees %d assets, want Acme's %d", len(rows), len(s.Demo.Assets["acme"]))
	}
	prev := ""
	for _, r := range rows {
		m := r.(map[string]any)
		id, _ := m["id"].(string)
		if !contains(s.Demo.Assets["acme"], id) {
			t.Fatalf("asset %s is not Acme's", id)
		}
		no, _ := m["asset_no"].(string)
		if prev != "" && no > prev {
			t.Fatalf("sort=-asset_no: %s after %s", no, prev)
		}
		prev = no
	}

	// Exactly what the stock modal sends (its edit fields).
	product := s.Demo.Products[0]
	asset := map[string]any{
		"assetstatus": "In Service", "assetname": "Meeting room display", "datesold": "2026-02-01",
		"product": product, "description": "65 inch display", "dateinservice": "2026-02-03",
		"shippingmethod": "UPS", "shippingtrackingnumber": "1Z999AA10123456784", "serialnumber": "MRD-0001",
	}
	code, body = apptest.Call(t, "POST", base+"/custom-modules/Assets", token, asset)
	if code != 201 && code != 200 {
		t.Fatalf("POST asset: %d %v", code, body)
	}
	if len(list()) != len(rows)+1 {
		t.Fatal("the created asset is not in the list")
	}
	var created map[string]any
	for _, r := range list() {
		if m := r.(map[string]any); m["assetname"] == "Meeting room display" {
			created = m
		}
	}
	if created == nil {
		t.Fatal("created asset not listed by name")
	}
	rec, ok := s.Sim.Get(created["id"].(string))
	if !ok || rec["product"] != product || rec["account"] != s.Demo.Accounts["acme"] {
		t.Fatalf("stored asset %v: want product %s and account %s", rec, product, s.Demo.Accounts["acme"])
	}
	// Ben does not see it.
	benToken := login(t, base, "ben@globex.example")
	if code, _ := apptest.Call(t, "GET", base+"/custom-modules/Assets/"+created["id"].(string), benToken, nil); code != 404 {
		t.Fatalf("Ben reading Anna's asset: %d, want 404", code)
	}

	delete(asset, "product")
	code, body = apptest.Call(t, "POST", base+"/custom-modules/Assets", token, asset)
	if code != 422 || body["field"] != "product" {
		t.Fatalf("POST without product: %d %v, want 422 naming product", code, body)
	}
}

// Preferences show toggles and the stock profile form validates the demo
// users' profiles as they are: every field a string, long enough.
func TestDemoPreferencesAndCompleteProfiles(t *testing.T) {
	s := apptest.Start(t, nil)
	base := s.URL() + "/api/v1"
	for _, email := range []string{"anna@acme.example", "ben@globex.example"} {
		t.Run(email, func(t *testing.T) {
			token := login(t, base, email)
			code, settings := apptest.Call(t, "GET", base+"/users/settings", token, nil)
			if code != 200 || len(settings) < 2 {
				t.Fatalf("GET /users/settings: %d %v, want toggles", code, settings)
			}
			for k, v := range settings {
				if _, ok := v.(bool); !ok {
					t.Errorf("setting %s = %#v, want a bool", k, v)
				}
			}
			code, body := apptest.Call(t, "GET", base+"/users/my", token, nil)
			if code != 200 {
				t.Fatalf("GET /users/my: %d %v", code, body)
			}
			u, _ := body["data"].(map[string]any)
			// The frontend's yup schema: minimum lengths, or just "a string".
			minLen := map[string]int{
				"email": 3, "firstname": 3, "lastname": 3, "description": 5, "account_name": 1, "title": 1,
				"department": 1, "mailingcity": 1, "mailingstreet": 1, "mailingcountry": 2, "mailingzip": 4, "phone": 5,
				"mailingstate": 0, "mailingpobox": 0, "othercity": 0, "othercountry": 0, "otherstate": 0,
				"otherstreet": 0, "otherzip": 0, "otherpobox": 0, "imagename": 0, "imagetype": 0, "imagecontent": 0,
			}
			for f, n := range minLen {
				v, ok := u[f].(string)
				if !ok {
					t.Errorf("%s = %#v, want a string", f, u[f])
					continue
				}
				if utf8.RuneCountInString(strings.TrimSpace(v)) < n {
					t.Errorf("%s = %q, the profile form needs at least %d characters", f, v, n)
				}
			}
		})
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
