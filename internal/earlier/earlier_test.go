package earlier_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/earlier"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
)

const (
	genUsers         = 300
	genNotifications = 200
	genPayments      = 150
)

func contactOf(i int) string { return fmt.Sprintf("12x%d", 1000+i) }
func emailOf(i int) string   { return fmt.Sprintf("user%03d@old.example", i) }

func randomSecret(t *testing.T) string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// fixture is the generated earlier database plus what the test must find.
type fixture struct {
	secrets map[int]string // user index → plain TOTP secret written to MySQL
}

var t0 = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

// loadEarlier fills the earlier schema with a few hundred generated rows
// and one of each kind of bad row.
func loadEarlier(t *testing.T, my *sql.DB) fixture {
	t.Helper()
	f := fixture{secrets: map[int]string{}}
	hash, err := bcrypt.GenerateFromPassword([]byte("pw-bulk"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := my.Begin()
	if err != nil {
		t.Fatal(err)
	}
	user := func(contact, account, email, pw string, active bool, otpOn bool, secret string, created time.Time) {
		t.Helper()
		otp := 0
		if otpOn {
			otp = 1
		}
		if _, err := tx.Exec(`INSERT INTO users (crmid, first_name, last_name, description, account_id, account_name, title,
			email, password, created_at, updated_at, is_active, otp_enabled, otp_verified, otp_secret)
			VALUES (?, ?, ?, '', ?, 'Old Co', '', ?, ?, ?, ?, ?, ?, ?, ?)`,
			contact, "First "+contact, "Last "+contact, account, email, pw, created, created.Add(time.Hour), active, otp, otp, secret); err != nil {
			t.Fatalf("insert user %s: %v", email, err)
		}
	}
	for i := range genUsers {
		otpOn, secret := i%10 == 0, ""
		switch {
		case i == 290:
			secret = "" // enabled without a secret
		case i == 280:
			secret = "not base32!"
		case i == 270:
			f.secrets[i] = randomSecret(t)
			secret = strings.ToLower(f.secrets[i][:16]) + " " + strings.ToLower(f.secrets[i][16:])
		case otpOn:
			f.secrets[i] = randomSecret(t)
			secret = f.secrets[i]
		case i == 3:
			secret = randomSecret(t) // generated but never verified: not carried
		}
		user(contactOf(i), fmt.Sprintf("11x%d", 900+i%5), emailOf(i), string(hash), i%50 != 49, otpOn, secret, t0.Add(time.Duration(i)*time.Minute))
	}
	user("12x5000", "11x900", "not-an-email", string(hash), true, false, "", t0)
	user("CONTACT7", "11x900", "bad-contact@old.example", string(hash), true, false, "", t0)
	user("12x5001", "11x900", "md5@old.example", "5f4dcc3b5aa765d61d8327deb882cf99", true, true, randomSecret(t), t0)
	user("12x5002", "acme", "bad-account@old.example", string(hash), true, false, "", t0)

	note := func(crmid any, contact any, label string, read bool, created time.Time) {
		t.Helper()
		if _, err := tx.Exec(`INSERT INTO notifications (crmid, module, label, description, assigned_user_id, account_id,
			user_id, is_read, parent_id, created_at, updated_at) VALUES (?, 'HelpDesk', ?, 'Ticket updated', '19x1', '11x900', ?, ?, ?, ?, ?)`,
			crmid, label, contact, read, "17x1", created, created); err != nil {
			t.Fatalf("insert notification: %v", err)
		}
	}
	for i := range genNotifications {
		note(fmt.Sprintf("44x%d", i), contactOf(i), fmt.Sprintf("Ticket TT%d", i), i%3 == 0, t0.Add(time.Duration(i)*time.Hour))
	}
	note(nil, contactOf(5), "Typed in by hand", false, t0)
	note(nil, contactOf(5), "Typed in by hand", false, t0) // same content twice
	note("44x5", contactOf(5), "Ticket TT5 again", false, t0)
	note("44x9000", nil, "No contact", false, t0)
	note("44x9001", "12x7777", "Unknown contact", false, t0)

	pay := func(stripeID string, contact string, amount any, currency string, status int, updated time.Time) {
		t.Helper()
		if _, err := tx.Exec(`INSERT INTO payments (stripe_payment_id, user_id, account_id, amount, currency, payment_method,
			parent_id, status, created_at, updated_at) VALUES (?, ?, '11x900', ?, ?, 'card', '2x7', ?, ?, ?)`,
			stripeID, contact, amount, currency, status, t0, updated); err != nil {
			t.Fatalf("insert payment %s: %v", stripeID, err)
		}
	}
	for i := range genPayments {
		amount, cur := "12.50", "eur"
		if i%10 == 9 {
			amount, cur = "1500.00", "JPY"
		}
		pay(fmt.Sprintf("pi_%d", i), contactOf(i), amount, cur, i%4, t0)
	}
	pay("pi_dup", contactOf(7), "30.00", "eur", 0, t0)
	pay("pi_dup", contactOf(7), "30.00", "eur", 1, t0.Add(24*time.Hour)) // the one kept
	pay("", contactOf(7), "30.00", "eur", 1, t0)
	pay("pi_zero", contactOf(7), "0.00", "eur", 1, t0)
	pay("pi_null", contactOf(7), nil, "eur", 1, t0)
	pay("pi_status", contactOf(7), "5.00", "eur", 42, t0)
	pay("pi_nocur", contactOf(7), "5.00", "", 1, t0)
	pay("pi_orphan", "12x7777", "7.00", "usd", 1, t0)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return f
}

// seedPortal puts rows into PostgreSQL that collide with the earlier data
// in each possible way.
func seedPortal(t *testing.T, db *postgres.DB) (present, emailOwner, contactOwner *domain.User) {
	t.Helper()
	ctx := context.Background()
	users := postgres.NewUserStore(db)
	mk := func(contact, email string) *domain.User {
		u := &domain.User{ContactID: contact, AccountID: "11x900", Email: email, PasswordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", IsActive: true}
		if err := users.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	present = mk(contactOf(0), strings.ToUpper(emailOf(0))) // same user, e-mail in other case, 2FA on
	if err := users.SetOTP(ctx, present.ID, []byte("sealed elsewhere"), true, true); err != nil {
		t.Fatal(err)
	}
	emailOwner = mk("12x9999", emailOf(1))
	contactOwner = mk(contactOf(2), "other@new.example")
	if _, err := postgres.NewNotificationStore(db).InsertForRecipients(ctx, domain.NotificationInput{CRMID: "44x0", Label: "already here"}, []int64{present.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := postgres.NewPaymentStore(db).Insert(ctx, domain.Payment{StripePaymentID: "pi_0", ContactID: contactOf(0),
		ParentID: "2x7", AmountMinor: 1250, Currency: "eur", PaymentMethod: "card"}); err != nil {
		t.Fatal(err)
	}
	return present, emailOwner, contactOwner
}

type counts struct {
	Found, Insert, Present, Skipped int
}

func countsOf(tb earlier.Table) counts {
	return counts{tb.Found, tb.Insert, tb.Present, tb.SkippedTotal()}
}

// dump is every row the import can touch, for "nothing changed" checks.
func dump(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, contact_id, account_id, email, password_hash, first_name, last_name, encode(otp_secret, 'hex'),
			otp_enabled, otp_verified, is_active, created_at, updated_at FROM users ORDER BY id`,
		`SELECT id, crm_id, user_id, account_id, contact_id, module, label, description, related_id, assigned_user_id,
			is_read, is_deleted, created_at, updated_at FROM notifications ORDER BY id`,
		`SELECT id, stripe_payment_id, user_id, contact_id, account_id, parent_id, amount_minor, currency, payment_method,
			status, crm_synced, created_at, updated_at FROM payments ORDER BY id`,
	} {
		rows, err := pool.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
	}
	return b.String()
}

func TestImportDryRunApplyAndAgain(t *testing.T) {
	ctx := context.Background()
	_, my := earlierDB(t)
	fx := loadEarlier(t, my)
	pool := pgtest.New(t)
	db := postgres.NewFromPool(pool, 10*time.Second)
	present, emailOwner, contactOwner := seedPortal(t, db)
	key, _ := accounts.RandomKey()
	cipher, err := accounts.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	opts := earlier.Options{Source: my, Target: pool, Sealer: cipher, Progress: &progress, ProgressEvery: 100}

	want := map[string]counts{
		"users":         {Found: genUsers + 4, Insert: genUsers + 4 - 1 - 6, Present: 1, Skipped: 6},
		"otp":           {Found: 31, Insert: 27, Present: 1, Skipped: 3},
		"notifications": {Found: genNotifications + 5, Insert: genNotifications - 1 - 1 + 1, Present: 1, Skipped: 5},
		"payments":      {Found: genPayments + 8, Insert: genPayments - 1 + 2, Present: 1, Skipped: 6},
	}
	check := func(name string, rep *earlier.Report, want map[string]counts) {
		t.Helper()
		for table, w := range want {
			if got := countsOf(rep.Table(table)); got != w {
				t.Errorf("%s: %s = %+v, want %+v", name, table, got, w)
			}
		}
	}

	before := dump(t, pool)
	dry, err := earlier.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Applied {
		t.Fatal("dry run reports Applied")
	}
	check("dry run", dry, want)
	if after := dump(t, pool); after != before {
		t.Fatal("the dry run wrote to PostgreSQL")
	}
	var summary bytes.Buffer
	if err := dry.WriteSummary(&summary); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"dry run", "would insert", "already present",
		"e-mail belongs to the portal user of another Contact: #2 " + emailOf(1),
		"Contact already has a portal user with another e-mail: #3 " + emailOf(2),
		"password is not a bcrypt hash", "crmid is not a Vtiger Contact id", "account_id is not a Vtiger id",
		"e-mail address is empty or invalid", "duplicate stripe_payment_id",
		emailOf(290) + " (Contact " + contactOf(290) + "): the secret is empty",
		emailOf(280) + " (Contact " + contactOf(280) + "): the secret is not base32",
	} {
		if !strings.Contains(summary.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, summary.String())
		}
	}
	t.Logf("dry-run summary:\n%s", summary.String())
	if len(dry.OTPOff) != 2 {
		t.Errorf("OTPOff = %+v, want users 280 and 290", dry.OTPOff)
	}

	opts.Apply = true
	progress.Reset()
	applied, err := earlier.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !applied.Applied {
		t.Fatal("apply does not report Applied")
	}
	check("apply", applied, want)
	for _, line := range []string{"users: 100 read", "users: 200/297 written", "users: 297/297 written", "notifications: 100/199 written"} {
		if !strings.Contains(progress.String(), line+"\n") {
			t.Errorf("progress lacks %q:\n%s", line, progress.String())
		}
	}

	var nUsers, nNotes, nPays int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM notifications), (SELECT count(*) FROM payments)`).
		Scan(&nUsers, &nNotes, &nPays); err != nil {
		t.Fatal(err)
	}
	if nUsers != 3+want["users"].Insert || nNotes != 1+want["notifications"].Insert || nPays != 1+want["payments"].Insert {
		t.Fatalf("rows after apply: %d users, %d notifications, %d payments", nUsers, nNotes, nPays)
	}

	t.Run("users", func(t *testing.T) {
		users := postgres.NewUserStore(db)
		u, err := users.ByEmail(ctx, emailOf(49))
		if err != nil {
			t.Fatal(err)
		}
		if u.ContactID != contactOf(49) || u.AccountID != "11x904" || u.FirstName != "First "+contactOf(49) || u.IsActive ||
			!strings.HasPrefix(u.PasswordHash, "$2a$") || !u.CreatedAt.Equal(t0.Add(49*time.Minute)) || u.OTPEnabled || u.OTPSecret != nil {
			t.Errorf("imported user 49 = %+v", u)
		}
		if ok, rehash, err := accounts.VerifyPassword(u.PasswordHash, "pw-bulk", accounts.DefaultHashParams); !ok || !rehash || err != nil {
			t.Errorf("the carried bcrypt hash does not verify: %v %v %v", ok, rehash, err)
		}
		for _, id := range []*domain.User{present, emailOwner, contactOwner} {
			got, err := users.ByID(ctx, id.ID)
			if err != nil || got.Email != id.Email || got.ContactID != id.ContactID || got.PasswordHash != id.PasswordHash {
				t.Errorf("existing user %d changed: %+v %v", id.ID, got, err)
			}
		}
		if _, err := users.ByEmail(ctx, "md5@old.example"); err == nil {
			t.Error("user with a non-bcrypt hash was imported")
		}
	})

	t.Run("otp", func(t *testing.T) {
		users := postgres.NewUserStore(db)
		for _, i := range []int{10, 270} {
			u, err := users.ByEmail(ctx, emailOf(i))
			if err != nil {
				t.Fatal(err)
			}
			if !u.OTPEnabled || !u.OTPVerified {
				t.Fatalf("user %d: 2FA not on: %+v", i, u)
			}
			secret, err := cipher.OpenTOTPSecret(u.ID, u.OTPSecret)
			if err != nil || secret != fx.secrets[i] {
				t.Errorf("user %d: secret %q (%v), want %q", i, secret, err, fx.secrets[i])
			}
			// Bound to the row: it does not open as another user's.
			if _, err := cipher.OpenTOTPSecret(u.ID+1, u.OTPSecret); err == nil {
				t.Errorf("user %d: sealed secret opens for another id", i)
			}
		}
		for _, i := range []int{280, 290, 3} {
			u, err := users.ByEmail(ctx, emailOf(i))
			if err != nil {
				t.Fatal(err)
			}
			if u.OTPEnabled || u.OTPSecret != nil {
				t.Errorf("user %d: 2FA should be off: %+v", i, u)
			}
		}
	})

	t.Run("notifications and payments", func(t *testing.T) {
		var label, related string
		var read bool
		var created time.Time
		if err := pool.QueryRow(ctx, `SELECT n.label, n.related_id, n.is_read, n.created_at FROM notifications n
			JOIN users u ON u.id = n.user_id WHERE u.email = $1 AND n.crm_id = '44x3'`, emailOf(3)).
			Scan(&label, &related, &read, &created); err != nil {
			t.Fatal(err)
		}
		if label != "Ticket TT3" || related != "17x1" || !read || !created.Equal(t0.Add(3*time.Hour)) {
			t.Errorf("notification 44x3 = %q %q %v %v", label, related, read, created)
		}
		var toContactOwner int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1`, contactOwner.ID).Scan(&toContactOwner); err != nil {
			t.Fatal(err)
		}
		if toContactOwner != 1 {
			t.Errorf("the Contact's portal user got %d notifications, want 1", toContactOwner)
		}

		ps := postgres.NewPaymentStore(db)
		for _, c := range []struct {
			id      string
			minor   int64
			cur     string
			status  domain.PaymentStatus
			synced  bool
			hasUser bool
		}{
			{"pi_1", 1250, "eur", domain.PaymentSucceeded, true, false}, // user 1 was skipped
			{"pi_4", 1250, "eur", domain.PaymentPending, false, true},
			{"pi_9", 1500, "jpy", domain.PaymentSucceeded, true, true},
			{"pi_dup", 3000, "eur", domain.PaymentSucceeded, true, true},
			{"pi_orphan", 700, "usd", domain.PaymentSucceeded, true, false},
		} {
			p, err := ps.ByStripeID(ctx, c.id)
			if err != nil {
				t.Fatalf("%s: %v", c.id, err)
			}
			if p.AmountMinor != c.minor || p.Currency != c.cur || p.Status != c.status || p.CRMSynced != c.synced || (p.UserID != 0) != c.hasUser {
				t.Errorf("%s = %+v", c.id, p)
			}
		}
		if pending, err := ps.PendingCRMSync(ctx, 1000); err != nil || len(pending) != 0 {
			t.Errorf("imported history is queued for a CRM update: %d %v", len(pending), err)
		}
	})

	beforeAgain := dump(t, pool)
	again, err := earlier.Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Changes() != 0 {
		t.Errorf("second apply inserted %d rows", again.Changes())
	}
	wantAgain := map[string]counts{}
	for table, w := range want {
		wantAgain[table] = counts{Found: w.Found, Present: w.Present + w.Insert, Skipped: w.Skipped}
	}
	// The Contact owners' and skipped users' rows are skipped again, for the
	// same reasons; the 2FA that could not be carried is not "present" now.
	wantAgain["otp"] = counts{Found: 31, Present: 28, Skipped: 3}
	wantAgain["users"] = counts{Found: genUsers + 4, Present: genUsers + 4 - 6, Skipped: 6}
	check("apply again", again, wantAgain)
	if dump(t, pool) != beforeAgain {
		t.Error("the second apply changed PostgreSQL")
	}
}

// A database the earlier backend left at migration 000002 (no 2FA columns,
// no payments or notifications yet) still imports its users.
func TestImportFromAnOlderSchema(t *testing.T) {
	ctx := context.Background()
	_, my := earlierDB(t)
	mustExec(t, my, `DROP TABLE notifications, payments`)
	mustExec(t, my, `ALTER TABLE users DROP COLUMN otp_enabled, DROP COLUMN otp_verified, DROP COLUMN otp_secret, DROP COLUMN otp_auth_url`)
	hash, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	mustExec(t, my, `INSERT INTO users (crmid, first_name, last_name, description, account_id, account_name, title, email, password, is_active)
		VALUES ('12x1', 'Old', 'Timer', '', '', '', '', 'old@old.example', ?, 1)`, string(hash))
	pool := pgtest.New(t)
	key, _ := accounts.RandomKey()
	cipher, _ := accounts.NewCipher(key)
	rep, err := earlier.Run(ctx, earlier.Options{Source: my, Target: pool, Sealer: cipher, Apply: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]counts{"users": {Found: 1, Insert: 1}, "otp": {}, "notifications": {}, "payments": {}}
	for table, w := range want {
		if got := countsOf(rep.Table(table)); got != w {
			t.Errorf("%s = %+v, want %+v", table, got, w)
		}
	}
	var account string
	if err := pool.QueryRow(ctx, `SELECT account_id FROM users WHERE email = 'old@old.example'`).Scan(&account); err != nil || account != "" {
		t.Fatalf("imported user without an Account: %q %v", account, err)
	}
}
