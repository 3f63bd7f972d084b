package notifications

import (
	"context"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
)

func TestNotificationSourceMapping(t *testing.T) {
	b := vtigertest.Sim(t)
	sim, demo, vt := b.Sim, b.Demo, b.Client(t)
	id, err := sim.Insert("PortalNotifications", map[string]string{"subject": "S", "description": "custom text",
		"account_id": demo.Accounts["globex"], "related_to": demo.Invoices["globex"][0], "assigned_user_id": demo.ManagerUserID})
	if err != nil {
		t.Fatal(err)
	}
	// A custom mapping: the label comes from description instead of subject.
	fields := config.Default().Notifications.Fields
	fields["label"] = "description"
	src := NewVtigerSource(vt, "PortalNotifications", fields)
	recs, err := src.Since(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var found *Record
	for i := range recs {
		if recs[i].CRMID == id {
			found = &recs[i]
		}
	}
	if found == nil {
		t.Fatalf("inserted notification %s not read (%d records)", id, len(recs))
	}
	if found.Label != "custom text" || found.Description != "custom text" || found.AccountID != demo.Accounts["globex"] ||
		found.ContactID != "" || found.RelatedModule != "Invoice" || found.ModifiedTime == "" {
		t.Fatalf("mapped %+v", *found)
	}
	if want := len(demo.Notifications["acme"]) + len(demo.Notifications["globex"]) + 1; len(recs) != want {
		t.Fatalf("%d records, want %d", len(recs), want)
	}
	later, err := src.Since(context.Background(), "2999-01-01 00:00:00")
	if err != nil || len(later) != 0 {
		t.Fatalf("future watermark: %d, %v", len(later), err)
	}
}
