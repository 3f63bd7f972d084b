package config

import (
	"bufio"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

const examplePath = "../../portal.yaml.example"

// TestExampleLoads keeps portal.yaml.example from rotting: it must load
// without warnings, validate, and show the real defaults.
func TestExampleLoads(t *testing.T) {
	cfg, warnings, err := Load(examplePath, env(nil))
	if err != nil {
		t.Fatalf("portal.yaml.example: %v", err)
	}
	if len(warnings) != 0 {
		t.Errorf("portal.yaml.example uses legacy keys: %q", warnings)
	}
	// Everything except the illustrated module definitions is the default.
	got := *cfg
	got.Vtiger.Business.CustomModules, got.Vtiger.Business.Modules = nil, nil
	got.Log.Format = ""
	emptyToNil(&got.CORS.TrustedOrigins)
	emptyToNil(&got.Vtiger.Business.UserSettingsFields)
	if len(got.Vtiger.Business.Company) == 0 {
		got.Vtiger.Business.Company = nil
	}
	if len(got.Notifications.Fields) == 0 {
		got.Notifications.Fields = nil
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("portal.yaml.example values differ from Default():\n got %+v\nwant %+v", got, want)
	}
	if len(cfg.Vtiger.Business.CustomModules) == 0 || len(cfg.Vtiger.Business.Modules) == 0 {
		t.Error("portal.yaml.example must illustrate customModules and modules")
	}
}

func emptyToNil(s *[]string) {
	if len(*s) == 0 {
		*s = nil
	}
}

// structPaths lists every yaml key path of t; map keys of struct-valued
// maps (module names) are written as "*".
func structPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		p := join(prefix, name)
		out = append(out, p)
		ft := f.Type
		if ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct {
			out = append(out, structPaths(ft.Elem(), p+".*")...)
		} else if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Duration]() {
			out = append(out, structPaths(ft, p)...)
		}
	}
	return out
}

// nodePaths lists the key paths present in a YAML mapping, guided by t so
// module names collapse to "*" like in structPaths.
func nodePaths(n *yaml.Node, t reflect.Type, prefix string, out map[string]bool) {
	if n.Kind != yaml.MappingNode {
		return
	}
	fields := yamlFields(t)
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := n.Content[i].Value
		idx, ok := fields[name]
		if !ok {
			continue
		}
		p := join(prefix, name)
		out[p] = true
		ft := t.FieldByIndex(idx).Type
		val := n.Content[i+1]
		if ft.Kind() == reflect.Map && ft.Elem().Kind() == reflect.Struct && val.Kind == yaml.MappingNode {
			for j := 1; j < len(val.Content); j += 2 {
				nodePaths(val.Content[j], ft.Elem(), p+".*", out)
			}
		} else if ft.Kind() == reflect.Struct {
			nodePaths(val, ft, p, out)
		}
	}
}

// TestExampleDocumentsEveryKey fails when a field is added to Config
// without a line in portal.yaml.example.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	nodePaths(doc.Content[0], reflect.TypeFor[Config](), "", present)
	paths := structPaths(reflect.TypeFor[Config](), "")
	if len(paths) < 100 {
		t.Fatalf("structPaths found only %d keys; the walker is broken", len(paths))
	}
	for _, p := range paths {
		if !present[p] {
			t.Errorf("portal.yaml.example lacks %s", p)
		}
	}

	// Every key line carries a comment, and every override is mentioned.
	text := string(data)
	for _, ev := range EnvVars {
		if !strings.Contains(text, ev.Name+" → "+ev.Key) {
			t.Errorf("portal.yaml.example header lacks %q", ev.Name+" → "+ev.Key)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "- ") {
			continue
		}
		if !strings.Contains(l, "#") && !strings.HasSuffix(l, ":") {
			t.Errorf("portal.yaml.example line %d has no comment: %s", line, l)
		}
	}
}

