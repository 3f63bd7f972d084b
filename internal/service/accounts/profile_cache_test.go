package accounts_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
)

// The profile cache saves the Vtiger reads of /users/my, but the user's
// own profile and settings writes show at once.
func TestProfileReadsCachedAndWritesShowAtOnce(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	be := vtigertest.Sim(t)
	sim, demo := be.Sim, be.Demo
	vt := be.Client(t)
	db := postgres.NewFromPool(pgtest.New(t), 5*time.Second)
	users := postgres.NewUserStore(db)
	cfg := config.Default()
	cfg.Auth.EncryptionKey = strings.Repeat("5e", 32)
	cfg.Vtiger.Business.UserSettingsFields = []string{"emailoptout"}
	svc, err := accounts.New(accounts.Deps{
		Config: cfg, Users: users, Tokens: postgres.NewTokenStore(db), OTP: postgres.NewOTPStore(db),
		Contacts:   accounts.NewVtigerContacts(vt, "email"),
		Avatars:    postgres.NewAvatarStore(db),
		Logger:     logger,
		HashParams: accounts.HashParams{Memory: 8 << 10, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := &domain.User{ContactID: demo.Contacts["anna"], AccountID: demo.Accounts["acme"], Email: "anna@acme.example",
		PasswordHash: "x", FirstName: "Anna", LastName: "Becker", IsActive: true}
	if err := users.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	sess := &domain.Session{User: *u, Customer: domain.Customer{ContactID: u.ContactID, AccountID: u.AccountID}}

	first, err := svc.Profile(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if first.AccountName == "" {
		t.Fatalf("no account name: %+v", first)
	}
	sim.ResetCounters()
	if _, err := svc.Profile(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if n := sim.Calls()["retrieve"]; n != 0 {
		t.Fatalf("second profile read made %d retrieves, want 0", n)
	}

	// Colleagues are kept per account and contact; Ben (Globex) never
	// gets Anna's (Acme) list.
	list, _, err := svc.Colleagues(ctx, sess, 1, 50)
	if err != nil || len(list) == 0 {
		t.Fatalf("colleagues: %d, %v", len(list), err)
	}
	sim.ResetCounters()
	if again, _, err := svc.Colleagues(ctx, sess, 1, 50); err != nil || len(again) != len(list) {
		t.Fatalf("colleagues again: %d, %v", len(again), err)
	}
	if n := sim.Calls()["query"]; n != 0 {
		t.Fatalf("second colleagues read made %d queries, want 0", n)
	}
	ben := &domain.Session{Customer: domain.Customer{ContactID: demo.Contacts["ben"], AccountID: demo.Accounts["globex"]}}
	benList, _, err := svc.Colleagues(ctx, ben, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range benList {
		for _, a := range list {
			if c.CRMID == a.CRMID {
				t.Fatalf("Ben's colleagues include Anna's colleague %s", c.CRMID)
			}
		}
	}

	if _, err := svc.UpdateProfile(ctx, sess, accounts.ProfileUpdate{Fields: map[string]string{"title": "Chief Cache Officer"}}); err != nil {
		t.Fatal(err)
	}
	sim.ResetCounters()
	if _, _, err := svc.Colleagues(ctx, sess, 1, 50); err != nil {
		t.Fatal(err)
	}
	if sim.Calls()["query"] == 0 {
		t.Fatal("a contact write left the colleague lists cached")
	}
	got, err := svc.Profile(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Chief Cache Officer" {
		t.Fatalf("title after update = %q", got.Title)
	}

	if _, err := svc.UpdateSettings(ctx, sess, map[string]bool{"emailoptout": true}); err != nil {
		t.Fatal(err)
	}
	set, err := svc.Settings(ctx, sess)
	if err != nil || !set["emailoptout"] {
		t.Fatalf("settings after update: %v, %v", set, err)
	}
}
