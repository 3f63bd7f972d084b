package http

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/activity"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// withActivity rebuilds the accounts env's router with a real activity
// trail over the env's database.
func withActivity(t *testing.T, e *acctEnv) *activity.Service {
	t.Helper()
	cfg := acctConfig()
	cfg.Audit = config.Default().Audit
	act, err := activity.New(postgres.NewActivityStore(postgres.NewFromPool(e.pool, 0)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.h = New(Deps{Config: cfg, Logger: slog.New(slog.DiscardHandler), Auth: e.svc, Accounts: e.svc, OTP: e.svc, Activity: act})
	return act
}

// Registration and a password reset by e-mailed link have no session, yet
// they are recorded for the user they acted on, and without the secrets.
func TestActivityRecordsAnonymousAccountWrites(t *testing.T) {
	e := newAcctEnv(t, nil)
	withActivity(t, e)
	const carlPW, annaPW = "carl-secret-1", "anna-brand-new-9"
	e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users", body: map[string]any{"email": "carl@acme.example",
		"code": "CODE42", "password": carlPW, "confirmPassword": carlPW, "terms": true}}), http.StatusCreated)
	e.demoLogin("anna@acme.example")
	e.expect(e.do(acctReq{method: "POST", path: "/api/v1/users/restore", body: map[string]any{"email": "anna@acme.example"}}), http.StatusCreated)
	tok := e.resetToken("anna@acme.example")
	e.expect(e.do(acctReq{method: "PUT", path: "/api/v1/users/password", body: map[string]any{"token": tok, "password": annaPW}}), http.StatusAccepted)

	anna := e.login("anna@acme.example", annaPW)
	list := e.expect(e.do(acctReq{method: "GET", path: "/api/v1/activity", token: anna}), http.StatusOK)
	entries, _ := list["data"].([]any)
	// Carl's registration is his own (personal module); Anna sees her reset only.
	if len(entries) != 1 || list["count"] != float64(1) {
		t.Fatalf("Anna's trail: %v", list)
	}
	reset := entries[0].(map[string]any)
	if reset["action"] != "password-reset" || reset["route"] != "/users/password" || reset["record_id"] != e.demo.Contacts["anna"] {
		t.Errorf("reset entry = %v", reset)
	}
	if ch := testutil.ChangesByField(reset); ch["password"]["redacted"] != true || ch["token"]["redacted"] != true || len(ch) != 2 {
		t.Errorf("reset changes = %v", reset["changes"])
	}

	carl := e.login("carl@acme.example", carlPW)
	list = e.expect(e.do(acctReq{method: "GET", path: "/api/v1/activity", token: carl}), http.StatusOK)
	entries, _ = list["data"].([]any)
	if len(entries) != 1 {
		t.Fatalf("Carl's trail: %v", list)
	}
	reg := entries[0].(map[string]any)
	ch := testutil.ChangesByField(reg)
	if reg["action"] != "register" || reg["record_id"] != e.demo.Contacts["carl"] || ch["email"]["new"] != "carl@acme.example" ||
		ch["password"]["redacted"] != true || ch["code"]["redacted"] != true {
		t.Errorf("registration entry = %v", reg)
	}
	if _, ok := ch["confirmPassword"]; ok {
		t.Errorf("confirmPassword recorded: %v", reg["changes"])
	}

	var dump string
	if err := e.pool.QueryRow(context.Background(), `SELECT string_agg(a::text, E'\n') FROM activity a`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{carlPW, annaPW, tok, "CODE42", vtigersim.DemoPassword} {
		if strings.Contains(dump, secret) {
			t.Errorf("secret %q stored:\n%s", secret, dump)
		}
	}
}