// TestEnvrcExample keeps .envrc.example in step with EnvVars and loadable.
func TestEnvrcExample(t *testing.T) {
	data, err := os.ReadFile("../../.envrc.example")
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{}
	for l := range strings.Lines(string(data)) {
		l = strings.TrimSpace(l)
		name, rest, ok := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		if !ok || !strings.HasPrefix(l, "export ") {
			continue
		}
		val := rest
		if i := strings.Index(val, " #"); i >= 0 {
			val = val[:i]
		}
		vals[name] = strings.Trim(strings.TrimSpace(val), "'")
	}
	for _, ev := range EnvVars {
		if _, ok := vals[ev.Name]; !ok {
			t.Errorf(".envrc.example lacks %s", ev.Name)
		}
	}
	if got := vals["PORTAL_DB_DSN"]; got != "postgres://postgres@127.0.0.1:5432/portal?sslmode=disable" {
		t.Errorf("PORTAL_DB_DSN = %q", got)
	}
	cfg, _, err := Load("", env(vals))
	if err != nil {
		t.Fatalf(".envrc.example values do not load: %v", err)
	}
	// Only the CRM access key is left for the developer to fill in.
	err = cfg.ValidateForServe()
	if v := asValidation(t, err); len(v) != 1 || v[0].Key != "vtiger.connection.accessKey" {
		t.Errorf("ValidateForServe = %v", err)
	}
}

func TestLegacyFile(t *testing.T) {
	cfg, warnings, err := Load("testdata/legacy.yaml", env(nil))
	if err != nil {
		t.Fatalf("legacy file must load: %v", err)
	}
	want := []string{
		"env: deprecated, rename it to environment",
		"db.maxOpenConns: deprecated, rename it to db.maxConns",
		"db.maxIdleConns: ignored: the PostgreSQL pool closes idle connections itself (see db.minConns, db.maxConnIdleTime)",
		"db.maxIdleTime: deprecated, rename it to db.maxConnIdleTime",
		"db.host, db.login, db.password, db.dbname: MySQL settings are not used; the portal stores its data in PostgreSQL, set db.dsn (or PORTAL_DB_DSN), e.g. postgres://user:pass@127.0.0.1:5432/portal",
		"vtiger.connection.login: deprecated, rename it to vtiger.connection.username",
		"vtiger.connection.password: deprecated, rename it to vtiger.connection.accessKey",
		"vtiger.connection.persistenceConnection: ignored: Vtiger sessions are always pooled and kept (see vtiger.connection.sessions)",
		"payment.payed_so_status: deprecated, rename it to payment.paid_so_status",
		"payment.payed_invoice_status: deprecated, rename it to payment.paid_invoice_status",
		"http.maxHeaderBytes: 1 read as 1 MB (legacy unit); write the size in bytes: 1048576",
		`email.templates.registrationEmail: "./templates/registration_email.html" names an embedded template, which is used; leave the key empty (rename a customised copy to override it)`,
		`email.templates.ticketSuccessful: "./templates/ticket_successful.html" names an embedded template, which is used; leave the key empty (rename a customised copy to override it)`,
		`email.templates.restorePasswordEmail: "./templates/restore_password_email.html" names an embedded template, which is used; leave the key empty (rename a customised copy to override it)`,
		`cors.trustedOrigins[0]: "127.0.0.1" is not an origin (scheme://host[:port]) and is ignored; write e.g. "https://127.0.0.1"`,
		`vtiger.business.customModules.Assets: duplicate field "asset_no" ignored (one field is enough; the first is the default sort)`,
		`vtiger.business.customModules.SPPayments: duplicate field "pay_no" ignored (one field is enough; the first is the default sort)`,
		`environment: "local" read as "development"; use development or production`,
	}
	if !slices.Equal(warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
	checks := []struct {
		key       string
		got, want any
	}{
		{"environment", cfg.Environment, EnvDevelopment},
		{"vtiger.connection.username", cfg.Vtiger.Connection.Username, "admin"},
		{"vtiger.connection.accessKey", cfg.Vtiger.Connection.AccessKey, ""},
		{"vtiger.connection.maxRetries", cfg.Vtiger.Connection.MaxRetries, 3},
		{"db.maxConns", cfg.DB.MaxConns, int32(25)},
		{"db.maxConnIdleTime", cfg.DB.MaxConnIdleTime, 15 * time.Minute},
		{"db.dsn", cfg.DB.DSN, ""},
		{"http.maxHeaderBytes", cfg.HTTP.MaxHeaderBytes, 1 << 20},
		{"http.readTimeout", cfg.HTTP.ReadTimeout, 10 * time.Second},
		{"cache.ttl", cfg.Cache.TTL, time.Minute},
		{"limiter.rps", cfg.Limiter.RPS, 2.0},
		{"limiter.ttl", cfg.Limiter.TTL, 10 * time.Minute},
		{"cors.trustedOrigins", len(cfg.CORS.TrustedOrigins), 0},
		{"email.templates.registrationEmail", cfg.Email.Templates.RegistrationEmail, ""},
		{"email.subjects.restorePassword", cfg.Email.Subjects.RestorePassword, "Восстановление пароля"},
		{"payment.paid_invoice_status", cfg.Payment.PaidInvoiceStatus, "Paid"},
		{"payment.paid_so_status", cfg.Payment.PaidSOStatus, "Delivered"},
		{"otp.secretSize", cfg.OTP.SecretSize, uint(15)},
		{"customModules.SPPayments", cfg.Vtiger.Business.CustomModules["SPPayments"], []string{"pay_no", "pay_type"}},
		{"customModules.Assets", cfg.Vtiger.Business.CustomModules["Assets"], []string{"asset_no", "assetname"}},
		{"userSettingsFields", len(cfg.Vtiger.Business.UserSettingsFields), 8},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.key, c.got, c.want)
		}
	}
	// A legacy deployment still has to supply the PostgreSQL DSN to serve.
	if err := cfg.ValidateForServe(); err == nil || !asValidation(t, err).Has("db.dsn") {
		t.Errorf("ValidateForServe on the legacy file = %v, want db.dsn required", err)
	}
}

