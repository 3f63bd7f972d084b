package app

import (
	"context"
	"fmt"

	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/ticketmail"
)

// buildTicketMail wires the "your ticket was answered" mails when
// email.sendTicketEmail is on and a mailer runs (not for admin commands).
func (m *Main) buildTicketMail() error {
	if !m.Config.Email.SendTicketEmail || m.Mailer == nil {
		return nil
	}
	svc, err := ticketmail.New(ticketmail.Options{
		Config: *m.Config,
		CRM:    m.Vtiger,
		Store:  postgres.NewTicketMailStore(m.DB),
		Users:  postgres.NewUserStore(m.DB),
		Mailer: m.Mailer,
		CompanyName: func(ctx context.Context) string {
			c, err := m.services.crm.Company(ctx)
			if err != nil {
				return ""
			}
			name, _ := c["organizationname"].(string)
			return name
		},
		Logger: m.Logger.With("component", "ticketmail"),
	})
	if err != nil {
		return fmt.Errorf("ticket mails: %w", err)
	}
	m.services.ticketMail = svc
	return nil
}
