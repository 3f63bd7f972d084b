package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Enumerated values of the configuration.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"

	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"

	VisibilityAccount = "account"
	VisibilityContact = "contact"
)

// ExitInvalid is the process exit code for a configuration that cannot be
// loaded or does not validate (the usual "usage error" code).
const ExitInvalid = 2

// maxPageSizeLimit bounds vtiger.business.maxPageSize: Vtiger answers at most
// 100 rows per query, so every 100 rows of a page cost one more CRM call.
const maxPageSizeLimit = 500

var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"text", "json"}
	tlsModes   = []string{TLSNone, TLSStartTLS, TLSImplicit}
	envNames   = []string{EnvDevelopment, EnvProduction}
	visibility = []string{VisibilityAccount, VisibilityContact}

	crmIDRe      = regexp.MustCompile(`^\d+x\d+$`)
	identifierRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	sortRe       = regexp.MustCompile(`^-?[A-Za-z_][A-Za-z0-9_]*$`)
)

// FieldError is one problem with one configuration key.
type FieldError struct {
	Key     string // dotted path, e.g. vtiger.connection.url, or an env var name
	Message string // what is wrong
	Line    int    // line in the file, when known
}

func (e FieldError) String() string {
	s := e.Key + ": " + e.Message
	if e.Line > 0 {
		s += fmt.Sprintf(" (line %d)", e.Line)
	}
	return s
}

// ValidationErrors lists every problem found, so an operator fixes the file
// in one go instead of one restart per typo.
type ValidationErrors []FieldError

func (e ValidationErrors) Error() string {
	lines := make([]string, len(e))
	for i, fe := range e {
		lines[i] = fe.String()
	}
	return strings.Join(lines, "\n")
}

// Has reports whether a problem is recorded for key.
func (e ValidationErrors) Has(key string) bool {
	return slices.ContainsFunc(e, func(fe FieldError) bool { return fe.Key == key })
}

