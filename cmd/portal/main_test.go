package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	// The CLI reads its environment through os.Getenv; isolate it.
	for _, k := range []string{"PORTAL_CONFIG", "PORTAL_DB_DSN", "PORTAL_VTIGER_URL", "PORTAL_VTIGER_USERNAME",
		"PORTAL_VTIGER_ACCESS_KEY", "PORTAL_ENCRYPTION_KEY", "PORTAL_HTTP_PORT", "PORTAL_ENVIRONMENT"} {
		t.Setenv(k, env[k])
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "portal dev") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, out, _ = runCLI(t, nil, "help")
	if code != 0 {
		t.Fatalf("help exit %d", code)
	}
	for _, want := range []string{"serve", "migrate up", "config check", "otp-disable", "notifications import", "import earlier --mysql-dsn", "payments simulate-webhook", "audit list", "PORTAL_DB_DSN", "PORTAL_ENCRYPTION_KEY"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	tests := [][]string{
		{"frobnicate"},
		{"migrate"},
		{"migrate", "sideways"},
		{"migrate", "down", "x"},
		{"migrate", "force"},
		{"config"},
		{"user", "otp-disable"},
		{"import"},
		{"import", "later"},
		{"import", "earlier"},
		{"import", "earlier", "--mysql-dsn", "root@tcp(127.0.0.1:3306)/x", "extra"},
		{"audit"},
		{"audit", "list", "-since", "yesterday"},
		{"audit", "list", "-limit", "0"},
		{"audit", "list", "extra"},
		{"-no-such-flag"},
		{"payments"},
		{"payments", "refund"},
		{"payments", "simulate-webhook", "-demo"},
		{"payments", "simulate-webhook", "-demo", "-intent", "in_1"},
		{"payments", "simulate-webhook", "-demo", "-intent", "pi_1", "-status", "paid"},
		{"payments", "simulate-webhook", "-intent", "pi_1"},
	}
	for _, args := range tests {
		if code, _, stderr := runCLI(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

func TestConfigCheckListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "portal.yaml")
	if err := os.WriteFile(bad, []byte("http:\n  port: 70000\nvtiger:\n  connection:\n    url: ftp://crm\n  bussines: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "-config", bad, "config", "check")
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, stderr)
	}
	for _, want := range []string{"http.port", "vtiger.connection.url", "bussines"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("config check output lacks %q:\n%s", want, stderr)
		}
	}

	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("db:\n  dsn: postgres://postgres@127.0.0.1:5432/x?sslmode=disable\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"PORTAL_VTIGER_URL":        "https://crm.example.com/webservice.php",
		"PORTAL_VTIGER_USERNAME":   "admin",
		"PORTAL_VTIGER_ACCESS_KEY": "key",
		"PORTAL_ENCRYPTION_KEY":    strings.Repeat("ab", 32),
	}
	code, out, stderr := runCLI(t, env, "-config", good, "config", "check")
	if code != 0 || !strings.Contains(out, "configuration OK") {
		t.Fatalf("good config: exit %d out %q err %q", code, out, stderr)
	}
}

func TestMigrateRoundTripThroughCLI(t *testing.T) {
	env := map[string]string{"PORTAL_DB_DSN": pgtest.NewEmpty(t)}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "version"}, "schema version 0"},
		{[]string{"migrate", "up"}, ", clean"},
		{[]string{"migrate", "down", "2"}, "clean"},
		{[]string{"migrate", "down"}, "schema version 0"},
		{[]string{"migrate", "up"}, "clean"},
	}
	for _, st := range steps {
		code, out, stderr := runCLI(t, env, st.args...)
		if code != 0 || !strings.Contains(out, st.want) {
			t.Fatalf("%v: exit %d out %q err %q", st.args, code, out, stderr)
		}
	}
	_, out, _ := runCLI(t, env, "migrate", "version")
	if strings.Contains(out, "schema version 0 ") {
		t.Fatalf("after up the version is still 0: %s", out)
	}
}

