package postgres_test

import (
	"context"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
)

func TestUserCreateAndLookup(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	users := postgres.NewUserStore(db)

	u := &domain.User{ContactID: "12x7", AccountID: "11x3", Email: "  Alice@Example.COM ", PasswordHash: "h",
		FirstName: "Alice", LastName: "A", OTPSecret: []byte{1, 2, 3}, IsActive: true}
	if err := users.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.CreatedAt.IsZero() || u.UpdatedAt.IsZero() {
		t.Fatalf("Create did not fill ID/timestamps: %+v", u)
	}
	if u.Email != "Alice@Example.COM" {
		t.Fatalf("email not trimmed: %q", u.Email)
	}

	lookups := []struct {
		name string
		get  func() (*domain.User, error)
	}{
		{"by id", func() (*domain.User, error) { return users.ByID(ctx, u.ID) }},
		{"by email exact", func() (*domain.User, error) { return users.ByEmail(ctx, "Alice@Example.COM") }},
		{"by email other case", func() (*domain.User, error) { return users.ByEmail(ctx, "alice@example.com") }},
		{"by email spaces", func() (*domain.User, error) { return users.ByEmail(ctx, " ALICE@EXAMPLE.COM ") }},
		{"by contact", func() (*domain.User, error) { return users.ByContactID(ctx, "12x7") }},
	}
	for _, l := range lookups {
		t.Run(l.name, func(t *testing.T) {
			got, err := l.get()
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != u.ID || got.ContactID != "12x7" || got.AccountID != "11x3" || got.FirstName != "Alice" ||
				string(got.OTPSecret) != "\x01\x02\x03" || !got.IsActive || got.PasswordHash != "h" {
				t.Fatalf("got %+v", got)
			}
		})
	}

	missing := []struct {
		name string
		get  func() (*domain.User, error)
	}{
		{"id", func() (*domain.User, error) { return users.ByID(ctx, u.ID+1000) }},
		{"email", func() (*domain.User, error) { return users.ByEmail(ctx, "bob@example.com") }},
		{"contact", func() (*domain.User, error) { return users.ByContactID(ctx, "12x8") }},
	}
	for _, m := range missing {
		t.Run("missing "+m.name, func(t *testing.T) {
			_, err := m.get()
			testutil.WantCode(t, err, domain.ENOTFOUND)
			if domain.ErrorMessage(err) != "user not found" {
				t.Fatalf("message %q", domain.ErrorMessage(err))
			}
		})
	}
}

func TestUserUniqueness(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	users := postgres.NewUserStore(db)
	if err := users.Create(ctx, &domain.User{ContactID: "12x1", Email: "Dup@Example.com", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		user      domain.User
		code      string
		wantField string
	}{
		{"same email other case", domain.User{ContactID: "12x2", Email: "dup@EXAMPLE.com"}, domain.ECONFLICT, "email"},
		{"same contact", domain.User{ContactID: "12x1", Email: "other@example.com"}, domain.ECONFLICT, "contact_id"},
		{"empty email", domain.User{ContactID: "12x3", Email: "  "}, domain.EINVALID, "email"},
		{"empty contact", domain.User{ContactID: "", Email: "x@example.com"}, domain.EINVALID, "contact_id"},
		{"fine", domain.User{ContactID: "12x4", Email: "new@example.com"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			err := users.Create(ctx, &u)
			testutil.WantCode(t, err, tt.code)
			if domain.ErrorField(err) != tt.wantField {
				t.Fatalf("field = %q, want %q", domain.ErrorField(err), tt.wantField)
			}
		})
	}

	// Changing an e-mail to a taken one (any case) is a conflict too.
	other, _ := users.ByContactID(ctx, "12x4")
	err := users.UpdateEmail(ctx, other.ID, "DUP@example.COM")
	testutil.WantCode(t, err, domain.ECONFLICT)
	if domain.ErrorField(err) != "email" {
		t.Fatalf("field %q", domain.ErrorField(err))
	}
}

func TestUserUpdates(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	users := postgres.NewUserStore(db)
	u := mkUser(t, db, "11x1")

	check := func(t *testing.T, f func(*domain.User) bool) {
		t.Helper()
		got, err := users.ByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !f(got) {
			t.Fatalf("unexpected user %+v", got)
		}
		if !got.UpdatedAt.After(u.CreatedAt) && !got.UpdatedAt.Equal(u.CreatedAt) {
			t.Fatalf("updated_at went backwards")
		}
	}
	tests := []struct {
		name   string
		update func(id int64) error
		check  func(*domain.User) bool
	}{
		{"password", func(id int64) error { return users.UpdatePassword(ctx, id, "newhash") },
			func(u *domain.User) bool { return u.PasswordHash == "newhash" }},
		{"email", func(id int64) error { return users.UpdateEmail(ctx, id, " New@Example.com ") },
			func(u *domain.User) bool { return u.Email == "New@Example.com" }},
		{"profile", func(id int64) error { return users.UpdateProfile(ctx, id, "Ann", "Lee") },
			func(u *domain.User) bool { return u.FirstName == "Ann" && u.LastName == "Lee" }},
		{"account", func(id int64) error { return users.UpdateAccount(ctx, id, "11x9") },
			func(u *domain.User) bool { return u.AccountID == "11x9" }},
		{"otp on", func(id int64) error { return users.SetOTP(ctx, id, []byte("enc"), true, true) },
			func(u *domain.User) bool { return string(u.OTPSecret) == "enc" && u.OTPEnabled && u.OTPVerified }},
		{"otp off", func(id int64) error { return users.SetOTP(ctx, id, nil, false, false) },
			func(u *domain.User) bool { return u.OTPSecret == nil && !u.OTPEnabled && !u.OTPVerified }},
		{"deactivate", func(id int64) error { return users.SetActive(ctx, id, false) },
			func(u *domain.User) bool { return !u.IsActive }},
		{"activate", func(id int64) error { return users.SetActive(ctx, id, true) },
			func(u *domain.User) bool { return u.IsActive }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.update(u.ID); err != nil {
				t.Fatal(err)
			}
			check(t, tt.check)
			if err := tt.update(u.ID + 1000); !isNotFound(err) {
				t.Fatalf("update of missing user = %v, want not found", err)
			}
		})
	}
	if err := users.UpdateEmail(ctx, u.ID, ""); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("empty e-mail accepted: %v", err)
	}
}

