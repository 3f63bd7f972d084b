package config

import (
	"fmt"
	"strconv"
	"strings"
)

// EnvVar documents one PORTAL_* environment override.
type EnvVar struct {
	Name        string // e.g. PORTAL_DB_DSN
	Key         string // the portal.yaml key it overrides, e.g. db.dsn
	Description string
}

type envBinding struct {
	EnvVar
	set func(c *Config, val string) error
}

func str(f func(*Config) *string) func(*Config, string) error {
	return func(c *Config, val string) error { *f(c) = val; return nil }
}

func integer(f func(*Config) *int) func(*Config, string) error {
	return func(c *Config, val string) error {
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil {
			return fmt.Errorf("must be an integer, got %q", val)
		}
		*f(c) = n
		return nil
	}
}

// envBindings is the single source of EnvVars and of applyEnv, so the
// documented list cannot drift from what is honoured.
var envBindings = []envBinding{
	{EnvVar{"PORTAL_ENVIRONMENT", "environment", "development | production"}, str(func(c *Config) *string { return &c.Environment })},
	{EnvVar{"PORTAL_DOMAIN", "domain", "public base URL of the frontend, used in e-mail links"}, str(func(c *Config) *string { return &c.Domain })},
	{EnvVar{"PORTAL_HTTP_HOST", "http.host", "bind address"}, str(func(c *Config) *string { return &c.HTTP.Host })},
	{EnvVar{"PORTAL_HTTP_PORT", "http.port", "listen port"}, integer(func(c *Config) *int { return &c.HTTP.Port })},
	{EnvVar{"PORTAL_DB_DSN", "db.dsn", "PostgreSQL DSN (postgres://… or key=value)"}, str(func(c *Config) *string { return &c.DB.DSN })},
	{EnvVar{"PORTAL_REDIS_URL", "redis.url", "Redis URL (redis://host:6379/0); shared rate limits and cache invalidation for several instances"}, str(func(c *Config) *string { return &c.Redis.URL })},
	{EnvVar{"PORTAL_VTIGER_URL", "vtiger.connection.url", "Vtiger webservice URL (…/webservice.php)"}, str(func(c *Config) *string { return &c.Vtiger.Connection.URL })},
	{EnvVar{"PORTAL_VTIGER_USERNAME", "vtiger.connection.username", "Vtiger user name"}, str(func(c *Config) *string { return &c.Vtiger.Connection.Username })},
	{EnvVar{"PORTAL_VTIGER_ACCESS_KEY", "vtiger.connection.accessKey", "Vtiger user access key (My Preferences → Access Key)"}, str(func(c *Config) *string { return &c.Vtiger.Connection.AccessKey })},
	{EnvVar{"PORTAL_STRIPE_SECRET_KEY", "payment.stripe_key", "Stripe secret key (sk_…)"}, str(func(c *Config) *string { return &c.Payment.StripeKey })},
	{EnvVar{"PORTAL_STRIPE_PUBLIC_KEY", "payment.stripe_public", "Stripe publishable key (pk_…)"}, str(func(c *Config) *string { return &c.Payment.StripePublic })},
	{EnvVar{"PORTAL_STRIPE_WEBHOOK_SECRET", "payment.webhook_secret", "Stripe webhook signing secret (whsec_…)"}, str(func(c *Config) *string { return &c.Payment.WebhookSecret })},
	{EnvVar{"PORTAL_SMTP_HOST", "smtp.host", "SMTP server host"}, str(func(c *Config) *string { return &c.SMTP.Host })},
	{EnvVar{"PORTAL_SMTP_PORT", "smtp.port", "SMTP server port"}, integer(func(c *Config) *int { return &c.SMTP.Port })},
	{EnvVar{"PORTAL_SMTP_USERNAME", "smtp.username", "SMTP user"}, str(func(c *Config) *string { return &c.SMTP.Username })},
	{EnvVar{"PORTAL_SMTP_PASSWORD", "smtp.password", "SMTP password"}, str(func(c *Config) *string { return &c.SMTP.Password })},
	{EnvVar{"PORTAL_SMTP_TLS", "smtp.tls", "none | starttls | tls"}, str(func(c *Config) *string { return &c.SMTP.TLS })},
	{EnvVar{"PORTAL_ENCRYPTION_KEY", "auth.encryptionKey", "32-byte key (hex or base64) encrypting TOTP secrets at rest"}, str(func(c *Config) *string { return &c.Auth.EncryptionKey })},
	{EnvVar{"PORTAL_LOG_LEVEL", "log.level", "debug | info | warn | error"}, str(func(c *Config) *string { return &c.Log.Level })},
	{EnvVar{"PORTAL_LOG_FORMAT", "log.format", "text | json"}, str(func(c *Config) *string { return &c.Log.Format })},
	{EnvVar{"PORTAL_METRICS_LISTEN", "metrics.listen", "separate admin address for /metrics (empty = main listener)"}, str(func(c *Config) *string { return &c.Metrics.Listen })},
}

// EnvVars lists every PORTAL_* override in the order they are applied;
// the README and `portal -h` print it. A variable that is unset or empty
// leaves the file's value alone.
var EnvVars = func() []EnvVar {
	out := make([]EnvVar, len(envBindings))
	for i, b := range envBindings {
		out[i] = b.EnvVar
	}
	return out
}()

// applyEnv applies the overrides and returns the keys they set.
func applyEnv(c *Config, getenv func(string) string, errs *ValidationErrors, warn func(string)) map[string]bool {
	set := map[string]bool{}
	for _, b := range envBindings {
		val := getenv(b.Name)
		if val == "" {
			continue
		}
		if err := b.set(c, val); err != nil {
			errs.add(b.Name, "%v (overrides %s)", err, b.Key)
			continue
		}
		set[b.Key] = true
	}
	// The earlier backend read the webhook secret from this variable.
	if c.Payment.WebhookSecret == "" {
		if val := getenv("STRIPE_WEBHOOK_SECRET"); val != "" {
			c.Payment.WebhookSecret = val
			set["payment.webhook_secret"] = true
			warn("STRIPE_WEBHOOK_SECRET: deprecated, use PORTAL_STRIPE_WEBHOOK_SECRET")
		}
	}
	return set
}
