package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// env returns a getenv backed by a map, so tests never see the real
// environment.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadString(t *testing.T, yaml string, kv map[string]string) (*Config, []string, error) {
	t.Helper()
	return Load(writeFile(t, t.TempDir(), "portal.yaml", yaml), env(kv))
}

func asValidation(t *testing.T, err error) ValidationErrors {
	t.Helper()
	var v ValidationErrors
	if !errors.As(err, &v) {
		t.Fatalf("want ValidationErrors, got %T: %v", err, err)
	}
	return v
}

func TestDefaultsAreValid(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	cfg, warnings, err := Load("", env(nil))
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Load(\"\") = %v, %v", warnings, err)
	}
	want := Default()
	want.Log.Format = "json" // derived: production logs JSON
	if !reflect.DeepEqual(*cfg, want) {
		t.Errorf("Load(\"\") = %+v\nwant %+v", *cfg, want)
	}
	// Spot-check the documented defaults other packages rely on.
	checks := []struct {
		name      string
		got, want any
	}{
		{"http.host", cfg.HTTP.Host, "127.0.0.1"},
		{"http.port", cfg.HTTP.Port, 4050},
		{"http.readTimeout", cfg.HTTP.ReadTimeout, 15 * time.Second},
		{"http.maxHeaderBytes", cfg.HTTP.MaxHeaderBytes, 1 << 20},
		{"db.maxConns", cfg.DB.MaxConns, int32(10)},
		{"vtiger.connection.sessions", cfg.Vtiger.Connection.Sessions, 4},
		{"smtp.tls", cfg.SMTP.TLS, "starttls"},
		{"auth.tokenTTL", cfg.Auth.TokenTTL, 48 * time.Hour},
		{"vtiger.business.maxPageSize", cfg.Vtiger.Business.MaxPageSize, 100},
		{"log.level", cfg.Log.Level, "info"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLogFormatFollowsEnvironment(t *testing.T) {
	cfg, _, err := loadString(t, "environment: development\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Format != "text" {
		t.Errorf("development log.format = %q, want text", cfg.Log.Format)
	}
	cfg, _, err = loadString(t, "environment: development\nlog: {format: json}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Log.Format != "json" {
		t.Errorf("explicit log.format = %q, want json", cfg.Log.Format)
	}
}

func TestResolve(t *testing.T) {
	root := t.TempDir()
	flagFile := writeFile(t, root, "flag/portal.yaml", "")
	envFile := writeFile(t, root, "env/portal.yaml", "")
	xdg := filepath.Join(root, "xdg")
	xdgFile := writeFile(t, xdg, "portal.yaml", "")
	home := filepath.Join(root, "home")
	homeFile := writeFile(t, home, ".config/portal.yaml", "")
	emptyHome := filepath.Join(root, "nohome")
	cwd := filepath.Join(root, "cwd")
	writeFile(t, cwd, "portal.yaml", "")
	emptyCwd := filepath.Join(root, "emptycwd")
	if err := os.MkdirAll(emptyCwd, 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		flag    string
		env     map[string]string
		cwd     string
		want    string
		wantErr string
	}{
		{name: "flag wins over everything", flag: flagFile, env: map[string]string{"PORTAL_CONFIG": envFile, "XDG_CONFIG_HOME": xdg}, cwd: cwd, want: flagFile},
		{name: "PORTAL_CONFIG next", env: map[string]string{"PORTAL_CONFIG": envFile, "XDG_CONFIG_HOME": xdg}, cwd: cwd, want: envFile},
		{name: "XDG config dir", env: map[string]string{"XDG_CONFIG_HOME": xdg, "HOME": home}, cwd: cwd, want: xdgFile},
		{name: "relative XDG ignored, HOME/.config", env: map[string]string{"XDG_CONFIG_HOME": "rel", "HOME": home}, cwd: cwd, want: homeFile},
		{name: "HOME/.config", env: map[string]string{"HOME": home}, cwd: cwd, want: homeFile},
		{name: "working directory last", env: map[string]string{"HOME": emptyHome}, cwd: cwd, want: "portal.yaml"},
		{name: "nothing anywhere", env: map[string]string{"HOME": emptyHome}, cwd: emptyCwd, want: ""},
		{name: "missing flag file is an error", flag: filepath.Join(root, "nope.yaml"), env: map[string]string{"HOME": home}, cwd: cwd, wantErr: "(from -config)"},
		{name: "missing PORTAL_CONFIG is an error", env: map[string]string{"PORTAL_CONFIG": filepath.Join(root, "nope.yaml"), "HOME": home}, cwd: cwd, wantErr: "(from $PORTAL_CONFIG)"},
		{name: "directory is an error", flag: root, cwd: cwd, wantErr: "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.cwd)
			got, err := Resolve(tt.flag, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve() error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Resolve() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestLoadFileValues(t *testing.T) {
	cfg, warnings, err := loadString(t, `
environment: development
domain: https://portal.example.com
http:
  port: 8080
  readTimeout: 1m30s
  trustedProxies: [10.0.0.0/8, 192.168.1.1]
db:
  dsn: host=127.0.0.1 dbname=portal user='po rtal'
  maxConns: 20
limiter:
  rps: 0.5
vtiger:
  connection:
    url: https://crm.example.com/webservice.php
    sessions: 8
  business:
    customModules:
      Assets: [asset_no, assetname]
    modules:
      HelpDesk:
        visibility: Contact
        enabled: false
payment:
  payable_so_statuses: [Approved]
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings = %q, want none", warnings)
	}
	if cfg.HTTP.Port != 8080 || cfg.HTTP.ReadTimeout != 90*time.Second || cfg.DB.MaxConns != 20 || cfg.Limiter.RPS != 0.5 || cfg.Vtiger.Connection.Sessions != 8 {
		t.Errorf("scalars not loaded: %+v %+v %+v", cfg.HTTP, cfg.DB, cfg.Limiter)
	}
	if cfg.HTTP.WriteTimeout != 60*time.Second {
		t.Errorf("unset key lost its default: writeTimeout = %s", cfg.HTTP.WriteTimeout)
	}
	if !slices.Equal(cfg.HTTP.TrustedProxies, []string{"10.0.0.0/8", "192.168.1.1"}) {
		t.Errorf("trustedProxies = %q (a list replaces the default)", cfg.HTTP.TrustedProxies)
	}
	hd := cfg.Vtiger.Business.Modules["HelpDesk"]
	if hd.Visibility != "contact" || hd.Enabled == nil || *hd.Enabled {
		t.Errorf("modules.HelpDesk = %+v (visibility is lower-cased, enabled false kept)", hd)
	}
	if !slices.Equal(cfg.Payment.PayableSOStatuses, []string{"Approved"}) {
		t.Errorf("payable_so_statuses = %q", cfg.Payment.PayableSOStatuses)
	}
}

func TestLoadEdgeFiles(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"empty file", "", ""},
		{"comments only", "# nothing\n", ""},
		{"null section keeps defaults", "http:\nlog:\n", ""},
		{"anchors and merge keys", "x-base: &t {timeout: 3s}\n", "x-base: unknown key (line 1)"},
		{"not a mapping", "- a\n- b\n", "(file): must be a mapping of sections (http:, db:, vtiger: …) (line 1)"},
		{"syntax error", "http: [\n", "yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loadString(t, tt.yaml, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Load() = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Load() = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestMergeKeys(t *testing.T) {
	cfg, _, err := loadString(t, `
vtiger:
  business:
    modules:
      HelpDesk: &base {comments: true, documents: true, visibility: contact}
      Project:
        <<: *base
        visibility: account
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Vtiger.Business.Modules["Project"]
	if p.Visibility != "account" || p.Comments == nil || !*p.Comments {
		t.Errorf("merged Project = %+v, want comments from the anchor and its own visibility", p)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, _, err := Load(filepath.Join(t.TempDir(), "none.yaml"), env(nil))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestUnknownKeys(t *testing.T) {
	_, _, err := loadString(t, `environment: development
htpp:
  port: 1
db:
  dsn: postgres://localhost/portal
  maxconns: 3
vtiger:
  connection:
    urll: https://x
  business:
    modules:
      HelpDesk:
        visibilty: contact
        nothing: 1
log:
  level: info
  colour: true
`, nil)
	v := asValidation(t, err)
	want := []string{
		`htpp: unknown key; did you mean "http"? (line 2)`,
		`db.maxconns: unknown key; did you mean "maxConns"? (line 6)`,
		`vtiger.connection.urll: unknown key; did you mean "url"? (line 9)`,
		`vtiger.business.modules.HelpDesk.visibilty: unknown key; did you mean "visibility"? (line 13)`,
		`vtiger.business.modules.HelpDesk.nothing: unknown key (line 14)`,
		`log.colour: unknown key (line 17)`,
	}
	if got := strings.Split(v.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", v.Error(), strings.Join(want, "\n"))
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"duration as number", "http:\n  readTimeout: 10\n", `http.readTimeout: must be a duration with a unit such as "15s", "5m" or "1h30m", got "10" (line 2)`},
		{"bad duration", "cache:\n  ttl: soon\n", `cache.ttl: must be a duration with a unit such as "15s", "5m" or "1h30m", got "soon" (line 2)`},
		{"string for int", "http:\n  port: eighty\n", `http.port: must be an integer, got "eighty" (line 2)`},
		{"float for int", "db:\n  maxConns: 2.5\n", `db.maxConns: must be an integer, got "2.5" (line 2)`},
		{"int32 overflow", "db:\n  maxConns: 99999999999\n", `db.maxConns: must be an integer, got "99999999999" (line 2)`},
		{"negative uint", "otp:\n  secretSize: -1\n", `otp.secretSize: must be a non-negative integer, got "-1" (line 2)`},
		{"bad bool", "payment:\n  enabled: maybe\n", `payment.enabled: must be true or false, got "maybe" (line 2)`},
		{"list for string", "domain: [a, b]\n", `domain: must be a string, got a list (line 1)`},
		{"scalar for list", "cors:\n  trustedOrigins: https://a.example\n", `cors.trustedOrigins: must be a list, got "https://a.example" (line 2)`},
		{"scalar for section", "http: 80\n", `http: must be a mapping, got "80" (line 1)`},
		{"scalar for map", "vtiger:\n  business:\n    customModules: Assets\n", `vtiger.business.customModules: must be a mapping, got "Assets" (line 3)`},
		{"mapping in list", "vtiger:\n  business:\n    customModules:\n      Assets: [{a: b}]\n", `vtiger.business.customModules.Assets[0]: must be a string, got a mapping (line 4)`},
		{"duplicate key", "http:\n  port: 1\n  port: 2\n", `http.port: duplicate key (line 3)`},
		{"duplicate map key", "vtiger:\n  business:\n    company:\n      inn: 1\n      inn: 2\n", `vtiger.business.company.inn: duplicate key (line 5)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loadString(t, tt.yaml, nil)
			v := asValidation(t, err)
			if v.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", v.Error(), tt.want)
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	const file = `
http:
  host: 0.0.0.0
  port: 4050
db:
  dsn: postgres://file@127.0.0.1/portal
smtp:
  password: from-file
`
	values := map[string]string{
		"PORTAL_ENVIRONMENT":           "development",
		"PORTAL_DOMAIN":                "https://portal.example.com",
		"PORTAL_HTTP_HOST":             "10.1.2.3",
		"PORTAL_HTTP_PORT":             "8081",
		"PORTAL_DB_DSN":                "postgres://env@db:5432/portal",
		"PORTAL_REDIS_URL":             "redis://redis.internal:6379/2",
		"PORTAL_VTIGER_URL":            "https://crm.example.com/webservice.php",
		"PORTAL_VTIGER_USERNAME":       "portal",
		"PORTAL_VTIGER_ACCESS_KEY":     "abc123",
		"PORTAL_STRIPE_SECRET_KEY":     "sk_test_1",
		"PORTAL_STRIPE_PUBLIC_KEY":     "pk_test_1",
		"PORTAL_STRIPE_WEBHOOK_SECRET": "whsec_1",
		"PORTAL_SMTP_HOST":             "mail.example.com",
		"PORTAL_SMTP_PORT":             "465",
		"PORTAL_SMTP_USERNAME":         "mailer",
		"PORTAL_SMTP_PASSWORD":         "from-env",
		"PORTAL_SMTP_TLS":              "tls",
		"PORTAL_ENCRYPTION_KEY":        strings.Repeat("ab", 32),
		"PORTAL_LOG_LEVEL":             "DEBUG",
		"PORTAL_LOG_FORMAT":            "json",
		"PORTAL_METRICS_LISTEN":        "127.0.0.1:9090",
	}
	cfg, warnings, err := loadString(t, file, values)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings = %q", warnings)
	}
	got := map[string]any{
		"PORTAL_ENVIRONMENT":           cfg.Environment,
		"PORTAL_DOMAIN":                cfg.Domain,
		"PORTAL_HTTP_HOST":             cfg.HTTP.Host,
		"PORTAL_HTTP_PORT":             cfg.HTTP.Port,
		"PORTAL_DB_DSN":                cfg.DB.DSN,
		"PORTAL_REDIS_URL":             cfg.Redis.URL,
		"PORTAL_VTIGER_URL":            cfg.Vtiger.Connection.URL,
		"PORTAL_VTIGER_USERNAME":       cfg.Vtiger.Connection.Username,
		"PORTAL_VTIGER_ACCESS_KEY":     cfg.Vtiger.Connection.AccessKey,
		"PORTAL_STRIPE_SECRET_KEY":     cfg.Payment.StripeKey,
		"PORTAL_STRIPE_PUBLIC_KEY":     cfg.Payment.StripePublic,
		"PORTAL_STRIPE_WEBHOOK_SECRET": cfg.Payment.WebhookSecret,
		"PORTAL_SMTP_HOST":             cfg.SMTP.Host,
		"PORTAL_SMTP_PORT":             cfg.SMTP.Port,
		"PORTAL_SMTP_USERNAME":         cfg.SMTP.Username,
		"PORTAL_SMTP_PASSWORD":         cfg.SMTP.Password,
		"PORTAL_SMTP_TLS":              cfg.SMTP.TLS,
		"PORTAL_ENCRYPTION_KEY":        cfg.Auth.EncryptionKey,
		"PORTAL_LOG_LEVEL":             cfg.Log.Level,
		"PORTAL_LOG_FORMAT":            cfg.Log.Format,
		"PORTAL_METRICS_LISTEN":        cfg.Metrics.Listen,
	}
	for _, ev := range EnvVars {
		g, ok := got[ev.Name]
		if !ok {
			t.Errorf("%s is listed in EnvVars but not covered by this test", ev.Name)
			continue
		}
		want := values[ev.Name]
		switch ev.Name {
		case "PORTAL_LOG_LEVEL":
			want = "debug" // enums are lower-cased
		}
		if fmt.Sprint(g) != want {
			t.Errorf("%s → %s = %v, want %v", ev.Name, ev.Key, g, want)
		}
	}
	if err := cfg.ValidateForServe(); err != nil {
		t.Errorf("ValidateForServe with every secret from env = %v", err)
	}

	// The required names are exact (deploy scripts depend on them).
	for _, name := range []string{"PORTAL_DB_DSN", "PORTAL_HTTP_HOST", "PORTAL_HTTP_PORT", "PORTAL_VTIGER_URL", "PORTAL_VTIGER_USERNAME", "PORTAL_VTIGER_ACCESS_KEY", "PORTAL_STRIPE_SECRET_KEY", "PORTAL_STRIPE_WEBHOOK_SECRET", "PORTAL_SMTP_PASSWORD", "PORTAL_ENCRYPTION_KEY"} {
		if !slices.ContainsFunc(EnvVars, func(e EnvVar) bool { return e.Name == name }) {
			t.Errorf("EnvVars lacks %s", name)
		}
	}
}

func TestEnvOverrideDetails(t *testing.T) {
	t.Run("empty variable keeps the file value", func(t *testing.T) {
		cfg, _, err := loadString(t, "smtp:\n  password: keep\n", map[string]string{"PORTAL_SMTP_PASSWORD": ""})
		if err != nil || cfg.SMTP.Password != "keep" {
			t.Fatalf("password = %q, %v", cfg.SMTP.Password, err)
		}
	})
	t.Run("bad integer names the variable", func(t *testing.T) {
		_, _, err := loadString(t, "", map[string]string{"PORTAL_HTTP_PORT": "http"})
		if got, want := asValidation(t, err).Error(), `PORTAL_HTTP_PORT: must be an integer, got "http" (overrides http.port)`; got != want {
			t.Errorf("got %s\nwant %s", got, want)
		}
	})
	t.Run("invalid env value is reported without a file line", func(t *testing.T) {
		_, _, err := loadString(t, "http:\n  port: 80\n", map[string]string{"PORTAL_HTTP_PORT": "70000"})
		if got, want := asValidation(t, err).Error(), `http.port: must be a port between 1 and 65535, got 70000`; got != want {
			t.Errorf("got %s\nwant %s", got, want)
		}
	})
	t.Run("legacy STRIPE_WEBHOOK_SECRET", func(t *testing.T) {
		cfg, warnings, err := Load("", env(map[string]string{"STRIPE_WEBHOOK_SECRET": "whsec_old"}))
		if err != nil || cfg.Payment.WebhookSecret != "whsec_old" {
			t.Fatalf("webhook_secret = %v, %v", cfg, err)
		}
		if !slices.Equal(warnings, []string{"STRIPE_WEBHOOK_SECRET: deprecated, use PORTAL_STRIPE_WEBHOOK_SECRET"}) {
			t.Errorf("warnings = %q", warnings)
		}
		cfg, _, _ = Load("", env(map[string]string{"STRIPE_WEBHOOK_SECRET": "whsec_old", "PORTAL_STRIPE_WEBHOOK_SECRET": "whsec_new"}))
		if cfg.Payment.WebhookSecret != "whsec_new" {
			t.Errorf("PORTAL_STRIPE_WEBHOOK_SECRET must win, got %q", cfg.Payment.WebhookSecret)
		}
	})
}

// vtiger.business.modules.*.route was accepted and never used: it still
// loads, with a warning naming the exact key.
func TestModuleRouteIgnored(t *testing.T) {
	cfg, warnings, err := loadString(t, `vtiger:
  business:
    modules:
      HelpDesk:
        route: tickets
        enabled: false
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"vtiger.business.modules.HelpDesk.route: ignored: the API contract fixes the paths the frontend calls"}
	if !slices.Equal(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
	if e := cfg.Vtiger.Business.Modules["HelpDesk"].Enabled; e == nil || *e {
		t.Errorf("the keys beside route were not read: enabled = %v", e)
	}
}
