// Package config loads portal.yaml plus PORTAL_* environment overrides.
//
// The types in this file are the schema: their yaml keys are what operators
// write, so renaming one breaks deployed configs.
// Resolve finds the file and Load reads it (load.go): defaults (defaults.go)
// first, then the file, then the environment (env.go), then Validate
// (validate.go), which reports every problem at once naming each key.
// Keys of the earlier backend's portal.yaml still load with warnings.
// portal.yaml.example at the repository root documents every key.
package config

import "time"

// Config is the whole portal.yaml.
type Config struct {
	Environment string `yaml:"environment"` // development | production (legacy "env" accepted)
	Domain      string `yaml:"domain"`      // public base URL of the frontend, for links in e-mails

	HTTP          HTTP          `yaml:"http"`
	DB            DB            `yaml:"db"`
	Redis         Redis         `yaml:"redis"`
	Cache         Cache         `yaml:"cache"`
	SMTP          SMTP          `yaml:"smtp"`
	Limiter       Limiter       `yaml:"limiter"`
	CORS          CORS          `yaml:"cors"`
	Email         Email         `yaml:"email"`
	Vtiger        Vtiger        `yaml:"vtiger"`
	Auth          Auth          `yaml:"auth"`
	OTP           OTP           `yaml:"otp"`
	Payment       Payment       `yaml:"payment"`
	Notifications Notifications `yaml:"notifications"`
	Jobs          Jobs          `yaml:"jobs"`
	Audit         Audit         `yaml:"audit"`
	Export        Export        `yaml:"export"`
	PDF           PDF           `yaml:"pdf"`
	Metrics       Metrics       `yaml:"metrics"`
	Log           Log           `yaml:"log"`
}

type HTTP struct {
	Host            string        `yaml:"host"`            // bind address (default 127.0.0.1) — PORTAL_HTTP_HOST
	Port            int           `yaml:"port"`            // default 4050 — PORTAL_HTTP_PORT
	ReadTimeout     time.Duration `yaml:"readTimeout"`     // default 15s
	WriteTimeout    time.Duration `yaml:"writeTimeout"`    // default 60s
	IdleTimeout     time.Duration `yaml:"idleTimeout"`     // default 120s
	ShutdownTimeout time.Duration `yaml:"shutdownTimeout"` // grace period, default 20s
	MaxHeaderBytes  int           `yaml:"maxHeaderBytes"`  // bytes, default 1 MiB (legacy values ≤ 64 are MB)
	MaxBodyBytes    int64         `yaml:"maxBodyBytes"`    // JSON bodies, default 1 MiB
	MaxUploadBytes  int64         `yaml:"maxUploadBytes"`  // multipart uploads, default 10 MiB
	TrustedProxies  []string      `yaml:"trustedProxies"`  // CIDRs/IPs whose X-Forwarded-For is believed; default loopback
	StaticDir       string        `yaml:"staticDir"`       // built frontend served at / ("" = off)
}

type DB struct {
	DSN             string        `yaml:"dsn"`             // PORTAL_DB_DSN
	MaxConns        int32         `yaml:"maxConns"`        // default 10
	MinConns        int32         `yaml:"minConns"`        // default 0
	MaxConnIdleTime time.Duration `yaml:"maxConnIdleTime"` // default 15m
	MaxConnLifetime time.Duration `yaml:"maxConnLifetime"` // default 1h
	ConnectTimeout  time.Duration `yaml:"connectTimeout"`  // default 5s
	QueryTimeout    time.Duration `yaml:"queryTimeout"`    // default 5s
	AutoMigrate     bool          `yaml:"autoMigrate"`     // apply migrations at serve start
}

// Redis is optional: with it, several instances share their rate-limit
// counters and announce cache invalidations through it; without it, limits
// stay per process and invalidations go through PostgreSQL LISTEN/NOTIFY.
type Redis struct {
	URL       string        `yaml:"url"`       // redis://[user:password@]host:port[/db], rediss:// for TLS; "" = no Redis — PORTAL_REDIS_URL
	KeyPrefix string        `yaml:"keyPrefix"` // prefix of every key and channel, so portals can share one Redis; default "portal:"
	Timeout   time.Duration `yaml:"timeout"`   // per command; when exceeded the request is served with local limits; default 250ms
}