func (e *ValidationErrors) add(key, format string, args ...any) {
	*e = append(*e, FieldError{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (e ValidationErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Validate checks every value that has a constraint and reports all
// problems at once as ValidationErrors. Values only a running server needs
// (CRM credentials, database) are checked by ValidateForServe.
func (c *Config) Validate() error {
	var v ValidationErrors
	c.validate(&v)
	return v.err()
}

// ValidateForServe is Validate plus the settings `portal serve` cannot run
// without. `portal migrate` and demo mode call only Validate.
func (c *Config) ValidateForServe() error {
	return c.ValidateFor("serve", "db.dsn", "vtiger.connection.url", "vtiger.connection.username",
		"vtiger.connection.accessKey", "auth.encryptionKey")
}

// ValidateFor is Validate plus the keys a command needs being set; what
// names the command in the message ("serve", "notifications import"), so
// an operator command asks only for what it uses.
func (c *Config) ValidateFor(what string, keys ...string) error {
	var v ValidationErrors
	c.validate(&v)
	values := map[string]struct{ env, val string }{
		"db.dsn":                      {"PORTAL_DB_DSN", c.DB.DSN},
		"vtiger.connection.url":       {"PORTAL_VTIGER_URL", c.Vtiger.Connection.URL},
		"vtiger.connection.username":  {"PORTAL_VTIGER_USERNAME", c.Vtiger.Connection.Username},
		"vtiger.connection.accessKey": {"PORTAL_VTIGER_ACCESS_KEY", c.Vtiger.Connection.AccessKey},
		"auth.encryptionKey":          {"PORTAL_ENCRYPTION_KEY", c.Auth.EncryptionKey},
	}
	for _, k := range keys {
		r, ok := values[k]
		if !ok {
			panic("config: ValidateFor does not know key " + k)
		}
		if strings.TrimSpace(r.val) == "" && !v.Has(k) {
			v.add(k, "required to %s (set it in portal.yaml or %s)", what, r.env)
		}
	}
	return v.err()
}

// validate checks every section; the order of the calls is the order of
// the errors.
func (c *Config) validate(v *ValidationErrors) {
	oneOf(v, "environment", c.Environment, envNames)
	optionalURL(v, "domain", c.Domain)
	c.validateHTTP(v)
	c.validateDB(v)
	c.validateCache(v)
	c.validateSMTP(v)
	c.validateLimiter(v)
	c.validateRedis(v)
	c.validateCORS(v)
	c.validateEmail(v)
	c.validateVtiger(v)
	c.validateAuth(v)
	c.validatePayment(v)
	c.validateNotifications(v)
	c.validateJobs(v)
	c.validateOps(v)
	c.validateExport(v)
	c.validatePDF(v)
}

// validateHTTP checks http.*.
func (c *Config) validateHTTP(v *ValidationErrors) {
	h := c.HTTP
	port(v, "http.port", h.Port)
	positive(v, "http.readTimeout", h.ReadTimeout)
	positive(v, "http.writeTimeout", h.WriteTimeout)
	positive(v, "http.idleTimeout", h.IdleTimeout)
	positive(v, "http.shutdownTimeout", h.ShutdownTimeout)
	atLeast(v, "http.maxHeaderBytes", int64(h.MaxHeaderBytes), 1024)
	atLeast(v, "http.maxBodyBytes", h.MaxBodyBytes, 1024)
	atLeast(v, "http.maxUploadBytes", h.MaxUploadBytes, 1024)
	for i, p := range h.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err != nil {
			v.add(fmt.Sprintf("http.trustedProxies[%d]", i), "must be an IP address or CIDR (e.g. 10.0.0.0/8), got %q", p)
		}
	}
}

// validateDB checks db.*.
func (c *Config) validateDB(v *ValidationErrors) {
	d := c.DB
	if d.DSN != "" {
		if msg := checkDSN(d.DSN); msg != "" {
			v.add("db.dsn", "%s", msg)
		}
	}
	if d.MaxConns < 1 {
		v.add("db.maxConns", "must be at least 1, got %d", d.MaxConns)
	}
	if d.MinConns < 0 || (d.MaxConns >= 1 && d.MinConns > d.MaxConns) {
		v.add("db.minConns", "must be between 0 and db.maxConns (%d), got %d", d.MaxConns, d.MinConns)
	}
	positive(v, "db.maxConnIdleTime", d.MaxConnIdleTime)
	positive(v, "db.maxConnLifetime", d.MaxConnLifetime)
	positive(v, "db.connectTimeout", d.ConnectTimeout)
	positive(v, "db.queryTimeout", d.QueryTimeout)
}

// validateCache checks cache.*.
func (c *Config) validateCache(v *ValidationErrors) {
	positive(v, "cache.ttl", c.Cache.TTL)
	positive(v, "cache.describeTTL", c.Cache.DescribeTTL)
	positive(v, "cache.countTTL", c.Cache.CountTTL)
	if c.Cache.PDFEntries < 0 || c.Cache.PDFEntries > 100000 {
		v.add("cache.pdfEntries", "must be between 0 and 100000, got %d", c.Cache.PDFEntries)
	}
	positive(v, "cache.fresh", c.Cache.Fresh)
	if c.Cache.Stale < 0 || (c.Cache.Stale > 0 && c.Cache.Stale < c.Cache.Fresh) {
		v.add("cache.stale", "must be 0 (off) or at least cache.fresh (%s), got %s", c.Cache.Fresh, c.Cache.Stale)
	}
	if c.Cache.MaxBytes < 1<<20 {
		v.add("cache.maxBytes", "must be at least 1048576 (1 MB), got %d", c.Cache.MaxBytes)
	}
}

// validateSMTP checks smtp.*.
func (c *Config) validateSMTP(v *ValidationErrors) {
	s := c.SMTP
	if s.Host != "" && (strings.ContainsAny(s.Host, "/: ") || strings.Contains(s.Host, "://")) {
		v.add("smtp.host", "must be a host name or IP without scheme or port (the port goes in smtp.port), got %q", s.Host)
	}
	port(v, "smtp.port", s.Port)
	if s.Sender != "" {
		if _, err := mail.ParseAddress(s.Sender); err != nil {
			v.add("smtp.sender", "must be an e-mail address, optionally with a name (\"Portal <portal@example.com>\"), got %q", s.Sender)
		}
	}
	oneOf(v, "smtp.tls", s.TLS, tlsModes)
	positive(v, "smtp.timeout", s.Timeout)
}

// validateLimiter checks limiter.*.
func (c *Config) validateLimiter(v *ValidationErrors) {
	l := c.Limiter
	if l.Enabled {
		if l.RPS <= 0 {
			v.add("limiter.rps", "must be greater than 0 when the limiter is enabled, got %g", l.RPS)
		}
		if l.Burst < 1 {
			v.add("limiter.burst", "must be at least 1 when the limiter is enabled, got %d", l.Burst)
		}
	}
	if l.TTL < 0 {
		v.add("limiter.ttl", "must not be negative, got %s", l.TTL)
	}
	if l.AuthPerMinute < 1 {
		v.add("limiter.authPerMinute", "must be at least 1, got %d", l.AuthPerMinute)
	}
}

// validateCORS checks cors.*.
func (c *Config) validateCORS(v *ValidationErrors) {
	for i, o := range c.CORS.TrustedOrigins {
		if msg := checkOrigin(o); msg != "" {
			v.add(fmt.Sprintf("cors.trustedOrigins[%d]", i), "%s, got %q", msg, o)
		}
	}
}

// validateEmail checks email.*.
func (c *Config) validateEmail(v *ValidationErrors) {
	e := c.Email
	if e.QueueSize < 1 {
		v.add("email.queueSize", "must be at least 1, got %d", e.QueueSize)
	}
	if e.MaxRetries < 0 {
		v.add("email.maxRetries", "must not be negative, got %d", e.MaxRetries)
	}
}

// validateAuth checks auth.* and otp.*.
func (c *Config) validateAuth(v *ValidationErrors) {
	a := c.Auth
	positive(v, "auth.tokenTTL", a.TokenTTL)
	positive(v, "auth.resetTokenTTL", a.ResetTokenTTL)
	positive(v, "auth.otpCookieTTL", a.OTPCookieTTL)
	if a.EncryptionKey != "" {
		if _, err := DecodeKey(a.EncryptionKey); err != nil {
			v.add("auth.encryptionKey", "%v", err)
		}
	}
	if a.MinPassword < 6 || a.MinPassword > 72 {
		v.add("auth.minPassword", "must be between 6 and 72, got %d", a.MinPassword)
	}

	if c.OTP.SecretSize < 10 || c.OTP.SecretSize > 64 {
		v.add("otp.secretSize", "must be between 10 and 64 bytes, got %d", c.OTP.SecretSize)
	}
}

// validatePayment checks payment.*.
func (c *Config) validatePayment(v *ValidationErrors) {
	p := c.Payment
	if p.Enabled && strings.TrimSpace(p.StripeKey) == "" {
		v.add("payment.stripe_key", "required when payment.enabled is true (or set PORTAL_STRIPE_SECRET_KEY)")
	}
	if p.StripeKey != "" && !strings.HasPrefix(p.StripeKey, "sk_") && !strings.HasPrefix(p.StripeKey, "rk_") {
		v.add("payment.stripe_key", "must be a Stripe secret key (sk_… or rk_…); the publishable pk_… key belongs in payment.stripe_public")
	}
	if p.StripePublic != "" && !strings.HasPrefix(p.StripePublic, "pk_") {
		v.add("payment.stripe_public", "must be a Stripe publishable key (pk_…)")
	}
	if p.WebhookSecret != "" && !strings.HasPrefix(p.WebhookSecret, "whsec_") {
		v.add("payment.webhook_secret", "must be a Stripe webhook signing secret (whsec_…)")
	}
	optionalURL(v, "payment.stripe_url", p.StripeURL)
	nonEmpty(v, "payment.paid_invoice_status", p.PaidInvoiceStatus)
	nonEmpty(v, "payment.paid_so_status", p.PaidSOStatus)
	nonEmptyItems(v, "payment.payable_invoice_statuses", p.PayableInvoiceStatuses)
	nonEmptyItems(v, "payment.payable_so_statuses", p.PayableSOStatuses)
}

// validateNotifications checks notifications.*.
func (c *Config) validateNotifications(v *ValidationErrors) {
	n := c.Notifications
	if n.Enabled && n.Module == "" {
		v.add("notifications.module", "required when notifications.enabled is true")
	} else if n.Module != "" && !identifierRe.MatchString(n.Module) {
		v.add("notifications.module", "must be a Vtiger module name, got %q", n.Module)
	}
	positive(v, "notifications.interval", n.Interval)
	for _, k := range sortedKeys(n.Fields) {
		if !identifierRe.MatchString(n.Fields[k]) {
			v.add("notifications.fields."+k, "must be a Vtiger field name, got %q", n.Fields[k])
		}
	}
}

// validateJobs checks the background job intervals (jobs.*, audit.*).
func (c *Config) validateJobs(v *ValidationErrors) {
	positive(v, "jobs.tokenCleanupInterval", c.Jobs.TokenCleanupInterval)
	positive(v, "jobs.paymentRetryInterval", c.Jobs.PaymentRetryInterval)
	positive(v, "jobs.ticketEmailInterval", c.Jobs.TicketEmailInterval)
	if c.Audit.Retention < 24*time.Hour {
		v.add("audit.retention", "must be at least 24h (e.g. \"17520h\" for 2 years), got %s", c.Audit.Retention)
	}
	positive(v, "audit.pruneInterval", c.Audit.PruneInterval)
}

// validateOps checks metrics.* and log.*.
func (c *Config) validateOps(v *ValidationErrors) {
	if c.Metrics.Listen != "" {
		if _, p, err := net.SplitHostPort(c.Metrics.Listen); err != nil || p == "" {
			v.add("metrics.listen", "must be host:port (e.g. 127.0.0.1:9090) or empty, got %q", c.Metrics.Listen)
		}
	}

	oneOf(v, "log.level", c.Log.Level, logLevels)
	if c.Log.Format != "" {
		oneOf(v, "log.format", c.Log.Format, logFormats)
	}
}

// validateRedis checks redis.*.
func (c *Config) validateRedis(v *ValidationErrors) {
	r := c.Redis
	if r.URL != "" {
		u, err := url.Parse(r.URL)
		switch {
		case err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix"):
			v.add("redis.url", "must be a redis://, rediss:// or unix:// URL (redis://127.0.0.1:6379/0), got %q", redactURL(r.URL))
		case u.Scheme != "unix" && u.Host == "":
			v.add("redis.url", "must name a host (redis://127.0.0.1:6379/0), got %q", redactURL(r.URL))
		case u.Scheme == "unix" && u.Path == "":
			v.add("redis.url", "must name a socket path (unix:///run/redis/redis.sock), got %q", redactURL(r.URL))
		}
	}
	if r.Timeout <= 0 || r.Timeout > 10*time.Second {
		v.add("redis.timeout", "must be between 1ms and 10s, got %s", r.Timeout)
	}
}

// redactURL hides a password in a URL quoted by an error message.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") {
			return "(not a URL)" // may hold a password
		}
		return s
	}
	return u.Redacted()
}

