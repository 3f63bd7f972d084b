package records

import (
	"context"
	"slices"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// TicketInput is what a customer sends to create or edit a ticket.
type TicketInput struct {
	Title       string `json:"ticket_title"`
	Description string `json:"description"`
	Priority    string `json:"ticketpriorities"`
	Severity    string `json:"ticketseverities"`
	Category    string `json:"ticketcategories"`
}

const maxTitleLen = 255

// ticketFields validates the five customer fields against describe and
// returns those that are set.
func (s *Engine) ticketFields(ctx context.Context, in TicketInput, create bool) (map[string]any, error) {
	schema, err := s.st.Schema(ctx, "HelpDesk")
	if err != nil {
		return nil, err
	}
	in.Title = strings.TrimSpace(in.Title)
	if create && in.Title == "" {
		return nil, domain.Invalid("ticket_title", "is required")
	}
	if len(in.Title) > maxTitleLen {
		return nil, domain.Invalid("ticket_title", "must be at most %d characters", maxTitleLen)
	}
	if len(in.Description) > maxFieldLen {
		return nil, domain.Invalid("description", "is too long")
	}
	el := map[string]any{}
	if in.Title != "" {
		el["ticket_title"] = in.Title
	}
	if in.Description != "" {
		el["description"] = in.Description
	}
	for _, p := range []struct{ name, v string }{
		{"ticketpriorities", in.Priority}, {"ticketseverities", in.Severity}, {"ticketcategories", in.Category},
	} {
		if p.v == "" {
			if create {
				if d := picklistDefault(schema, p.name); d != "" {
					el[p.name] = d
				}
			}
			continue
		}
		f := schema.Field(p.name)
		if f == nil {
			continue
		}
		if !inPicklist(f, p.v) {
			return nil, domain.Invalid(p.name, "value %q is not allowed", clip(p.v))
		}
		el[p.name] = p.v
	}
	return el, nil
}

// CreateTicket opens a ticket linked to the customer's contact (and
// account, when there is one) and queues the "ticket created" e-mail.
func (s *Engine) CreateTicket(ctx context.Context, c domain.Customer, in TicketInput) (vtiger.Record, error) {
	def, err := s.module("HelpDesk")
	if err != nil {
		return nil, err
	}
	if c.ContactID == "" {
		return nil, domain.Errorf(domain.EFORBIDDEN, "your account is not linked to a CRM contact")
	}
	el, err := s.ticketFields(ctx, in, true)
	if err != nil {
		return nil, err
	}
	schema, err := s.st.Schema(ctx, "HelpDesk")
	if err != nil {
		return nil, err
	}
	status := s.cfg.Vtiger.Business.Tickets.OpenStatus
	if status == "" {
		status = picklistDefault(schema, "ticketstatus")
	}
	if status != "" {
		el["ticketstatus"] = status
	}
	el["contact_id"] = c.ContactID
	if c.AccountID != "" {
		el["parent_id"] = c.AccountID
	}
	if u := s.cfg.Vtiger.Business.DefaultUser; u != "" {
		el["assigned_user_id"] = u
	}
	el["from_portal"] = "1"
	rec, err := s.st.Create(ctx, def, c, el)
	if err != nil {
		return nil, err
	}
	s.ticketMail(ctx, c, rec)
	return rec, nil
}

// ticketMail queues the confirmation; mail problems are logged, they never
// fail the ticket.
func (s *Engine) ticketMail(ctx context.Context, c domain.Customer, rec vtiger.Record) {
	if s.mailer == nil || !s.cfg.Email.SendTicketEmail || c.Email == "" {
		return
	}
	data := mail.Data{FirstName: c.FirstName, LastName: c.LastName, SupportEmail: s.cfg.Vtiger.Business.SupportEmail,
		TicketNo: rec.String("ticket_no"), TicketTitle: rec.String("ticket_title")}
	if s.cfg.Domain != "" {
		data.Link = strings.TrimRight(s.cfg.Domain, "/") + "/app/tickets/" + rec.String("id")
	}
	if comp, err := s.st.Company(ctx); err == nil {
		data.Company = comp.String("organizationname")
	}
	if err := s.mailer.Enqueue(ctx, mail.Message{To: c.Email, Template: mail.TemplateTicketCreated, Data: data}); err != nil {
		s.log.WarnContext(ctx, "queueing ticket e-mail", "ticket", rec.String("id"), "err", err)
	}
}

// UpdateTicket changes the customer fields of an in-scope ticket; empty
// fields are kept and the status is never touched.
func (s *Engine) UpdateTicket(ctx context.Context, c domain.Customer, id string, in TicketInput) (vtiger.Record, error) {
	def, err := s.module("HelpDesk")
	if err != nil {
		return nil, err
	}
	el, err := s.ticketFields(ctx, in, false)
	if err != nil {
		return nil, err
	}
	if len(el) == 0 {
		return s.st.Get(ctx, def, c, id, "")
	}
	return s.st.Revise(ctx, def, c, id, "", el)
}

// SetTicketStatus applies a customer status change (close/reopen): only
// the statuses of vtiger.business.tickets.customerStatuses.
func (s *Engine) SetTicketStatus(ctx context.Context, c domain.Customer, id, status string) (vtiger.Record, error) {
	def, err := s.module("HelpDesk")
	if err != nil {
		return nil, err
	}
	if !slices.Contains(s.cfg.Vtiger.Business.Tickets.CustomerStatuses, status) {
		return nil, domain.Invalid("ticketstatus", "status %q cannot be set from the portal", clip(status))
	}
	schema, err := s.st.Schema(ctx, "HelpDesk")
	if err != nil {
		return nil, err
	}
	if f := schema.Field("ticketstatus"); f != nil && len(f.Type.PicklistValues) > 0 && !inPicklist(f, status) {
		return nil, domain.Invalid("ticketstatus", "status %q is not a ticket status", clip(status))
	}
	return s.st.Revise(ctx, def, c, id, "", map[string]any{"ticketstatus": status})
}
