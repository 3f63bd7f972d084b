package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/portalcrm/vtiger-portal/internal/mail"

	deliveryhttp "github.com/portalcrm/vtiger-portal/internal/delivery/http"
	crmrepo "github.com/portalcrm/vtiger-portal/internal/repository/crm"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
	crmsvc "github.com/portalcrm/vtiger-portal/internal/service/crm"
)

// services holds the wired services (filled by buildServices).
type services struct {
	accounts *accounts.Service
	crm      *crmsvc.Service
}

// buildServices constructs repositories and services over the open pools.
func (m *Main) buildServices(ctx context.Context) error {
	cfg := *m.Config
	crm, err := crmsvc.New(m.Vtiger, cfg, m.mailer(), m.Logger.With("component", "crm"))
	if err != nil {
		return fmt.Errorf("crm: %w", err)
	}
	m.services.crm = crm
	acc, err := accounts.New(accounts.Deps{
		Config:   cfg,
		Users:    postgres.NewUserStore(m.DB),
		Tokens:   postgres.NewTokenStore(m.DB),
		OTP:      postgres.NewOTPStore(m.DB),
		Contacts: crmrepo.NewContactRepo(m.Vtiger, crmrepo.ContactConfig{EmailField: cfg.Vtiger.Business.EmailField}),
		Mailer:   m.mailer(),
		Logger:   m.Logger.With("component", "accounts"),
		CompanyName: func(ctx context.Context) string {
			c, err := crm.Company(ctx)
			if err != nil {
				return ""
			}
			name, _ := c["organizationname"].(string)
			return name
		},
	})
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	m.services.accounts = acc
	return nil
}

func (m *Main) deps() deliveryhttp.Deps {
	return deliveryhttp.Deps{
		Config:   *m.Config,
		Logger:   m.Logger,
		Version:  m.opts.Version,
		Auth:     m.services.accounts,
		Accounts: m.services.accounts,
		OTP:      m.services.accounts,
		CRM:      m.services.crm,
		Metrics:  m.metricsSink(),
		Ready: func(ctx context.Context) error {
			return m.DB.Ping(ctx)
		},
	}
}

// createDemoUsers makes the demo data's portal users log-in-able.
func (m *Main) createDemoUsers(ctx context.Context) error {
	if m.Demo == nil {
		return errors.New("no demo data")
	}
	for _, u := range m.Demo.PortalUsers {
		if _, err := m.services.accounts.EnsureDemoUser(ctx, u.Email, demoPassword); err != nil {
			return fmt.Errorf("%s: %w", u.Email, err)
		}
	}
	return nil
}

// startJobs starts the background jobs; each stops when ctx is cancelled
// and Close waits for them.
func (m *Main) startJobs(ctx context.Context) {}

type enqueuer interface {
	Enqueue(ctx context.Context, msg mail.Message) error
}

// mailer returns the mailer as the services' interface, nil when there is
// none (admin commands), so a nil *mail.Mailer never hides in an interface.
func (m *Main) mailer() enqueuer {
	if m.Mailer == nil {
		return nil
	}
	return m.Mailer
}

// metricsSink keeps a nil *metrics.Metrics (admin commands) out of the
// router's interface.
func (m *Main) metricsSink() deliveryhttp.Metrics {
	if m.Metrics == nil {
		return nil
	}
	return m.Metrics
}
