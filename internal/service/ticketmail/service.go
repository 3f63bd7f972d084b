// Package ticketmail sends the "your ticket was answered" e-mail: when a
// CRM user adds a public comment to a customer's ticket, the ticket's
// contact, if they have a portal account, gets one mail about it.
//
// Vtiger has no change feed the portal could subscribe to, so a background
// job (under its PostgreSQL advisory lock) reads the comments created since
// the last run. Each mailed comment is claimed in PostgreSQL before the mail
// is queued, so a comment is mailed once however often the job runs and on
// however many instances. Skipped: private (internal) comments, comments
// written through the portal (the `customer` field is set, or they were
// made under the portal's own Vtiger user), comments on other modules.
package ticketmail

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"regexp"
	"slices"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// Store keeps claims and the read position (postgres.TicketMailStore).
type Store interface {
	Claim(ctx context.Context, m postgres.TicketMail) (bool, error)
	Unclaim(ctx context.Context, commentID string) error
	Watermark(ctx context.Context) (created string, ok bool, err error)
	SetWatermark(ctx context.Context, created string) error
}

var _ Store = (*postgres.TicketMailStore)(nil)

// Users finds the portal account of a contact (postgres.UserStore).
type Users interface {
	ByContactID(ctx context.Context, contactID string) (*domain.User, error)
}

var _ Users = (*postgres.UserStore)(nil)

// Mailer queues a mail (mail.Mailer).
type Mailer interface {
	Enqueue(ctx context.Context, msg mail.Message) error
}

var _ Mailer = (*mail.Mailer)(nil)

// Options are the service's dependencies.
type Options struct {
	Config config.Config
	CRM    CRM
	Store  Store
	Users  Users
	Mailer Mailer
	// CompanyName names the company in the mail ("" = generic wording).
	CompanyName func(ctx context.Context) string
	Logger      *slog.Logger
}

// Service detects answered tickets and mails their customers.
type Service struct {
	cfg     config.Config
	crm     CRM
	store   Store
	users   Users
	mailer  Mailer
	company func(ctx context.Context) string
	log     *slog.Logger
}