type Cache struct {
	TTL         time.Duration `yaml:"ttl"`         // read-mostly CRM data (company, FAQs, products, managers); default 5m
	DescribeTTL time.Duration `yaml:"describeTTL"` // describe metadata; default 10m
	CountTTL    time.Duration `yaml:"countTTL"`    // list counts per scope; default 30s
	PDFEntries  int           `yaml:"pdfEntries"`  // rendered invoice/order/quote PDFs kept in memory (0 = none); default 200
	// Stale-while-revalidate of customer reads (lists, records, related
	// lists, statistics): younger than Fresh served from memory; up to
	// Stale served from memory plus one background refresh; older waits
	// for Vtiger. Stale 0 turns it off (every customer read asks Vtiger).
	Fresh    time.Duration `yaml:"fresh"`    // default 10s
	Stale    time.Duration `yaml:"stale"`    // default 5m; 0 = off
	MaxBytes int64         `yaml:"maxBytes"` // estimated size bound of the engine cache; default 64 MB
}

type SMTP struct {
	Host     string        `yaml:"host"`
	Port     int           `yaml:"port"` // default 587
	Username string        `yaml:"username"`
	Password string        `yaml:"password"` // PORTAL_SMTP_PASSWORD
	Sender   string        `yaml:"sender"`   // From header, e.g. "Portal <portal@example.com>"
	TLS      string        `yaml:"tls"`      // none | starttls | tls (default starttls)
	Timeout  time.Duration `yaml:"timeout"`  // default 10s
}

type Limiter struct {
	Enabled bool          `yaml:"enabled"` // default true
	RPS     float64       `yaml:"rps"`     // per client IP, default 50
	Burst   int           `yaml:"burst"`   // default 100
	TTL     time.Duration `yaml:"ttl"`     // legacy; accepted, unused
	// Auth limits: login, registration, restore, OTP validate — per IP and per e-mail.
	AuthPerMinute int `yaml:"authPerMinute"` // default 10
}

type CORS struct {
	TrustedOrigins []string `yaml:"trustedOrigins"` // exact origins, e.g. https://portal.example.com
}

type Email struct {
	SendWelcomeEmail bool           `yaml:"sendWelcomeEmail"`
	SendTicketEmail  bool           `yaml:"sendTicketEmail"` // "ticket created" and "ticket answered" mails; unset: on when smtp.host is set
	Templates        EmailTemplates `yaml:"templates"`       // paths to override the embedded templates ("" = embedded)
	Subjects         EmailSubjects  `yaml:"subjects"`
	QueueSize        int            `yaml:"queueSize"`  // default 100
	MaxRetries       int            `yaml:"maxRetries"` // default 3
}

type EmailTemplates struct {
	RegistrationEmail    string `yaml:"registrationEmail"`
	TicketSuccessful     string `yaml:"ticketSuccessful"`
	RestorePasswordEmail string `yaml:"restorePasswordEmail"`
	TicketAnswered       string `yaml:"ticketAnswered"`
	QuoteDecision        string `yaml:"quoteDecision"`
}

type EmailSubjects struct {
	RegistrationEmail string `yaml:"registrationEmail"` // default "Welcome to {{.Company}}"
	TicketSuccessful  string `yaml:"ticketSuccessful"`  // default "Ticket {{.TicketNo}} received"
	RestorePassword   string `yaml:"restorePassword"`   // default "Password reset"
	TicketAnswered    string `yaml:"ticketAnswered"`    // default "Ticket {{.TicketNo}} was answered"
	QuoteDecision     string `yaml:"quoteDecision"`     // to the quote's CRM user; default "Quote {{.QuoteNo}} {{.Decision}} by {{.Customer}}"
}

type Vtiger struct {
	Connection VtigerConnection `yaml:"connection"`
	Business   Business         `yaml:"business"`
}

