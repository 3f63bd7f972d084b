package records

import (
	"maps"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

// Module-specific list filters come from the module definitions; the HTTP
// layer only passes the query through.
func TestModuleQueryFilters(t *testing.T) {
	reg, err := NewRegistry(config.Default().Vtiger.Business)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		module string
		query  map[string]string
		want   map[string]string
		code   string
	}{
		{Tickets, map[string]string{"ticketstatus": "Open"}, map[string]string{"ticketstatus": "Open"}, ""},
		{Tickets, map[string]string{"status": "Closed"}, map[string]string{"ticketstatus": "Closed"}, ""},
		{Tickets, map[string]string{"ticketstatus": "Open", "status": "Closed"}, map[string]string{"ticketstatus": "Open"}, ""},
		{Tickets, map[string]string{"discontinued": "true"}, nil, ""},
		{Products, map[string]string{"discontinued": "true"}, map[string]string{"discontinued": "1"}, ""},
		{Products, map[string]string{"filter[discontinued]": "false"}, map[string]string{"discontinued": "0"}, ""},
		{Services, map[string]string{"discontinued": "0"}, map[string]string{"discontinued": "0"}, ""},
		{Products, map[string]string{"discontinued": "maybe"}, nil, domain.EINVALID},
		{Invoices, map[string]string{"ticketstatus": "Open", "filter[invoicestatus]": "Paid"}, nil, ""},
		{Products, nil, nil, ""},
	}
	for _, c := range cases {
		def, ok := reg.ByName(c.module)
		if !ok {
			t.Fatalf("%s not registered", c.module)
		}
		got, err := def.filters(c.query)
		testutil.WantCode(t, err, c.code)
		if !maps.Equal(got, c.want) {
			t.Errorf("%s %v: filters = %v, want %v", c.module, c.query, got, c.want)
		}
	}
}