// New checks the dependencies.
func New(o Options) (*Service, error) {
	if o.CRM == nil || o.Store == nil || o.Users == nil || o.Mailer == nil {
		return nil, errors.New("ticketmail: CRM, Store, Users and Mailer are required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CompanyName == nil {
		o.CompanyName = func(context.Context) string { return "" }
	}
	return &Service{cfg: o.Config, crm: o.CRM, store: o.Store, users: o.Users, mailer: o.Mailer,
		company: o.CompanyName, log: o.Logger}, nil
}

// candidate is a public company-side comment on some record.
type candidate struct {
	id, parent, text, author, created string
}

// Run reads the comments created since the last run and queues one mail
// per public CRM answer on a portal customer's ticket; it returns how many
// it queued. The first run only records where to start, so turning the
// feature on never mails customers about old comments.
func (s *Service) Run(ctx context.Context) (int, error) {
	since, ok, err := s.store.Watermark(ctx)
	if err != nil {
		return 0, err
	}
	if !ok {
		newest, err := newestCommentTime(ctx, s.crm)
		if err != nil {
			return 0, err
		}
		if newest == "" {
			newest = "1970-01-01 00:00:00"
		}
		s.log.InfoContext(ctx, "ticket answer mails: first run, starting after the newest existing comment", "createdtime", newest)
		return 0, s.store.SetWatermark(ctx, newest)
	}
	rows, err := commentsSince(ctx, s.crm, since)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	portalUser, err := s.crm.UserID(ctx)
	if err != nil {
		return 0, fmt.Errorf("portal's Vtiger user: %w", err)
	}
	var cands []candidate
	newest := since
	for _, r := range rows {
		if c := r.String("createdtime"); c > newest {
			newest = c
		}
		if r.String("is_private") == "1" || r.String("customer") != "" || r.String("from_portal") == "1" {
			continue
		}
		author := r.String("creator")
		if author == "" {
			author = r.String("assigned_user_id")
		}
		if author == portalUser || r.String("related_to") == "" {
			continue
		}
		cands = append(cands, candidate{id: r.String("id"), parent: r.String("related_to"),
			text: plainText(r.String("commentcontent")), author: author, created: r.String("createdtime")})
	}
	sent, err := s.mail(ctx, cands)
	if err != nil {
		// The watermark stays: the next run sees these comments again, and
		// the claims keep what was already mailed from being mailed twice.
		return sent, err
	}
	return sent, s.store.SetWatermark(ctx, newest)
}

func (s *Service) mail(ctx context.Context, cands []candidate) (int, error) {
	if len(cands) == 0 {
		return 0, nil
	}
	var parents, authors []string
	for _, c := range cands {
		if !slices.Contains(parents, c.parent) {
			parents = append(parents, c.parent)
		}
		if !slices.Contains(authors, c.author) {
			authors = append(authors, c.author)
		}
	}
	tickets, err := byIDs(ctx, s.crm, "HelpDesk", []string{"id", "ticket_no", "ticket_title", "contact_id"}, parents)
	if err != nil {
		return 0, err
	}
	names := s.authorNames(ctx, authors)
	company := ""
	sent := 0
	for _, c := range cands {
		t, ok := tickets[c.parent]
		if !ok {
			continue // a comment on a project, a task, …
		}
		contact := t.String("contact_id")
		if contact == "" {
			continue
		}
		u, err := s.users.ByContactID(ctx, contact)
		if errors.Is(err, domain.ErrNotFound) {
			continue // the contact has no portal account
		}
		if err != nil {
			return sent, err
		}
		if !u.IsActive || u.Email == "" {
			continue
		}
		claimed, err := s.store.Claim(ctx, postgres.TicketMail{CommentID: c.id, TicketID: c.parent, ContactID: contact, Email: u.Email})
		if err != nil {
			return sent, err
		}
		if !claimed {
			continue
		}
		if company == "" {
			company = s.company(ctx)
		}
		data := mail.Data{
			Company: company, FirstName: u.FirstName, LastName: u.LastName,
			SupportEmail: s.cfg.Vtiger.Business.SupportEmail,
			TicketNo:     t.String("ticket_no"), TicketTitle: t.String("ticket_title"),
			Comment: c.text, Author: names[c.author],
		}
		if d := strings.TrimRight(s.cfg.Domain, "/"); d != "" {
			data.Link = d + "/app/tickets/" + c.parent
		}
		if err := s.mailer.Enqueue(ctx, mail.Message{To: u.Email, Template: mail.TemplateTicketAnswered, Data: data}); err != nil {
			if uerr := s.store.Unclaim(context.WithoutCancel(ctx), c.id); uerr != nil {
				s.log.ErrorContext(ctx, "ticket answer mail: could not release the claim; this comment will not be mailed",
					"comment", c.id, "err", uerr)
			}
			if errors.Is(err, mail.ErrInvalidMessage) {
				s.log.WarnContext(ctx, "ticket answer mail: message refused", "comment", c.id, "ticket", c.parent, "err", err)
				continue
			}
			return sent, fmt.Errorf("queue ticket answer mail for comment %s: %w", c.id, err)
		}
		s.log.InfoContext(ctx, "ticket answer mail queued", "comment", c.id, "ticket", c.parent, "user_id", u.ID)
		sent++
	}
	return sent, nil
}

// authorNames resolves CRM user ids to names; a failure only leaves the
// names out of the mails.
func (s *Service) authorNames(ctx context.Context, ids []string) map[string]string {
	out := map[string]string{}
	rows, err := byIDs(ctx, s.crm, "Users", []string{"id", "first_name", "last_name"}, ids)
	if err != nil {
		s.log.DebugContext(ctx, "ticket answer mail: author names unavailable", "err", err)
		return out
	}
	for id, r := range rows {
		out[id] = strings.TrimSpace(r.String("first_name") + " " + r.String("last_name"))
	}
	return out
}

var (
	breakTag = regexp.MustCompile(`(?i)<br\s*/?>\s*\n?`)
	anyTag   = regexp.MustCompile(`<[^>]*>`)
)

// plainText turns a comment as Vtiger stores it (Customer Portal and the
// CRM pass it through nl2br; entities escaped) into plain text; the
// templates escape it again for the HTML part.
func plainText(s string) string {
	s = breakTag.ReplaceAllString(s, "\n")
	s = anyTag.ReplaceAllString(s, "")
	return strings.TrimSpace(html.UnescapeString(s))
}
