package config

import "time"

// BuiltinModules are the Vtiger modules the portal serves out of the box.
// vtiger.business.modules may only override these or modules listed in
// vtiger.business.customModules, so a misspelt module name is reported
// instead of silently doing nothing.
var BuiltinModules = []string{
	"HelpDesk", "Faq", "Invoice", "SalesOrder", "Quotes", "Project",
	"ProjectTask", "ServiceContracts", "Products", "Services", "Assets",
}

// DemoCreateDefaults are demo mode's vtiger.business.modules.<M>.createDefaults
// for the stock frontend's custom modules: its Assets modal does not send
// serialnumber, which Vtiger's describe marks mandatory.
var DemoCreateDefaults = map[string]map[string]string{
	"Assets": {"serialnumber": "not recorded"},
}

// EmbeddedTemplateNames are the file names of the e-mail templates compiled
// into the binary. The earlier backend configured them as paths such as
// "./templates/registration_email.html"; a template path with one of these
// base names therefore means "the embedded template" (see Load).
var EmbeddedTemplateNames = []string{
	"registration_email.html",
	"ticket_successful.html",
	"restore_password_email.html",
}

// Default returns the configuration used for every key the file and the
// environment leave unset.
func Default() Config {
	return Config{
		Environment: EnvProduction,
		HTTP: HTTP{
			Host:            "127.0.0.1",
			Port:            4050,
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    60 * time.Second,
			IdleTimeout:     120 * time.Second,
			ShutdownTimeout: 20 * time.Second,
			MaxHeaderBytes:  1 << 20,
			MaxBodyBytes:    1 << 20,
			MaxUploadBytes:  10 << 20,
			TrustedProxies:  []string{"127.0.0.0/8", "::1/128"},
		},
		DB: DB{
			MaxConns:        10,
			MinConns:        0,
			MaxConnIdleTime: 15 * time.Minute,
			MaxConnLifetime: time.Hour,
			ConnectTimeout:  5 * time.Second,
			QueryTimeout:    5 * time.Second,
		},
		Redis: Redis{
			KeyPrefix: "portal:",
			Timeout:   250 * time.Millisecond,
		},
		Cache: Cache{
			TTL:         5 * time.Minute,
			DescribeTTL: 10 * time.Minute,
			CountTTL:    30 * time.Second,
			PDFEntries:  200,
			Fresh:       10 * time.Second,
			Stale:       5 * time.Minute,
			MaxBytes:    64 << 20,
		},
		SMTP: SMTP{
			Port:    587,
			TLS:     TLSStartTLS,
			Timeout: 10 * time.Second,
		},
		Limiter: Limiter{
			Enabled:       true,
			RPS:           50,
			Burst:         100,
			TTL:           10 * time.Minute,
			AuthPerMinute: 10,
		},
		Email: Email{
			SendWelcomeEmail: true,
			SendTicketEmail:  false,
			Subjects: EmailSubjects{
				RegistrationEmail: "Welcome to {{.Company}}",
				TicketSuccessful:  "Ticket {{.TicketNo}} received",
				RestorePassword:   "Password reset",
				TicketAnswered:    "Ticket {{.TicketNo}} was answered",
				QuoteDecision:     "Quote {{.QuoteNo}} {{.Decision}} by {{.Customer}}",
			},
			QueueSize:  100,
			MaxRetries: 3,
		},
		Vtiger: Vtiger{
			Connection: VtigerConnection{
				Timeout:      15 * time.Second,
				Sessions:     4,
				MaxRetries:   2,
				RetryBackoff: 100 * time.Millisecond,
			},
			Business: Business{
				EmailField:        "email",
				CodeField:         "code",
				PortalField:       "portal",
				DefaultPagination: 20,
				MaxPageSize:       100,
				Tickets: TicketRules{
					ClosedStatus:     "Closed",
					CustomerStatuses: []string{"Open", "Closed"},
				},
				Quotes: QuoteRules{
					OpenStages:    []string{"Created", "Delivered", "Reviewed"},
					AcceptedStage: "Accepted",
					RejectedStage: "Rejected",
					TimeZone:      "UTC",
				},
				Leads: LeadRules{
					Source: "Existing Customer",
					Status: "Attempted to Contact",
				},
			},
		},
		Auth: Auth{
			TokenTTL:      48 * time.Hour,
			ResetTokenTTL: time.Hour,
			OTPCookieTTL:  5 * time.Minute,
			MinPassword:   8,
		},
		OTP: OTP{
			Issuer:     "Customer Portal",
			SecretSize: 20,
		},
		Payment: Payment{
			PaidInvoiceStatus:      "Paid",
			PaidSOStatus:           "Delivered",
			PayableInvoiceStatuses: []string{"Created", "Approved", "Sent"},
			PayableSOStatuses:      []string{"Created", "Approved"},
		},
		Notifications: Notifications{
			Interval: time.Minute,
			// portal field → PortalNotifications field; portal.yaml
			// entries override single keys.
			Fields: map[string]string{
				"label":            "subject",
				"description":      "description",
				"account_id":       "account_id",
				"contact_id":       "contact_id",
				"related_to":       "related_to",
				"assigned_user_id": "assigned_user_id",
			},
		},
		Jobs: Jobs{
			TokenCleanupInterval: time.Hour,
			PaymentRetryInterval: time.Minute,
			TicketEmailInterval:  time.Minute,
		},
		Audit: Audit{
			Enabled:       true,
			Retention:     2 * 365 * 24 * time.Hour,
			PruneInterval: 24 * time.Hour,
		},
		Export:  Export{MaxRows: 10000},
		PDF:     PDF{CJKFont: ""}, // the built-in font
		Metrics: Metrics{Enabled: true},
		Log:     Log{Level: "info"},
	}
}

// applyDerivedDefaults fills the defaults that depend on other keys, for
// keys neither the file nor the environment set (isSet reports those).
func applyDerivedDefaults(c *Config, isSet func(key string) bool) {
	// Ticket mails need a way out; with SMTP configured they are wanted
	// unless the operator says otherwise.
	if !isSet("email.sendTicketEmail") {
		c.Email.SendTicketEmail = c.SMTP.Host != ""
	}
}
