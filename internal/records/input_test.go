package records

import (
	"encoding/json"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

func TestConvertValue(t *testing.T) {
	field := func(typ string, picklist ...string) *vtiger.Field {
		f := &vtiger.Field{Name: "f"}
		f.Type.Name = typ
		for _, v := range picklist {
			f.Type.PicklistValues = append(f.Type.PicklistValues, vtiger.PicklistValue{Value: v, Label: v})
		}
		return f
	}
	cases := []struct {
		f    *vtiger.Field
		in   any
		want string
		code string
	}{
		{field("boolean"), true, "1", ""},
		{field("boolean"), "off", "0", ""},
		{field("boolean"), 2.0, "", domain.EINVALID},
		{field("integer"), 3.0, "3", ""},
		{field("integer"), "3.5", "", domain.EINVALID},
		{field("integer"), json.Number("12"), "12", ""},
		{field("currency"), " 1.25 ", "1.25", ""},
		{field("double"), "", "", ""},
		{field("double"), []any{}, "", domain.EINVALID},
		{field("date"), "2026-03-04", "2026-03-04", ""},
		{field("datetime"), "2026-03-04", "2026-03-04 00:00:00", ""},
		{field("datetime"), "2026-03-04T10:00:00+02:00", "2026-03-04 08:00:00", ""},
		{field("date"), "04.03.2026", "", domain.EINVALID},
		{field("multipicklist", "a", "b"), []any{"a", "b"}, "a |##| b", ""},
		{field("multipicklist", "a", "b"), "a |##| c", "", domain.EINVALID},
		{field("picklist", "High"), "High", "High", ""},
		{field("picklist", "High"), "Urgent", "", domain.EINVALID},
		{field("reference"), "12x3", "12x3", ""},
		{field("reference"), "12", "", domain.EINVALID},
		{field("reference"), map[string]any{"id": "12x3", "label": "Laptop"}, "12x3", ""},
		{field("reference"), map[string]any{"id": "12"}, "", domain.EINVALID},
		{field("reference"), map[string]any{"label": "Laptop"}, "", domain.EINVALID},
		{field("reference"), map[string]any{"id": 12.0}, "", domain.EINVALID},
		{field("reference"), 12.0, "", domain.EINVALID},
		{field("reference"), []any{"12x3"}, "", domain.EINVALID},
		{field("string"), 1.5, "1.5", ""},
		{field("string"), map[string]any{}, "", domain.EINVALID},
		{field("string"), nil, "", ""},
	}
	for _, c := range cases {
		got, err := convertValue(c.f, c.in)
		testutil.WantCode(t, err, c.code)
		if got != c.want {
			t.Errorf("%s %#v = %q, want %q", c.f.Type.Name, c.in, got, c.want)
		}
	}
}

// Only references to the public catalogue are customer input; a reference
// whose target modules describe does not name could point anywhere (an
// Account, another customer's Contact), so it is protected too.
func TestProtectedReferences(t *testing.T) {
	def := &Module{Name: "Assets"}
	for _, tc := range []struct {
		refersTo []string
		want     bool
	}{
		{[]string{"Products"}, false},
		{[]string{"Products", "Services"}, false},
		{[]string{"Products", "Accounts"}, true},
		{[]string{"Contacts"}, true},
		{nil, true},
		{[]string{}, true},
	} {
		f := &vtiger.Field{Name: "ref"}
		f.Type.Name = "reference"
		f.Type.RefersTo = tc.refersTo
		if got := protected(nil, def, f); got != tc.want {
			t.Errorf("reference to %v: protected = %v, want %v", tc.refersTo, got, tc.want)
		}
	}
}
