package vtigersim

import (
	"encoding/json"
	"slices"
	"testing"
)

// describeDoc is the part of a describe result the metadata tests check.
type describeDoc struct {
	Name     string `json:"name"`
	IDPrefix string `json:"idPrefix"`
	Fields   []struct {
		Name  string `json:"name"`
		Label string `json:"label"`
		// mandatory/editable/nullable are left out on purpose: the real
		// 8.4.0 sends them as strings ("1", "") for Products/Services
		// tax1..tax3 and currency1, and the captured describes keep that.
		Type struct {
			Name     string   `json:"name"`
			RefersTo []string `json:"refersTo"`
		} `json:"type"`
	} `json:"fields"`
}

func (d *describeDoc) field(name string) (typ string, refersTo []string, label string, ok bool) {
	for _, f := range d.Fields {
		if f.Name == name {
			return f.Type.Name, f.Type.RefersTo, f.Label, true
		}
	}
	return "", nil, "", false
}

func builtinByName(t *testing.T) map[string]ModuleMeta {
	t.Helper()
	out := map[string]ModuleMeta{}
	for _, m := range builtinModules() {
		if _, dup := out[m.Name]; dup {
			t.Fatalf("module %s listed twice", m.Name)
		}
		out[m.Name] = m
	}
	return out
}

func TestBuiltinModulesPrefixesAndNumbers(t *testing.T) {
	mods := builtinByName(t)
	tests := []struct {
		module, prefix, numberField, numberPrefix string
	}{
		{"Faq", "3", "faq_no", "FAQ"},
		{"Quotes", "4", "quote_no", "QUO"},
		{"SalesOrder", "6", "salesorder_no", "SO"},
		{"Invoice", "7", "invoice_no", "INV"},
		{"Leads", "10", "lead_no", "LEA"},
		{"Accounts", "11", "account_no", "ACC"},
		{"Contacts", "12", "contact_no", "CON"},
		{"Products", "14", "product_no", "PRO"},
		{"Documents", "15", "note_no", "DOC"},
		{"HelpDesk", "17", "ticket_no", "TT"},
		{"Users", "19", "", ""},
		{"Groups", "20", "", ""},
		{"Currency", "21", "", ""},
		{"DocumentFolders", "22", "", ""},
		{"CompanyDetails", "23", "", ""},
		{"ServiceContracts", "25", "contract_no", "SERCON"},
		{"Services", "26", "service_no", "SER"},
		{"ProjectMilestone", "27", "projectmilestone_no", "PM"},
		{"ProjectTask", "28", "projecttask_no", "PT"},
		{"Project", "29", "project_no", "PROJ"},
		{"ModComments", "30", "", ""},
		{"Assets", "32", "asset_no", "AST"},
		{"LineItem", "33", "", ""},
		{"Tax", "34", "", ""},
		{"PortalNotifications", "45", "notification_no", "PN"},
	}
	if len(mods) != len(tests) {
		t.Errorf("builtinModules returned %d modules, want %d", len(mods), len(tests))
	}
	prefixes := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.module, func(t *testing.T) {
			m, ok := mods[tc.module]
			if !ok {
				t.Fatalf("module %s missing", tc.module)
			}
			if m.Prefix != tc.prefix || m.NumberField != tc.numberField || m.NumberPrefix != tc.numberPrefix {
				t.Errorf("got prefix %q number %q/%q, want %q %q/%q", m.Prefix, m.NumberField, m.NumberPrefix, tc.prefix, tc.numberField, tc.numberPrefix)
			}
			var d describeDoc
			if err := json.Unmarshal(m.Describe, &d); err != nil {
				t.Fatalf("describe is not JSON: %v", err)
			}
			if d.Name != tc.module || d.IDPrefix != tc.prefix {
				t.Errorf("describe says name %q idPrefix %q", d.Name, d.IDPrefix)
			}
			if _, _, _, ok := d.field("id"); !ok {
				t.Error("describe lacks the id field")
			}
			if tc.numberField != "" {
				if typ, _, _, ok := d.field(tc.numberField); !ok || typ != "string" {
					t.Errorf("number field %s: present %v type %q", tc.numberField, ok, typ)
				}
			}
			if _, err := parseModule(m); err != nil {
				t.Errorf("simulator cannot parse the captured describe (8.4.0 sends \"1\"/\"\" for mandatory/editable/nullable of Products/Services tax1..3, currency1): %v", err)
			}
		})
		if other, dup := prefixes[tc.prefix]; dup {
			t.Errorf("prefix %s used by %s and %s", tc.prefix, other, tc.module)
		}
		prefixes[tc.prefix] = tc.module
	}
}

func TestBuiltinContactsPortalFields(t *testing.T) {
	var d describeDoc
	if err := json.Unmarshal(builtinByName(t)["Contacts"].Describe, &d); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ field, typ, label string }{
		{"code", "string", "Portal Code"},
		{"portal", "boolean", "Portal User"},
		{"emailoptout", "boolean", "Email Opt Out"},
		{"donotcall", "boolean", "Do Not Call"},
		{"notify_owner", "boolean", "Notify Owner"},
		{"email", "email", "Primary Email"},
		{"account_id", "reference", "Organization Name"},
	}
	for _, tc := range tests {
		typ, _, label, ok := d.field(tc.field)
		if !ok || typ != tc.typ || label != tc.label {
			t.Errorf("Contacts.%s: present %v type %q label %q, want %q %q", tc.field, ok, typ, label, tc.typ, tc.label)
		}
	}
	if last := d.Fields[len(d.Fields)-1].Name; last != "id" {
		t.Errorf("last Contacts field is %q, want id (Vtiger lists id last)", last)
	}
}

func TestBuiltinPortalNotificationsReferences(t *testing.T) {
	var d describeDoc
	if err := json.Unmarshal(builtinByName(t)["PortalNotifications"].Describe, &d); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field, typ string
		refersTo   []string
	}{
		{"subject", "string", nil},
		{"description", "text", nil},
		{"account_id", "reference", []string{"Accounts"}},
		{"contact_id", "reference", []string{"Contacts"}},
		{"related_to", "reference", []string{"HelpDesk", "Invoice", "Project"}},
		{"assigned_user_id", "owner", nil},
		{"createdtime", "datetime", nil},
		{"modifiedtime", "datetime", nil},
	}
	for _, tc := range tests {
		typ, refs, _, ok := d.field(tc.field)
		if !ok || typ != tc.typ || !slices.Equal(refs, tc.refersTo) {
			t.Errorf("PortalNotifications.%s: present %v type %q refersTo %v", tc.field, ok, typ, refs)
		}
	}
}