type VtigerConnection struct {
	URL          string        `yaml:"url"`          // PORTAL_VTIGER_URL
	Username     string        `yaml:"username"`     // PORTAL_VTIGER_USERNAME (legacy key: login)
	AccessKey    string        `yaml:"accessKey"`    // PORTAL_VTIGER_ACCESS_KEY (legacy key: password)
	Timeout      time.Duration `yaml:"timeout"`      // per call, default 15s
	Sessions     int           `yaml:"sessions"`     // session pool size = max concurrent calls, default 4
	MaxRetries   int           `yaml:"maxRetries"`   // idempotent read retries, default 2
	RetryBackoff time.Duration `yaml:"retryBackoff"` // default 100ms
	// legacy persistenceConnection: accepted with a deprecation warning, ignored (sessions are always kept)
}

type Business struct {
	EmailField         string                  `yaml:"emailField"`  // Contact field with the login e-mail, default "email"
	CodeField          string                  `yaml:"codeField"`   // Contact field with the registration code, default "code"
	PortalField        string                  `yaml:"portalField"` // Contact checkbox that must be on ("" = not checked), default "portal"
	SupportEmail       string                  `yaml:"supportEmail"`
	CompanyID          string                  `yaml:"companyId"` // CompanyDetails record id, e.g. 23x1
	ClearCode          bool                    `yaml:"clearCode"`
	DefaultPagination  int                     `yaml:"defaultPagination"`  // default 20
	MaxPageSize        int                     `yaml:"maxPageSize"`        // default 100
	DefaultUser        string                  `yaml:"defaultUser"`        // Users id assigned to created records, e.g. 19x1
	UserSettingsFields []string                `yaml:"userSettingsFields"` // Contact checkbox fields at /users/settings
	CustomModules      map[string][]string     `yaml:"customModules"`      // module → fields; first is default sort, all searchable
	Modules            map[string]ModuleConfig `yaml:"modules"`            // overrides of built-in module definitions and custom module extras
	Tickets            TicketRules             `yaml:"tickets"`
	Quotes             QuoteRules              `yaml:"quotes"`
	Leads              LeadRules               `yaml:"leads"`
	Company            map[string]string       `yaml:"company"` // static company fields merged over CompanyDetails (e.g. inn, bankname)
}

// ModuleConfig overrides or extends one module definition.
type ModuleConfig struct {
	Enabled        *bool    `yaml:"enabled"`
	Visibility     string   `yaml:"visibility"`  // account | contact (default account)
	ScopeFields    []string `yaml:"scopeFields"` // reference fields that tie a record to the account/contact
	ListFields     []string `yaml:"listFields"`
	SearchFields   []string `yaml:"searchFields"`
	DefaultSort    string   `yaml:"defaultSort"`    // e.g. "-ticket_no"
	WritableFields []string `yaml:"writableFields"` // fields a customer may set on create/update
	Comments       *bool    `yaml:"comments"`
	Documents      *bool    `yaml:"documents"`
	// CreateDefaults fill fields a create leaves empty: mandatory fields
	// (by describe) the portal's form does not offer, such as Assets'
	// serialnumber. A value the customer sends wins.
	CreateDefaults map[string]string `yaml:"createDefaults"`
}

type TicketRules struct {
	OpenStatus       string   `yaml:"openStatus"`       // status for new tickets ("" = picklist default)
	ClosedStatus     string   `yaml:"closedStatus"`     // default "Closed"
	CustomerStatuses []string `yaml:"customerStatuses"` // statuses a customer may set via PATCH; default [Open, Closed]
}

// QuoteRules drive POST /quotes/{id}/accept and /reject.
type QuoteRules struct {
	OpenStages    []string `yaml:"openStages"`    // stages a customer may accept or reject from; default [Created, Delivered, Reviewed]
	AcceptedStage string   `yaml:"acceptedStage"` // default "Accepted"
	RejectedStage string   `yaml:"rejectedStage"` // default "Rejected"
	TimeZone      string   `yaml:"timeZone"`      // IANA zone in which validtill (a date) ends; default "UTC"
}