func TestUserOTPDisable(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `INSERT INTO users (contact_id, account_id, email, password_hash, otp_secret, otp_enabled, otp_verified)
		VALUES ('12x9', '11x1', 'Lost.Phone@Example.com', 'x', '\x01', true, true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO otp_recovery_codes (user_id, code_hash)
		SELECT id, '\x02' FROM users WHERE contact_id = '12x9'`); err != nil {
		t.Fatal(err)
	}
	// Only the database: no Vtiger credentials and no encryption key, even
	// in production (where serve would refuse to start without them).
	env := map[string]string{
		"PORTAL_DB_DSN":      dsn,
		"PORTAL_ENVIRONMENT": "production",
	}
	code, out, stderr := runCLI(t, env, "user", "otp-disable", "lost.phone@example.com")
	if code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("otp-disable: exit %d out %q err %q", code, out, stderr)
	}
	var enabled bool
	if err := pool.QueryRow(ctx, `SELECT otp_enabled FROM users WHERE contact_id = '12x9'`).Scan(&enabled); err != nil {
		t.Fatal(err)
	}
	if enabled {
		t.Fatal("OTP still enabled after portal user otp-disable")
	}
	var codes int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM otp_recovery_codes rc JOIN users u ON u.id = rc.user_id WHERE u.contact_id = '12x9'`).Scan(&codes); err != nil {
		t.Fatal(err)
	}
	if codes != 0 {
		t.Fatalf("%d recovery codes left after otp-disable", codes)
	}
	if code, _, stderr := runCLI(t, env, "user", "otp-disable", "nobody@example.com"); code != 1 || !strings.Contains(stderr, "nobody@example.com") {
		t.Fatalf("unknown user: exit %d err %q", code, stderr)
	}
	// Without a database it names the one key it needs.
	if code, _, stderr := runCLI(t, map[string]string{}, "user", "otp-disable", "lost.phone@example.com"); code != 2 || !strings.Contains(stderr, "db.dsn") {
		t.Fatalf("no db.dsn: exit %d err %q", code, stderr)
	}
}

func TestSubcommandHelp(t *testing.T) {
	for _, args := range [][]string{{"serve", "-h"}, {"migrate", "-h"}, {"config", "-h"}, {"user", "-h"}, {"notifications", "-h"}, {"audit", "-h"}, {"audit", "list", "-h"}} {
		code, out, stderr := runCLI(t, nil, args...)
		if code != 0 || !strings.Contains(out+stderr, "Usage: portal "+args[0]) {
			t.Errorf("%v: exit %d, output %q %q", args, code, out, stderr)
		}
	}
}

func TestImportEarlierThroughCLI(t *testing.T) {
	dsn := pgtest.DSN(t)
	env := map[string]string{"PORTAL_DB_DSN": dsn}
	// The TOTP secrets need the portal's key: no random stand-in.
	code, _, stderr := runCLI(t, env, "import", "earlier", "--mysql-dsn", "root@tcp(127.0.0.1:3306)/")
	if code != 2 || !strings.Contains(stderr, "auth.encryptionKey") {
		t.Fatalf("without a key: exit %d: %s", code, stderr)
	}
	env["PORTAL_ENCRYPTION_KEY"] = strings.Repeat("ef", 32)
	code, _, stderr = runCLI(t, env, "import", "earlier", "--mysql-dsn", "portal:s3cret-pw@nonsense")
	if code != 1 || strings.Contains(stderr, "s3cret-pw") || !strings.Contains(stderr, "--mysql-dsn") {
		t.Fatalf("bad DSN: exit %d: %s", code, stderr)
	}
	// "-" reads the DSN from stdin, so the password is not in ps.
	stdin, err := os.CreateTemp(t.TempDir(), "dsn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.WriteString("portal:from-stdin-pw@nonsense\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	saved := os.Stdin
	os.Stdin = stdin
	code, _, stderr = runCLI(t, env, "import", "earlier", "--mysql-dsn", "-")
	os.Stdin = saved
	if code != 1 || strings.Contains(stderr, "from-stdin-pw") || !strings.Contains(stderr, "not a valid DSN") {
		t.Fatalf("DSN from stdin: exit %d: %s", code, stderr)
	}
	// A database without the earlier tables is a wrong DSN, not an empty import.
	code, out, stderr := runCLI(t, env, "import", "earlier", "--mysql-dsn", "root@tcp(127.0.0.1:3306)/", "--apply")
	if code != 1 || !strings.Contains(stderr, "no users table") || out != "" {
		t.Fatalf("not the earlier database: exit %d out %q err %q", code, out, stderr)
	}
}

// portal audit list needs only the database: no Vtiger or encryption keys.
func TestAuditList(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `INSERT INTO activity (created_at, user_id, email, contact_id, account_id, method, route, module, action, record_id, changes, status, client_ip, request_id) VALUES
		('2025-06-01T10:00:00Z', 1, 'anna@acme.example', '12x1', '11x1', 'POST', '/tickets', 'HelpDesk', 'create', '17x1', '[{"field":"ticket_title","new":"Old printer"}]', 201, '10.0.0.1', 'req-1'),
		('2026-03-01T10:00:00Z', 1, 'anna@acme.example', '12x1', '11x1', 'PATCH', '/tickets/{id}', 'HelpDesk', 'status', '17x1', '[{"field":"ticketstatus","new":"Closed"}]', 200, '10.0.0.1', 'req-2'),
		('2026-03-02T10:00:00Z', 1, 'anna@acme.example', '12x1', '11x1', 'PUT', '/users/my', 'Profile', 'password-change', '12x1', '[{"field":"password","redacted":true}]', 202, '10.0.0.1', 'req-3'),
		('2026-03-03T10:00:00Z', 2, 'ben@globex.example', '12x3', '11x2', 'POST', '/tickets/{id}/comments', 'HelpDesk', 'comment', '17x9', '[{"field":"commentcontent","new":"hi"}]', 201, '10.0.0.2', 'req-4')`); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PORTAL_DB_DSN": dsn}
	code, out, stderr := runCLI(t, env, "audit", "list", "-email", "Anna@Acme.example", "-since", "2026-01-01")
	if code != 0 {
		t.Fatalf("audit list: exit %d err %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[1], "2026-03-02T10:00:00Z") ||
		!strings.Contains(lines[1], "password=[redacted]") || !strings.Contains(lines[2], "ticketstatus=Closed") ||
		!strings.Contains(lines[2], "req-2") || lines[3] != "2 of 2 entries" {
		t.Fatalf("audit list output:\n%s", out)
	}
	if strings.Contains(out, "Old printer") || strings.Contains(out, "ben@") {
		t.Fatalf("entries outside -email/-since listed:\n%s", out)
	}
	code, out, _ = runCLI(t, env, "audit", "list", "-limit", "1")
	if code != 0 || !strings.Contains(out, "ben@globex.example") || !strings.Contains(out, "1 of 4 entries") {
		t.Fatalf("audit list -limit 1: exit %d\n%s", code, out)
	}
}

// `portal notifications import` uses the database and Vtiger only: it runs
// in production without an encryption key, and says which key is missing.
func TestNotificationsImportNeedsOnlyDatabaseAndVtiger(t *testing.T) {
	dsn := pgtest.DSN(t)
	ts := vtigertest.Sim(t)
	cfgPath := filepath.Join(t.TempDir(), "portal.yaml")
	if err := os.WriteFile(cfgPath, []byte("notifications:\n  enabled: true\n  module: PortalNotifications\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"PORTAL_CONFIG":            cfgPath,
		"PORTAL_ENVIRONMENT":       "production",
		"PORTAL_DB_DSN":            dsn,
		"PORTAL_VTIGER_URL":        ts.URL + "/webservice.php",
		"PORTAL_VTIGER_USERNAME":   "admin",
		"PORTAL_VTIGER_ACCESS_KEY": vtigersim.DefaultAccessKey,
	}
	code, out, stderr := runCLI(t, env, "notifications", "import")
	if code != 0 || !strings.Contains(out, "imported") {
		t.Fatalf("import: exit %d out %q err %q", code, out, stderr)
	}
	delete(env, "PORTAL_VTIGER_ACCESS_KEY")
	code, _, stderr = runCLI(t, env, "notifications", "import")
	if code != 2 || !strings.Contains(stderr, "vtiger.connection.accessKey") || strings.Contains(stderr, "encryptionKey") {
		t.Fatalf("without the access key: exit %d err %q; want exit 2 naming only vtiger.connection.accessKey", code, stderr)
	}
}
