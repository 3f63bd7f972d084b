package earlier_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
)

// An earlier user, carried over by the command, logs in through the HTTP
// API with their old password (and their old authenticator app); the
// bcrypt hash is replaced by argon2id on that first login.
func TestImportedUserLogsInEndToEnd(t *testing.T) {
	ctx := context.Background()
	encKey := strings.Repeat("7c", 32)
	p := apptest.Start(t, func(c *config.Config, _ *app.Options) { c.Auth.EncryptionKey = encKey })
	base := p.URL() + "/api/v1"
	acme := p.Demo.Accounts["acme"]
	carl, anna := p.Demo.Contacts["carl"], p.Demo.Contacts["anna"]
	// A second Contact of Acme that only the earlier backend knew as a
	// portal user, with 2FA on.
	dora, err := p.Sim.Insert("Contacts", map[string]string{"firstname": "Dora", "lastname": "Lang",
		"email": "dora@acme.example", "account_id": acme, "portal": "1"})
	if err != nil {
		t.Fatal(err)
	}
	doraSecret := randomSecret(t)

	mysqlDSN, my := earlierDB(t)
	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost) // the earlier library's default
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	ins := `INSERT INTO users (crmid, first_name, last_name, description, account_id, account_name, title, email, password,
		is_active, otp_enabled, otp_verified, otp_secret) VALUES (?, ?, ?, '', ?, 'Acme Ltd', '', ?, ?, 1, ?, ?, ?)`
	mustExec(t, my, ins, carl, "Carl", "Jensen", acme, "Carl@Acme.example", hash("carl-old-pass"), 0, 0, "")
	mustExec(t, my, ins, dora, "Dora", "Lang", acme, "dora@acme.example", hash("dora-old-pass"), 1, 1, doraSecret)
	mustExec(t, my, ins, anna, "Anna", "Becker", acme, "anna@acme.example", hash("anna-old-pass"), 0, 0, "") // demo mode made her already
	mustExec(t, my, `INSERT INTO notifications (crmid, module, label, description, user_id, account_id, is_read, parent_id)
		VALUES ('44x901', 'HelpDesk', 'Your ticket TT7 was answered', 'see the reply', ?, ?, 0, '17x7')`, carl, acme)
	mustExec(t, my, `INSERT INTO payments (stripe_payment_id, user_id, account_id, amount, currency, payment_method, parent_id, status)
		VALUES ('pi_carl_1', ?, ?, '99.90', 'eur', 'card', ?, 1)`, carl, acme, p.Demo.Invoices["acme"][0])

	cfg := *p.Config
	run := func(apply bool) (string, int) {
		t.Helper()
		var out, progress bytes.Buffer
		rep, err := app.ImportEarlier(ctx, app.Options{Test: &app.TestHooks{Config: &cfg}, Stdout: &out, Stderr: &progress,
			Getenv: func(string) string { return "" }}, mysqlDSN, apply)
		if err != nil {
			t.Fatalf("import (apply=%v): %v", apply, err)
		}
		return out.String(), rep.Changes()
	}
	users := postgres.NewUserStore(p.DB)

	out, changes := run(false)
	if changes != 4 || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: %d changes\n%s", changes, out)
	}
	if _, err := users.ByEmail(ctx, "carl@acme.example"); err == nil {
		t.Fatal("the dry run created Carl")
	}
	if out, changes = run(true); changes != 4 || !strings.Contains(out, "(applied)") {
		t.Fatalf("apply: %d changes\n%s", changes, out)
	}
	if out, changes = run(true); changes != 0 {
		t.Fatalf("second apply: %d changes\n%s", changes, out)
	}

	// Wrong password: the usual answer, and the hash stays as it was.
	if code, body := apptest.Call(t, "POST", base+"/users/login", "", map[string]string{"email": "carl@acme.example", "password": "wrong-pass"}); code != 422 {
		t.Fatalf("wrong password: %d %v", code, body)
	}
	if u, _ := users.ByEmail(ctx, "carl@acme.example"); u == nil || !strings.HasPrefix(u.PasswordHash, "$2a$") {
		t.Fatalf("Carl's hash before the first login: %+v", u)
	}
	for i := range 2 { // the first login upgrades the hash, the second uses it
		code, body := apptest.Call(t, "POST", base+"/users/login", "", map[string]string{"email": "carl@acme.example", "password": "carl-old-pass"})
		if code != 201 || body["otp_enabled"] != false {
			t.Fatalf("login %d: %d %v", i+1, code, body)
		}
		u, err := users.ByEmail(ctx, "carl@acme.example")
		if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
			t.Fatalf("after login %d the hash is %q (%v)", i+1, u.PasswordHash, err)
		}
		token, _ := body["token"].(string)
		code, my := apptest.Call(t, "GET", base+"/users/my", token, nil)
		data, _ := my["data"].(map[string]any)
		if code != 200 || !strings.EqualFold(fmt.Sprint(data["email"]), "carl@acme.example") || data["account_id"] != acme {
			t.Fatalf("GET /users/my as Carl: %d %v", code, my)
		}
		if i == 1 {
			code, list := apptest.Call(t, "GET", base+"/notifications", token, nil)
			if code != 200 || !strings.Contains(jsonString(list), "Your ticket TT7 was answered") {
				t.Fatalf("Carl's notifications: %d %v", code, list)
			}
		}
	}

	// Dora's authenticator app keeps working: her secret was re-encrypted.
	code, body := apptest.Call(t, "POST", base+"/users/login", "", map[string]string{"email": "dora@acme.example", "password": "dora-old-pass"})
	if code != 201 || body["otp_enabled"] != true {
		t.Fatalf("Dora's login: %d %v", code, body)
	}
	token, _ := body["token"].(string)
	if code, _ := apptest.Call(t, "GET", base+"/users/my", token, nil); code != 403 {
		t.Fatalf("before the code, /users/my answered %d", code)
	}
	otpCode, err := totp.GenerateCode(doraSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if code, body := apptest.Call(t, "PATCH", base+"/otp/validate", token, map[string]string{"token": otpCode}); code != 202 {
		t.Fatalf("otp/validate with the old app's code: %d %v", code, body)
	}
	if code, body := apptest.Call(t, "GET", base+"/users/my", token, nil); code != 200 {
		t.Fatalf("after the code, /users/my: %d %v", code, body)
	}
	if u, _ := users.ByEmail(ctx, "anna@acme.example"); u == nil || strings.HasPrefix(u.PasswordHash, "$2") {
		t.Fatalf("Anna (already a portal user) got the earlier hash: %+v", u)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