func TestLegacyKeyAlongsideNewKey(t *testing.T) {
	cfg, warnings, err := loadString(t, `
vtiger:
  connection:
    login: old
    username: new
payment:
  payed_invoice_status: Payed
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Vtiger.Connection.Username != "new" || cfg.Payment.PaidInvoiceStatus != "Payed" {
		t.Errorf("username = %q, paid_invoice_status = %q", cfg.Vtiger.Connection.Username, cfg.Payment.PaidInvoiceStatus)
	}
	want := []string{
		"vtiger.connection.login: legacy key ignored because vtiger.connection.username is also set",
		"payment.payed_invoice_status: deprecated, rename it to payment.paid_invoice_status",
	}
	if !slices.Equal(warnings, want) {
		t.Errorf("warnings = %q", warnings)
	}
}

func TestLegacyValueRules(t *testing.T) {
	tests := []struct {
		name, yaml  string
		check       func(c *Config) bool
		wantWarning bool
	}{
		{"header bytes in bytes untouched", "http:\n  maxHeaderBytes: 4096\n", func(c *Config) bool { return c.HTTP.MaxHeaderBytes == 4096 }, false},
		{"header bytes 64 is MB", "http:\n  maxHeaderBytes: 64\n", func(c *Config) bool { return c.HTTP.MaxHeaderBytes == 64<<20 }, true},
		{"custom template kept", "email:\n  templates:\n    registrationEmail: /etc/portal/welcome.html\n", func(c *Config) bool { return c.Email.Templates.RegistrationEmail == "/etc/portal/welcome.html" }, false},
		{"bare embedded name", "email:\n  templates:\n    restorePasswordEmail: restore_password_email.html\n", func(c *Config) bool { return c.Email.Templates.RestorePasswordEmail == "" }, true},
		{"origins with scheme kept", "cors:\n  trustedOrigins: [\"http://localhost:3000\"]\n", func(c *Config) bool { return slices.Equal(c.CORS.TrustedOrigins, []string{"http://localhost:3000"}) }, false},
		{"environment alias prod", "environment: PROD\n", func(c *Config) bool { return c.Environment == EnvProduction }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, warnings, err := loadString(t, tt.yaml, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg) {
				t.Errorf("unexpected result %+v", cfg)
			}
			if (len(warnings) > 0) != tt.wantWarning {
				t.Errorf("warnings = %q, want some: %v", warnings, tt.wantWarning)
			}
		})
	}
	// A malformed origin that has a scheme is not legacy noise: it fails.
	_, _, err := loadString(t, "cors:\n  trustedOrigins: [\"https://a.example/app\"]\n", nil)
	if got, want := asValidation(t, err).Error(), `cors.trustedOrigins[0]: must be an origin scheme://host[:port] without path (drop the trailing path, even a single "/"), got "https://a.example/app" (line 2)`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