// validatePDF checks pdf.*; whether the file is a usable font is checked
// when the portal starts (pdfdoc parses it).
func (c *Config) validatePDF(v *ValidationErrors) {
	if c.PDF.CJKFont == "" {
		return
	}
	if st, err := os.Stat(c.PDF.CJKFont); err != nil {
		v.add("pdf.cjkFont", "cannot be read: %v", err)
	} else if !st.Mode().IsRegular() {
		v.add("pdf.cjkFont", "%s is not a file", c.PDF.CJKFont)
	}
}

// validateExport checks export.*.
func (c *Config) validateExport(v *ValidationErrors) {
	if c.Export.MaxRows < 1 || c.Export.MaxRows > 100000 {
		v.add("export.maxRows", "must be between 1 and 100000, got %d", c.Export.MaxRows)
	}
}

// validateVtiger checks vtiger.connection.* and vtiger.business.*.
func (c *Config) validateVtiger(v *ValidationErrors) {
	c.validateVtigerConnection(v)
	c.validateBusiness(v)
	c.validateModules(v)
	c.validateTicketsAndLeads(v)
}

// validateVtigerConnection checks vtiger.connection.*.
func (c *Config) validateVtigerConnection(v *ValidationErrors) {
	vc := c.Vtiger.Connection
	if vc.URL != "" {
		optionalURL(v, "vtiger.connection.url", vc.URL)
	}
	positive(v, "vtiger.connection.timeout", vc.Timeout)
	if vc.Sessions < 1 || vc.Sessions > 64 {
		v.add("vtiger.connection.sessions", "must be between 1 and 64, got %d", vc.Sessions)
	}
	if vc.MaxRetries < 0 || vc.MaxRetries > 10 {
		v.add("vtiger.connection.maxRetries", "must be between 0 and 10, got %d", vc.MaxRetries)
	}
	positive(v, "vtiger.connection.retryBackoff", vc.RetryBackoff)
}