type LeadRules struct {
	Source string `yaml:"source"` // default "Existing Customer"
	Status string `yaml:"status"` // default "Attempted to Contact"
}

type Auth struct {
	TokenTTL      time.Duration `yaml:"tokenTTL"`      // default 48h
	ResetTokenTTL time.Duration `yaml:"resetTokenTTL"` // default 1h
	OTPCookieTTL  time.Duration `yaml:"otpCookieTTL"`  // default 5m
	EncryptionKey string        `yaml:"encryptionKey"` // 32-byte key, hex or base64 — PORTAL_ENCRYPTION_KEY
	MinPassword   int           `yaml:"minPassword"`   // default 8
}

type OTP struct {
	Issuer      string `yaml:"issuer"`
	AccountName string `yaml:"accountName"` // legacy; the user's e-mail is used when empty
	SecretSize  uint   `yaml:"secretSize"`  // default 20
}

type Payment struct {
	Enabled                bool     `yaml:"enabled"`
	StripeKey              string   `yaml:"stripe_key"`               // secret key — PORTAL_STRIPE_SECRET_KEY
	StripePublic           string   `yaml:"stripe_public"`            // publishable key
	WebhookSecret          string   `yaml:"webhook_secret"`           // PORTAL_STRIPE_WEBHOOK_SECRET
	StripeURL              string   `yaml:"stripe_url"`               // API base override (stripe-mock in tests); "" = Stripe
	PaidInvoiceStatus      string   `yaml:"paid_invoice_status"`      // legacy spelling payed_invoice_status accepted; default Paid
	PaidSOStatus           string   `yaml:"paid_so_status"`           // legacy spelling payed_so_status accepted; default Delivered
	PayableInvoiceStatuses []string `yaml:"payable_invoice_statuses"` // default [Created, Approved, Sent]
	PayableSOStatuses      []string `yaml:"payable_so_statuses"`      // default [Created, Approved]
}

type Notifications struct {
	Enabled  bool              `yaml:"enabled"`
	Module   string            `yaml:"module"`   // Vtiger module a workflow fills
	Interval time.Duration     `yaml:"interval"` // default 1m
	Fields   map[string]string `yaml:"fields"`   // portal field → Vtiger field (label, description, account_id, contact_id)
}

type Jobs struct {
	TokenCleanupInterval time.Duration `yaml:"tokenCleanupInterval"` // default 1h
	PaymentRetryInterval time.Duration `yaml:"paymentRetryInterval"` // default 1m
	TicketEmailInterval  time.Duration `yaml:"ticketEmailInterval"`  // looking for CRM answers to mail, default 1m
}

// Audit is the activity trail of portal writes.
type Audit struct {
	Enabled       bool          `yaml:"enabled"`       // default true: record every successful authenticated write
	Retention     time.Duration `yaml:"retention"`     // default 17520h (2 years); older entries are pruned
	PruneInterval time.Duration `yaml:"pruneInterval"` // default 24h: how often the prune job runs
}

// Export is the CSV export of the list routes (?format=csv).
type Export struct {
	// MaxRows caps one export (default 10000, at most 100000): a list with
	// more matching rows answers 422 before anything is streamed, so the
	// customer narrows the filter instead of receiving a silently cut file.
	MaxRows int `yaml:"maxRows"`
}

// PDF is the invoice, sales order and quote PDFs.
type PDF struct {
	// CJKFont is a TrueType (.ttf) file for Chinese, Japanese and Korean
	// text; "" (default) = the built-in M+ 1p, which draws Japanese but not
	// all of Simplified Chinese nor Hangul. Debian's fonts-droid-fallback
	// (/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf) draws
	// Chinese and Japanese; fonts-nanum's NanumGothic.ttf draws Korean.
	CJKFont string `yaml:"cjkFont"`
}

type Metrics struct {
	Enabled bool   `yaml:"enabled"` // default true
	Listen  string `yaml:"listen"`  // "" = on the main listener at /metrics; else a separate admin address
}

type Log struct {
	Level  string `yaml:"level"`  // debug | info | warn | error (default info)
	Format string `yaml:"format"` // text | json (default json in production, text otherwise)
}
