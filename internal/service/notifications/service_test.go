package notifications_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/notifications"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

type env struct {
	svc              *notifications.Service
	sim              *vtigersim.Server
	demo             *vtigersim.Demo
	anna, carl, ben  domain.Customer
	broadcastID      string // account-wide acme notification (no contact)
	otherContactNote string // addressed to carl
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	be := vtigertest.Sim(t)
	sim, demo := be.Sim, be.Demo
	e := &env{sim: sim, demo: demo}
	var err error
	e.broadcastID, err = sim.Insert("PortalNotifications", map[string]string{
		"subject": "Maintenance on Saturday", "description": "The portal is offline 8-10.",
		"account_id": demo.Accounts["acme"], "assigned_user_id": demo.ManagerUserID,
	})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	e.otherContactNote, err = sim.Insert("PortalNotifications", map[string]string{
		"subject": "For Carl", "account_id": demo.Accounts["acme"], "contact_id": demo.Contacts["carl"],
		"related_to": demo.Tickets["acme"][0], "assigned_user_id": demo.ManagerUserID,
	})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	vt := be.Client(t)
	db := postgres.NewFromPool(pgtest.New(t), 5*time.Second)
	users := postgres.NewUserStore(db)
	mk := func(email, contact, account string) domain.Customer {
		u := &domain.User{Email: email, ContactID: contact, AccountID: account, PasswordHash: "x", IsActive: true}
		if err := users.Create(ctx, u); err != nil {
			t.Fatalf("create user: %v", err)
		}
		return domain.Customer{UserID: u.ID, ContactID: contact, AccountID: account, Email: email}
	}
	e.anna = mk("anna@example.com", demo.Contacts["anna"], demo.Accounts["acme"])
	e.carl = mk("carl@example.com", demo.Contacts["carl"], demo.Accounts["acme"])
	e.ben = mk("ben@example.com", demo.Contacts["ben"], demo.Accounts["globex"])
	e.svc, err = notifications.New(notifications.Options{
		Store: postgres.NewNotificationStore(db), Users: users,
		Source: notifications.NewVtigerSource(vt, "PortalNotifications", config.Default().Notifications.Fields),
		Logger: logger, Lookback: 50 * 365 * 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func crmIDs(t *testing.T, svc *notifications.Service, c domain.Customer) map[string]domain.Notification {
	t.Helper()
	items, total, _, err := svc.List(context.Background(), c, 1, 100)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if total != len(items) {
		t.Fatalf("total %d, items %d", total, len(items))
	}
	m := map[string]domain.Notification{}
	for _, n := range items {
		if _, dup := m[n.CRMID]; dup {
			t.Fatalf("duplicate notification %s for user %d", n.CRMID, c.UserID)
		}
		m[n.CRMID] = n
	}
	return m
}

func TestImportFansOutToTheRightUsers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	n, err := e.svc.Import(ctx)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	// acme: 2 seeded for anna + broadcast to anna and carl + 1 for carl;
	// globex: 2 seeded for ben.
	if want := 2 + 2 + 1 + len(e.demo.Notifications["globex"]); n != want {
		t.Fatalf("imported %d rows, want %d", n, want)
	}
	anna, carl, ben := crmIDs(t, e.svc, e.anna), crmIDs(t, e.svc, e.carl), crmIDs(t, e.svc, e.ben)
	for _, id := range e.demo.Notifications["acme"] {
		if _, ok := anna[id]; !ok {
			t.Errorf("anna misses %s", id)
		}
		if _, ok := carl[id]; ok {
			t.Errorf("carl got anna's %s", id)
		}
	}
	for _, m := range []map[string]domain.Notification{anna, carl} {
		if _, ok := m[e.broadcastID]; !ok {
			t.Errorf("account-wide notification missing")
		}
	}
	if _, ok := anna[e.otherContactNote]; ok {
		t.Error("anna got carl's notification")
	}
	note, ok := carl[e.otherContactNote]
	if !ok || note.Label != "For Carl" || note.RelatedID != e.demo.Tickets["acme"][0] || note.Module != "HelpDesk" || note.IsRead {
		t.Errorf("carl's notification %+v", note)
	}
	if len(ben) != len(e.demo.Notifications["globex"]) {
		t.Errorf("ben has %d notifications, want %d", len(ben), len(e.demo.Notifications["globex"]))
	}
	for id := range ben {
		if id == e.broadcastID || id == e.otherContactNote {
			t.Errorf("ben got acme's %s", id)
		}
	}

	// Again: nothing new, nothing duplicated; a new CRM record arrives alone.
	if n, err := e.svc.Import(ctx); err != nil || n != 0 {
		t.Fatalf("second import = %d, %v", n, err)
	}
	if _, err := e.sim.Insert("PortalNotifications", map[string]string{"subject": "Later", "account_id": e.demo.Accounts["globex"],
		"assigned_user_id": e.demo.ManagerUserID}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.Import(ctx); err != nil || n != 1 {
		t.Fatalf("third import = %d, %v", n, err)
	}
	_ = crmIDs(t, e.svc, e.ben) // fails on duplicates
}

func TestListAndMarkRead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Import(ctx); err != nil {
		t.Fatal(err)
	}
	items, total, unread, err := e.svc.List(ctx, e.anna, 1, 2)
	if err != nil || total != 3 || unread != 3 || len(items) != 2 {
		t.Fatalf("page 1: %d items, total %d, unread %d, %v", len(items), total, unread, err)
	}
	if items[0].CreatedAt.Before(items[1].CreatedAt) {
		t.Fatalf("not newest first: %v then %v", items[0].CreatedAt, items[1].CreatedAt)
	}
	page2, _, _, err := e.svc.List(ctx, e.anna, 2, 2)
	if err != nil || len(page2) != 1 || page2[0].ID == items[0].ID || page2[0].ID == items[1].ID {
		t.Fatalf("page 2: %+v, %v", page2, err)
	}
	if err := e.svc.MarkRead(ctx, e.anna, items[0].ID); err != nil {
		t.Fatalf("mark read: %v", err)
	}
	if _, _, unread, _ := e.svc.List(ctx, e.anna, 1, 10); unread != 2 {
		t.Fatalf("unread %d after marking one, want 2", unread)
	}
	tests := []struct {
		name string
		cust domain.Customer
		id   int64
	}{
		{"another user's", e.ben, items[1].ID},
		{"missing", e.anna, 1 << 40},
		{"zero", e.anna, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := e.svc.MarkRead(ctx, tc.cust, tc.id); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("err %v, want not found", err)
			}
		})
	}
	if _, _, unread, _ := e.svc.List(ctx, e.anna, 1, 10); unread != 2 {
		t.Fatalf("another user changed anna's notifications: unread %d", unread)
	}
}
