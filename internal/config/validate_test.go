package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string // the one expected problem, exactly
	}{
		{"environment enum", func(c *Config) { c.Environment = "staging" }, `environment: must be one of development | production, got "staging"`},
		{"domain URL", func(c *Config) { c.Domain = "portal.example.com" }, `domain: must be an http(s) URL, got "portal.example.com"`},
		{"http port low", func(c *Config) { c.HTTP.Port = 0 }, `http.port: must be a port between 1 and 65535, got 0`},
		{"http port high", func(c *Config) { c.HTTP.Port = 65536 }, `http.port: must be a port between 1 and 65535, got 65536`},
		{"zero duration", func(c *Config) { c.HTTP.ReadTimeout = 0 }, `http.readTimeout: must be a positive duration (e.g. "15s"), got 0s`},
		{"negative duration", func(c *Config) { c.DB.QueryTimeout = -time.Second }, `db.queryTimeout: must be a positive duration (e.g. "15s"), got -1s`},
		{"tiny header limit", func(c *Config) { c.HTTP.MaxHeaderBytes = 100 }, `http.maxHeaderBytes: must be at least 1024 bytes, got 100`},
		{"trusted proxy", func(c *Config) { c.HTTP.TrustedProxies = []string{"10.0.0.0/8", "proxy.local"} }, `http.trustedProxies[1]: must be an IP address or CIDR (e.g. 10.0.0.0/8), got "proxy.local"`},
		{"mysql dsn", func(c *Config) { c.DB.DSN = "root:pw@tcp(127.0.0.1:3306)/portal" }, `db.dsn: must be a PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=disable) or key=value DSN (host=… dbname=…); MySQL is not supported`},
		{"dsn other scheme", func(c *Config) { c.DB.DSN = "redis://localhost" }, `db.dsn: must be a PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=disable) or key=value DSN (host=… dbname=…)`},
		{"dsn no host", func(c *Config) { c.DB.DSN = "postgres:///portal" }, `db.dsn: must be a PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=disable) or key=value DSN (host=… dbname=…): no host`},
		{"dsn garbage", func(c *Config) { c.DB.DSN = "portal" }, `db.dsn: must be a PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=disable) or key=value DSN (host=… dbname=…): expected key=value at "portal"`},
		{"dsn unterminated quote", func(c *Config) { c.DB.DSN = "host=x password='abc" }, `db.dsn: must be a PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=disable) or key=value DSN (host=… dbname=…): unterminated quoted value for password`},
		{"redis url ok", func(c *Config) { c.Redis.URL = "redis://:secret@10.0.0.5:6379/1" }, ``},
		{"redis tls url ok", func(c *Config) { c.Redis.URL = "rediss://redis.example.com:6380" }, ``},
		{"redis socket ok", func(c *Config) { c.Redis.URL = "unix:///run/redis/redis.sock" }, ``},
		{"redis bare host", func(c *Config) { c.Redis.URL = "127.0.0.1:6379" }, `redis.url: must be a redis://, rediss:// or unix:// URL (redis://127.0.0.1:6379/0), got "127.0.0.1:6379"`},
		{"redis wrong scheme hides password", func(c *Config) { c.Redis.URL = "http://:hunter2@cache:6379" }, `redis.url: must be a redis://, rediss:// or unix:// URL (redis://127.0.0.1:6379/0), got "http://:xxxxx@cache:6379"`},
		{"redis no host", func(c *Config) { c.Redis.URL = "redis:///0" }, `redis.url: must name a host (redis://127.0.0.1:6379/0), got "redis:///0"`},
		{"redis socket no path", func(c *Config) { c.Redis.URL = "unix://" }, `redis.url: must name a socket path (unix:///run/redis/redis.sock), got "unix:"`},
		{"redis timeout", func(c *Config) { c.Redis.Timeout = 0 }, `redis.timeout: must be between 1ms and 10s, got 0s`},
		{"max conns", func(c *Config) { c.DB.MaxConns = 0 }, `db.maxConns: must be at least 1, got 0`},
		{"min conns", func(c *Config) { c.DB.MinConns = 11 }, `db.minConns: must be between 0 and db.maxConns (10), got 11`},
		{"cache ttl", func(c *Config) { c.Cache.CountTTL = 0 }, `cache.countTTL: must be a positive duration (e.g. "15s"), got 0s`},
		{"pdf cache entries", func(c *Config) { c.Cache.PDFEntries = -1 }, `cache.pdfEntries: must be between 0 and 100000, got -1`},
		{"cache stale below fresh", func(c *Config) { c.Cache.Stale = time.Second }, `cache.stale: must be 0 (off) or at least cache.fresh (10s), got 1s`},
		{"cache stale negative", func(c *Config) { c.Cache.Stale = -time.Second }, `cache.stale: must be 0 (off) or at least cache.fresh (10s), got -1s`},
		{"cache fresh zero", func(c *Config) { c.Cache.Fresh = 0 }, `cache.fresh: must be a positive duration (e.g. "15s"), got 0s`},
		{"cache maxBytes small", func(c *Config) { c.Cache.MaxBytes = 1000 }, `cache.maxBytes: must be at least 1048576 (1 MB), got 1000`},
		{"smtp host with port", func(c *Config) { c.SMTP.Host = "mail.example.com:25" }, `smtp.host: must be a host name or IP without scheme or port (the port goes in smtp.port), got "mail.example.com:25"`},
		{"smtp port", func(c *Config) { c.SMTP.Port = -1 }, `smtp.port: must be a port between 1 and 65535, got -1`},
		{"smtp sender", func(c *Config) { c.SMTP.Sender = "Portal Admin" }, `smtp.sender: must be an e-mail address, optionally with a name ("Portal <portal@example.com>"), got "Portal Admin"`},
		{"smtp tls", func(c *Config) { c.SMTP.TLS = "ssl" }, `smtp.tls: must be one of none | starttls | tls, got "ssl"`},
		{"limiter rps", func(c *Config) { c.Limiter.RPS = 0 }, `limiter.rps: must be greater than 0 when the limiter is enabled, got 0`},
		{"limiter burst", func(c *Config) { c.Limiter.Burst = 0 }, `limiter.burst: must be at least 1 when the limiter is enabled, got 0`},
		{"limiter off needs no rate", func(c *Config) { c.Limiter.Enabled, c.Limiter.RPS, c.Limiter.Burst = false, 0, 0 }, ``},
		{"auth per minute", func(c *Config) { c.Limiter.AuthPerMinute = 0 }, `limiter.authPerMinute: must be at least 1, got 0`},
		{"cors path", func(c *Config) { c.CORS.TrustedOrigins = []string{"https://portal.example.com/"} }, `cors.trustedOrigins[0]: must be an origin scheme://host[:port] without path (drop the trailing path, even a single "/"), got "https://portal.example.com/"`},
		{"cors no scheme", func(c *Config) { c.CORS.TrustedOrigins = []string{"127.0.0.1"} }, `cors.trustedOrigins[0]: must be an origin scheme://host[:port] without path, got "127.0.0.1"`},
		{"cors wildcard", func(c *Config) { c.CORS.TrustedOrigins = []string{"*"} }, `cors.trustedOrigins[0]: must be an origin scheme://host[:port] without path, got "*"`},
		{"cors bad port", func(c *Config) { c.CORS.TrustedOrigins = []string{"http://localhost:99999"} }, `cors.trustedOrigins[0]: must be an origin scheme://host[:port] without path (bad port), got "http://localhost:99999"`},
		{"cors ok", func(c *Config) {
			c.CORS.TrustedOrigins = []string{"http://localhost:3000", "https://portal.example.com"}
		}, ``},
		{"email queue", func(c *Config) { c.Email.QueueSize = 0 }, `email.queueSize: must be at least 1, got 0`},
		{"quote open stages", func(c *Config) { c.Vtiger.Business.Quotes.OpenStages = nil }, `vtiger.business.quotes.openStages: must list at least one value`},
		{"quote accepted stage", func(c *Config) { c.Vtiger.Business.Quotes.AcceptedStage = " " }, `vtiger.business.quotes.acceptedStage: must not be empty`},
		{"quote rejected stage open", func(c *Config) { c.Vtiger.Business.Quotes.RejectedStage = "Delivered" }, `vtiger.business.quotes.rejectedStage: "Delivered" is also listed in vtiger.business.quotes.openStages`},
		{"quote stages equal", func(c *Config) { c.Vtiger.Business.Quotes.RejectedStage = "Accepted" }, `vtiger.business.quotes.rejectedStage: must differ from vtiger.business.quotes.acceptedStage`},
		{"quote time zone", func(c *Config) { c.Vtiger.Business.Quotes.TimeZone = "CEST+2" }, `vtiger.business.quotes.timeZone: "CEST+2" is not an IANA time zone (e.g. UTC, Europe/Berlin)`},
		{"quote time zone ok", func(c *Config) { c.Vtiger.Business.Quotes.TimeZone = "Europe/Berlin" }, ``},
		{"vtiger url", func(c *Config) { c.Vtiger.Connection.URL = "crm.example.com/webservice.php" }, `vtiger.connection.url: must be an http(s) URL, got "crm.example.com/webservice.php"`},
		{"sessions low", func(c *Config) { c.Vtiger.Connection.Sessions = 0 }, `vtiger.connection.sessions: must be between 1 and 64, got 0`},
		{"sessions high", func(c *Config) { c.Vtiger.Connection.Sessions = 65 }, `vtiger.connection.sessions: must be between 1 and 64, got 65`},
		{"vtiger retries", func(c *Config) { c.Vtiger.Connection.MaxRetries = -1 }, `vtiger.connection.maxRetries: must be between 0 and 10, got -1`},
		{"email field", func(c *Config) { c.Vtiger.Business.EmailField = "e-mail" }, `vtiger.business.emailField: must be a Vtiger field name (letters, digits, _), got "e-mail"`},
		{"portal field may be empty", func(c *Config) { c.Vtiger.Business.PortalField = "" }, ``},
		{"support email", func(c *Config) { c.Vtiger.Business.SupportEmail = "support" }, `vtiger.business.supportEmail: must be an e-mail address, got "support"`},
		{"company id", func(c *Config) { c.Vtiger.Business.CompanyID = "1" }, `vtiger.business.companyId: must be a Vtiger record id like 19x1, got "1"`},
		{"default user", func(c *Config) { c.Vtiger.Business.DefaultUser = "19x" }, `vtiger.business.defaultUser: must be a Vtiger record id like 19x1, got "19x"`},
		{"default pagination", func(c *Config) { c.Vtiger.Business.DefaultPagination = 0 }, `vtiger.business.defaultPagination: must be at least 1, got 0`},
		{"page size below default", func(c *Config) { c.Vtiger.Business.MaxPageSize = 10 }, `vtiger.business.maxPageSize: must be at least vtiger.business.defaultPagination (20), got 10`},
		{"page size too large", func(c *Config) { c.Vtiger.Business.MaxPageSize = 1000 }, `vtiger.business.maxPageSize: must be at most 500 (every 100 rows cost one Vtiger call), got 1000`},
		{"settings field", func(c *Config) { c.Vtiger.Business.UserSettingsFields = []string{"donotcall", "cf 1"} }, `vtiger.business.userSettingsFields[1]: must be a Vtiger field name (letters, digits, _), got "cf 1"`},
		{"custom module no fields", func(c *Config) { c.Vtiger.Business.CustomModules = map[string][]string{"Assets": {}} }, `vtiger.business.customModules.Assets: must list at least one field (the first is the default sort)`},
		{"custom module name", func(c *Config) { c.Vtiger.Business.CustomModules = map[string][]string{"My Module": {"a"}} }, `vtiger.business.customModules.My Module: module name must be a Vtiger module name (letters, digits, _), got "My Module"`},
		{"custom module field", func(c *Config) {
			c.Vtiger.Business.CustomModules = map[string][]string{"Assets": {"asset_no", "name;drop"}}
		}, `vtiger.business.customModules.Assets[1]: must be a Vtiger field name (letters, digits, _), got "name;drop"`},
		{"unknown module override", func(c *Config) { c.Vtiger.Business.Modules = map[string]ModuleConfig{"Helpdesk": {}} }, `vtiger.business.modules.Helpdesk: unknown module; built-in modules are HelpDesk, Faq, Invoice, SalesOrder, Quotes, Project, ProjectTask, ServiceContracts, Products, Services, Assets, others must be listed in vtiger.business.customModules`},
		{"create default field", func(c *Config) {
			c.Vtiger.Business.Modules = map[string]ModuleConfig{"Assets": {CreateDefaults: map[string]string{"serial number": "x"}}}
		}, `vtiger.business.modules.Assets.createDefaults.serial number: must be a Vtiger field name (letters, digits, _), got "serial number"`},
		{"create default too long", func(c *Config) {
			c.Vtiger.Business.Modules = map[string]ModuleConfig{"Assets": {CreateDefaults: map[string]string{"serialnumber": strings.Repeat("x", 256)}}}
		}, `vtiger.business.modules.Assets.createDefaults.serialnumber: must be at most 255 bytes`},
		{"custom module override ok", func(c *Config) {
			c.Vtiger.Business.CustomModules = map[string][]string{"SPPayments": {"pay_no"}}
			c.Vtiger.Business.Modules = map[string]ModuleConfig{"SPPayments": {Visibility: "contact"}}
		}, ``},
		{"module visibility", func(c *Config) {
			c.Vtiger.Business.Modules = map[string]ModuleConfig{"HelpDesk": {Visibility: "owner"}}
		}, `vtiger.business.modules.HelpDesk.visibility: must be one of account | contact, got "owner"`},
		{"module sort", func(c *Config) {
			c.Vtiger.Business.Modules = map[string]ModuleConfig{"HelpDesk": {DefaultSort: "--ticket_no"}}
		}, `vtiger.business.modules.HelpDesk.defaultSort: must be a field name, optionally prefixed with '-' for descending, got "--ticket_no"`},
		{"module fields", func(c *Config) {
			c.Vtiger.Business.Modules = map[string]ModuleConfig{"HelpDesk": {WritableFields: []string{"title", ""}}}
		}, `vtiger.business.modules.HelpDesk.writableFields[1]: must be a Vtiger field name (letters, digits, _), got ""`},
		{"closed status", func(c *Config) { c.Vtiger.Business.Tickets.ClosedStatus = " " }, `vtiger.business.tickets.closedStatus: must not be empty`},
		{"customer statuses", func(c *Config) { c.Vtiger.Business.Tickets.CustomerStatuses = nil }, `vtiger.business.tickets.customerStatuses: must list at least one value`},
		{"lead source", func(c *Config) { c.Vtiger.Business.Leads.Source = "" }, `vtiger.business.leads.source: must not be empty`},
		{"token ttl", func(c *Config) { c.Auth.TokenTTL = 0 }, `auth.tokenTTL: must be a positive duration (e.g. "15s"), got 0s`},
		{"encryption key length", func(c *Config) { c.Auth.EncryptionKey = strings.Repeat("ab", 16) }, "auth.encryptionKey: must decode to 32 bytes, got 16 (hex); generate one with `openssl rand -hex 32`"},
		{"encryption key garbage", func(c *Config) { c.Auth.EncryptionKey = "not a key!" }, "auth.encryptionKey: must be 32 bytes written as 64 hex digits or base64; generate one with `openssl rand -hex 32`"},
		{"min password", func(c *Config) { c.Auth.MinPassword = 4 }, `auth.minPassword: must be between 6 and 72, got 4`},
		{"otp secret size", func(c *Config) { c.OTP.SecretSize = 8 }, `otp.secretSize: must be between 10 and 64 bytes, got 8`},
		{"payment needs key", func(c *Config) { c.Payment.Enabled = true }, `payment.stripe_key: required when payment.enabled is true (or set PORTAL_STRIPE_SECRET_KEY)`},
		{"payment with key", func(c *Config) { c.Payment.Enabled, c.Payment.StripeKey = true, "sk_test_x" }, ``},
		{"publishable key as secret", func(c *Config) { c.Payment.StripeKey = "pk_test_x" }, `payment.stripe_key: must be a Stripe secret key (sk_… or rk_…); the publishable pk_… key belongs in payment.stripe_public`},
		{"public key", func(c *Config) { c.Payment.StripePublic = "sk_test_x" }, `payment.stripe_public: must be a Stripe publishable key (pk_…)`},
		{"webhook secret", func(c *Config) { c.Payment.WebhookSecret = "secret" }, `payment.webhook_secret: must be a Stripe webhook signing secret (whsec_…)`},
		{"stripe url", func(c *Config) { c.Payment.StripeURL = "localhost:12111" }, `payment.stripe_url: must be an http(s) URL, got "localhost:12111"`},
		{"paid status", func(c *Config) { c.Payment.PaidInvoiceStatus = "" }, `payment.paid_invoice_status: must not be empty`},
		{"payable statuses", func(c *Config) { c.Payment.PayableSOStatuses = []string{""} }, `payment.payable_so_statuses[0]: must not be empty`},
		{"notifications need module", func(c *Config) { c.Notifications.Enabled = true }, `notifications.module: required when notifications.enabled is true`},
		{"notifications module name", func(c *Config) { c.Notifications.Module = "Notes; drop" }, `notifications.module: must be a Vtiger module name, got "Notes; drop"`},
		{"notifications field", func(c *Config) { c.Notifications.Fields = map[string]string{"label": "a b"} }, `notifications.fields.label: must be a Vtiger field name, got "a b"`},
		{"job interval", func(c *Config) { c.Jobs.PaymentRetryInterval = 0 }, `jobs.paymentRetryInterval: must be a positive duration (e.g. "15s"), got 0s`},
		{"audit retention too short", func(c *Config) { c.Audit.Retention = time.Hour }, `audit.retention: must be at least 24h (e.g. "17520h" for 2 years), got 1h0m0s`},
		{"audit prune interval", func(c *Config) { c.Audit.PruneInterval = 0 }, `audit.pruneInterval: must be a positive duration (e.g. "15s"), got 0s`},
		{"export max rows", func(c *Config) { c.Export.MaxRows = 0 }, `export.maxRows: must be between 1 and 100000, got 0`},
		{"pdf CJK font missing", func(c *Config) { c.PDF.CJKFont = "/nonexistent/font.ttf" }, `pdf.cjkFont: cannot be read: stat /nonexistent/font.ttf: no such file or directory`},
		{"pdf CJK font is a folder", func(c *Config) { c.PDF.CJKFont = "/" }, `pdf.cjkFont: / is not a file`},
		{"metrics listen", func(c *Config) { c.Metrics.Listen = "9090" }, `metrics.listen: must be host:port (e.g. 127.0.0.1:9090) or empty, got "9090"`},
		{"metrics listen ok", func(c *Config) { c.Metrics.Listen = ":9090" }, ``},
		{"log level", func(c *Config) { c.Log.Level = "trace" }, `log.level: must be one of debug | info | warn | error, got "trace"`},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, `log.format: must be one of text | json, got "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %s", tt.want)
			}
			if got := asValidation(t, err).Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestValidateReportsEverythingAtOnce(t *testing.T) {
	cfg, _, err := loadString(t, `
http:
  port: 0
vtiger:
  connection:
    url: ftp://crm
    sessions: 100
  business:
    companyId: abc
log:
  level: loud
`, nil)
	if cfg != nil {
		t.Error("Load returned a config along with errors")
	}
	want := strings.Join([]string{
		`http.port: must be a port between 1 and 65535, got 0 (line 3)`,
		`vtiger.connection.url: must be an http(s) URL, got "ftp://crm" (line 6)`,
		`vtiger.connection.sessions: must be between 1 and 64, got 100 (line 7)`,
		`vtiger.business.companyId: must be a Vtiger record id like 19x1, got "abc" (line 9)`,
		`log.level: must be one of debug | info | warn | error, got "loud" (line 11)`,
	}, "\n")
	if got := asValidation(t, err).Error(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestValidateForServe(t *testing.T) {
	c := Default()
	err := c.ValidateForServe()
	want := strings.Join([]string{
		`db.dsn: required to serve (set it in portal.yaml or PORTAL_DB_DSN)`,
		`vtiger.connection.url: required to serve (set it in portal.yaml or PORTAL_VTIGER_URL)`,
		`vtiger.connection.username: required to serve (set it in portal.yaml or PORTAL_VTIGER_USERNAME)`,
		`vtiger.connection.accessKey: required to serve (set it in portal.yaml or PORTAL_VTIGER_ACCESS_KEY)`,
		`auth.encryptionKey: required to serve (set it in portal.yaml or PORTAL_ENCRYPTION_KEY)`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
	if c.Validate() != nil {
		t.Error("Validate must not require serve-only settings")
	}

	c.DB.DSN = "postgres://postgres@127.0.0.1:5432/portal?sslmode=disable"
	c.Vtiger.Connection.URL = "https://crm.example.com/webservice.php"
	c.Vtiger.Connection.Username = "portal"
	c.Vtiger.Connection.AccessKey = "key"
	c.Auth.EncryptionKey = strings.Repeat("0f", 32)
	if err := c.ValidateForServe(); err != nil {
		t.Fatalf("complete config: %v", err)
	}

	c.HTTP.Port = 0 // everything Validate checks is checked too
	if err := c.ValidateForServe(); err == nil || !asValidation(t, err).Has("http.port") {
		t.Errorf("ValidateForServe missed http.port: %v", err)
	}
	c.HTTP.Port = 4050
	c.DB.DSN = "mysql://x" // an invalid value is reported once, not also as missing
	if got := asValidation(t, c.ValidateForServe()); len(got) != 1 || got[0].Key != "db.dsn" {
		t.Errorf("got %v", got)
	}
}

func TestDecodeKey(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"hex", "3031323334353637383961626364656630313233343536373839616263646566", true},
		{"hex upper", strings.ToUpper("3031323334353637383961626364656630313233343536373839616263646566"), true},
		{"base64", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", true},
		{"base64 raw", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY", true},
		{"surrounding space", " MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n", true},
		{"short base64", "MDEyMzQ1Njc4OWFiY2RlZg==", false},
		{"long hex", strings.Repeat("00", 33), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeKey(tt.in)
			if !tt.ok {
				if err == nil {
					t.Fatalf("DecodeKey(%q) = %x, want error", tt.in, got)
				}
				return
			}
			if err != nil || string(got) != string(raw) {
				t.Fatalf("DecodeKey(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestCheckDSN(t *testing.T) {
	ok := []string{
		"postgres://postgres@127.0.0.1:5432/portal?sslmode=disable",
		"postgresql://u:p%40ss@db.internal/portal",
		"postgres:///portal?host=/var/run/postgresql",
		"host=127.0.0.1 port=5432 dbname=portal user=postgres",
		`password='a\'b c' host=x`,
		"dbname = portal",
	}
	for _, dsn := range ok {
		if msg := checkDSN(dsn); msg != "" {
			t.Errorf("checkDSN(%q) = %s", dsn, msg)
		}
	}
	bad := []string{"", "portal", "=x", "mysql://root@localhost/portal", "host=x 'a'=b", "http://localhost"}
	for _, dsn := range bad {
		if checkDSN(dsn) == "" {
			t.Errorf("checkDSN(%q) accepted", dsn)
		}
	}
}