func TestUserListByAccount(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	users := postgres.NewUserStore(db)
	a1 := mkUser(t, db, "11x1")
	a2 := mkUser(t, db, "11x1")
	mkUser(t, db, "11x2")
	mkUser(t, db, "")

	tests := []struct {
		account string
		want    []int64
	}{
		{"11x1", []int64{a1.ID, a2.ID}},
		{"11x3", nil},
		{"", nil}, // contacts without an organisation share nothing
	}
	for _, tt := range tests {
		t.Run(tt.account, func(t *testing.T) {
			got, err := users.ListByAccount(ctx, tt.account)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("nil slice; want empty")
			}
			var ids []int64
			for _, u := range got {
				ids = append(ids, u.ID)
			}
			if len(ids) != len(tt.want) || (len(ids) > 0 && (ids[0] != tt.want[0] || ids[1] != tt.want[1])) {
				t.Fatalf("ids = %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestOTPLastStepReplay(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	users := postgres.NewUserStore(db)
	u := mkUser(t, db, "")

	// Many requests presenting the same code at once: exactly one wins.
	const n = 16
	wins := concurrentWins(t, n, func() (bool, error) { return users.SetOTPLastStep(ctx, u.ID, 1000) })
	if wins != 1 {
		t.Fatalf("%d concurrent acceptances of one step, want 1", wins)
	}

	tests := []struct {
		step int64
		want bool
	}{
		{1000, false}, // replay
		{999, false},  // older code
		{1001, true},
		{1001, false},
		{1003, true},
		{1002, false}, // an earlier step after a later one was used
	}
	for _, tt := range tests {
		ok, err := users.SetOTPLastStep(ctx, u.ID, tt.step)
		if err != nil || ok != tt.want {
			t.Fatalf("step %d: ok=%v err=%v, want %v", tt.step, ok, err, tt.want)
		}
	}
	if _, err := users.SetOTPLastStep(ctx, u.ID+1000, 5000); !isNotFound(err) {
		t.Fatalf("missing user: %v", err)
	}
}

func TestUserDeleteCascades(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	users := postgres.NewUserStore(db)
	tokens := postgres.NewTokenStore(db)
	otp := postgres.NewOTPStore(db)
	notes := postgres.NewNotificationStore(db)
	payments := postgres.NewPaymentStore(db)
	u := mkUser(t, db, "11x1")

	h := hash("tok")
	if err := tokens.Insert(ctx, domain.Token{Hash: h, UserID: u.ID, Scope: domain.ScopeAuthentication, Expiry: future()}); err != nil {
		t.Fatal(err)
	}
	if err := otp.ReplaceRecoveryCodes(ctx, u.ID, [][]byte{hash("c1")}); err != nil {
		t.Fatal(err)
	}
	if err := otp.SavePending(ctx, u.ID, []byte("s"), future()); err != nil {
		t.Fatal(err)
	}
	if _, err := notes.InsertForRecipients(ctx, domain.NotificationInput{CRMID: "50x1", Label: "x"}, []int64{u.ID}); err != nil {
		t.Fatal(err)
	}
	p, _, err := payments.Insert(ctx, domain.Payment{StripePaymentID: "pi_1", UserID: u.ID, AccountID: "11x1", ParentID: "7x1", AmountMinor: 100, Currency: "usd"})
	if err != nil {
		t.Fatal(err)
	}

	if err := users.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := users.Delete(ctx, u.ID); !isNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
	var left int
	err = db.Pool().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM tokens) + (SELECT count(*) FROM otp_recovery_codes) +
		(SELECT count(*) FROM otp_pending) + (SELECT count(*) FROM notifications)`).Scan(&left)
	if err != nil || left != 0 {
		t.Fatalf("%d dependent rows left after user delete (err %v)", left, err)
	}
	// Payments are history: kept, detached from the user.
	got, err := payments.ByStripeID(ctx, "pi_1")
	if err != nil || got.ID != p.ID || got.UserID != 0 {
		t.Fatalf("payment after user delete: %+v %v", got, err)
	}
}