// validateBusiness checks the scalar vtiger.business.* keys.
func (c *Config) validateBusiness(v *ValidationErrors) {
	b := c.Vtiger.Business
	field(v, "vtiger.business.emailField", b.EmailField, false)
	field(v, "vtiger.business.codeField", b.CodeField, false)
	field(v, "vtiger.business.portalField", b.PortalField, true)
	if b.SupportEmail != "" {
		if _, err := mail.ParseAddress(b.SupportEmail); err != nil {
			v.add("vtiger.business.supportEmail", "must be an e-mail address, got %q", b.SupportEmail)
		}
	}
	crmID(v, "vtiger.business.companyId", b.CompanyID)
	crmID(v, "vtiger.business.defaultUser", b.DefaultUser)
	if b.DefaultPagination < 1 {
		v.add("vtiger.business.defaultPagination", "must be at least 1, got %d", b.DefaultPagination)
	}
	switch {
	case b.MaxPageSize > maxPageSizeLimit:
		v.add("vtiger.business.maxPageSize", "must be at most %d (every 100 rows cost one Vtiger call), got %d", maxPageSizeLimit, b.MaxPageSize)
	case b.DefaultPagination >= 1 && b.MaxPageSize < b.DefaultPagination:
		v.add("vtiger.business.maxPageSize", "must be at least vtiger.business.defaultPagination (%d), got %d", b.DefaultPagination, b.MaxPageSize)
	}
	for i, f := range b.UserSettingsFields {
		field(v, fmt.Sprintf("vtiger.business.userSettingsFields[%d]", i), f, false)
	}
}

// validateModules checks vtiger.business.customModules and .modules.
func (c *Config) validateModules(v *ValidationErrors) {
	b := c.Vtiger.Business
	for _, name := range sortedKeys(b.CustomModules) {
		key := "vtiger.business.customModules." + name
		if !identifierRe.MatchString(name) {
			v.add(key, "module name must be a Vtiger module name (letters, digits, _), got %q", name)
		}
		fields := b.CustomModules[name]
		if len(fields) == 0 {
			v.add(key, "must list at least one field (the first is the default sort)")
		}
		for i, f := range fields {
			field(v, fmt.Sprintf("%s[%d]", key, i), f, false)
		}
	}

	for _, name := range sortedKeys(b.Modules) {
		key := "vtiger.business.modules." + name
		m := b.Modules[name]
		if _, custom := b.CustomModules[name]; !custom && !slices.Contains(BuiltinModules, name) {
			v.add(key, "unknown module; built-in modules are %s, others must be listed in vtiger.business.customModules", strings.Join(BuiltinModules, ", "))
		}
		if m.Visibility != "" {
			oneOf(v, key+".visibility", m.Visibility, visibility)
		}
		if m.DefaultSort != "" && !sortRe.MatchString(m.DefaultSort) {
			v.add(key+".defaultSort", "must be a field name, optionally prefixed with '-' for descending, got %q", m.DefaultSort)
		}
		for _, list := range []struct {
			name   string
			fields []string
		}{
			{"scopeFields", m.ScopeFields}, {"listFields", m.ListFields},
			{"searchFields", m.SearchFields}, {"writableFields", m.WritableFields},
		} {
			for i, f := range list.fields {
				field(v, fmt.Sprintf("%s.%s[%d]", key, list.name, i), f, false)
			}
		}
		for _, f := range sortedKeys(m.CreateDefaults) {
			k := key + ".createDefaults." + f
			field(v, k, f, false)
			if len(m.CreateDefaults[f]) > maxCreateDefaultLen {
				v.add(k, "must be at most %d bytes", maxCreateDefaultLen)
			}
		}
	}
}

// validateTicketsAndLeads checks vtiger.business.tickets.* and .leads.*.
func (c *Config) validateTicketsAndLeads(v *ValidationErrors) {
	b := c.Vtiger.Business
	t := b.Tickets
	nonEmpty(v, "vtiger.business.tickets.closedStatus", t.ClosedStatus)
	nonEmptyItems(v, "vtiger.business.tickets.customerStatuses", t.CustomerStatuses)
	validateQuotes(v, b.Quotes)
	nonEmpty(v, "vtiger.business.leads.source", b.Leads.Source)
	nonEmpty(v, "vtiger.business.leads.status", b.Leads.Status)
}

// maxCreateDefaultLen bounds a configured create default (a text field's
// value, not a document).
const maxCreateDefaultLen = 255

// validateQuotes checks the quote decision stages: a decided stage that
// is also open would let a quote be accepted again and again.
func validateQuotes(v *ValidationErrors, q QuoteRules) {
	nonEmptyItems(v, "vtiger.business.quotes.openStages", q.OpenStages)
	nonEmpty(v, "vtiger.business.quotes.acceptedStage", q.AcceptedStage)
	nonEmpty(v, "vtiger.business.quotes.rejectedStage", q.RejectedStage)
	for _, s := range []struct{ key, stage string }{
		{"vtiger.business.quotes.acceptedStage", q.AcceptedStage}, {"vtiger.business.quotes.rejectedStage", q.RejectedStage},
	} {
		if s.stage != "" && slices.Contains(q.OpenStages, s.stage) {
			v.add(s.key, "%q is also listed in vtiger.business.quotes.openStages", s.stage)
		}
	}
	if q.AcceptedStage != "" && q.AcceptedStage == q.RejectedStage {
		v.add("vtiger.business.quotes.rejectedStage", "must differ from vtiger.business.quotes.acceptedStage")
	}
	if _, err := time.LoadLocation(q.TimeZone); err != nil || strings.TrimSpace(q.TimeZone) == "" {
		v.add("vtiger.business.quotes.timeZone", "%q is not an IANA time zone (e.g. UTC, Europe/Berlin)", q.TimeZone)
	}
}

// DecodeKey decodes auth.encryptionKey: 32 bytes written as 64 hex digits
// or as standard/URL-safe base64 (padded or not).
func DecodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil {
		if len(b) == 32 {
			return b, nil
		}
		return nil, fmt.Errorf("must decode to 32 bytes, got %d (hex); generate one with `openssl rand -hex 32`", len(b))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) == 32 {
				return b, nil
			}
			return nil, fmt.Errorf("must decode to 32 bytes, got %d (base64); generate one with `openssl rand -hex 32`", len(b))
		}
	}
	return nil, errors.New("must be 32 bytes written as 64 hex digits or base64; generate one with `openssl rand -hex 32`")
}

// checkDSN accepts what pgx accepts in its two syntaxes without pulling pgx
// into the config package: postgres:// URLs and key=value lists.
func checkDSN(dsn string) string {
	const want = "must be a PostgreSQL URL (postgres://user:pass@host:5432/db?sslmode=disable) or key=value DSN (host=… dbname=…)"
	if strings.HasPrefix(dsn, "mysql://") || strings.Contains(dsn, "@tcp(") {
		return want + "; MySQL is not supported"
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return want + ": " + err.Error()
		}
		if u.Host == "" && u.Query().Get("host") == "" {
			return want + ": no host"
		}
		return ""
	}
	if strings.Contains(dsn, "://") {
		return want
	}
	if err := parseKeyValueDSN(dsn); err != nil {
		return want + ": " + err.Error()
	}
	return ""
}

// parseKeyValueDSN follows libpq's key=value syntax: values may be
// single-quoted with backslash escapes.
func parseKeyValueDSN(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("empty")
	}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return fmt.Errorf("expected key=value at %q", s)
		}
		key := strings.TrimSpace(s[:eq])
		if key == "" || strings.ContainsAny(key, " \t'") {
			return fmt.Errorf("bad key %q", key)
		}
		s = strings.TrimLeft(s[eq+1:], " \t")
		if strings.HasPrefix(s, "'") {
			i, closed := 1, false
			for ; i < len(s); i++ {
				if s[i] == '\\' {
					i++
					continue
				}
				if s[i] == '\'' {
					closed = true
					break
				}
			}
			if !closed {
				return fmt.Errorf("unterminated quoted value for %s", key)
			}
			s = s[i+1:]
		} else if sp := strings.IndexAny(s, " \t"); sp >= 0 {
			s = s[sp:]
		} else {
			s = ""
		}
		s = strings.TrimLeft(s, " \t")
	}
	return nil
}

// checkOrigin returns why o is not a browser Origin, or "".
func checkOrigin(o string) string {
	const want = "must be an origin scheme://host[:port] without path"
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return want
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return want
	}
	if u.Path != "" || u.Opaque != "" {
		return want + " (drop the trailing path, even a single \"/\")"
	}
	if p := u.Port(); p != "" {
		if _, err := parsePort(p); err != nil {
			return want + " (bad port)"
		}
	}
	return ""
}

func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("bad port %q", s)
	}
	return n, nil
}

func optionalURL(v *ValidationErrors, key, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(key, "must be an http(s) URL, got %q", s)
	}
}

func port(v *ValidationErrors, key string, p int) {
	if p < 1 || p > 65535 {
		v.add(key, "must be a port between 1 and 65535, got %d", p)
	}
}

func positive(v *ValidationErrors, key string, d time.Duration) {
	if d <= 0 {
		v.add(key, "must be a positive duration (e.g. \"15s\"), got %s", d)
	}
}

func atLeast(v *ValidationErrors, key string, n, min int64) {
	if n < min {
		v.add(key, "must be at least %d bytes, got %d", min, n)
	}
}

func oneOf(v *ValidationErrors, key, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		v.add(key, "must be one of %s, got %q", strings.Join(allowed, " | "), s)
	}
}

func nonEmpty(v *ValidationErrors, key, s string) {
	if strings.TrimSpace(s) == "" {
		v.add(key, "must not be empty")
	}
}

func nonEmptyItems(v *ValidationErrors, key string, list []string) {
	if len(list) == 0 {
		v.add(key, "must list at least one value")
	}
	for i, s := range list {
		nonEmpty(v, fmt.Sprintf("%s[%d]", key, i), s)
	}
}

func crmID(v *ValidationErrors, key, s string) {
	if s != "" && !crmIDRe.MatchString(s) {
		v.add(key, "must be a Vtiger record id like 19x1, got %q", s)
	}
}

func field(v *ValidationErrors, key, s string, emptyOK bool) {
	if s == "" && emptyOK {
		return
	}
	if !identifierRe.MatchString(s) {
		v.add(key, "must be a Vtiger field name (letters, digits, _), got %q", s)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
