package accounts

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
)

// errBadCode is the single answer for an unknown e-mail, a wrong code or a
// contact without a code, so sign-up does not reveal which contacts exist.
var errBadCode = &domain.Error{Code: domain.EINVALID, Field: "code", Message: "the e-mail or the registration code is not valid"}

var errEmailTaken = domain.Invalid("email", "this e-mail is already registered")

// Register creates the portal user of the Contact whose e-mail and
// registration code match.
func (s *Service) Register(ctx context.Context, in Registration) (*User, error) {
	email, err := normalizeEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	code := strings.TrimSpace(in.Code)
	switch {
	case code == "":
		return nil, domain.Invalid("code", "must be provided")
	case utf8.RuneCountInString(code) > maxCodeLen:
		return nil, domain.Invalid("code", "must not be longer than %d characters", maxCodeLen)
	}
	if err := s.checkNewPassword("password", in.Password); err != nil {
		return nil, err
	}

	contacts, err := s.d.Contacts.ContactsByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	contact := s.matchCode(contacts, code)
	if contact == nil {
		return nil, errBadCode
	}
	// Only someone holding a valid code gets past here, so the messages
	// below do not enumerate accounts.
	if pf := s.cfg.Vtiger.Business.PortalField; pf != "" && !truthy(contact, pf) {
		return nil, domain.Invalid("code", "portal access is not enabled for this contact")
	}
	hash, err := s.passwords.hash(in.Password)
	if err != nil {
		return nil, err
	}
	u, err := s.createUser(ctx, contact, email, hash)
	if err != nil {
		return nil, err
	}
	if s.cfg.Vtiger.Business.ClearCode {
		// The code is single use; a failure only costs reusability, so it
		// is logged rather than undoing the registration.
		if _, err := s.reviseContact(ctx, u.ContactID, map[string]any{s.cfg.Vtiger.Business.CodeField: ""}); err != nil {
			s.log.WarnContext(ctx, "clearing the registration code failed", "contact_id", u.ContactID, "err", err)
		}
	}
	if s.cfg.Email.SendWelcomeEmail {
		s.enqueue(ctx, mail.Message{To: u.Email, Template: mail.TemplateWelcome, Data: mail.Data{
			FirstName: u.FirstName, LastName: u.LastName, Link: s.link("/auth/login", nil),
		}})
	}
	out := s.buildUser(u, contact)
	s.fillAccountName(ctx, out)
	return out, nil
}

// matchCode returns the contact whose code equals code, comparing every
// candidate in constant time.
func (s *Service) matchCode(contacts []map[string]any, code string) map[string]any {
	var found map[string]any
	for _, c := range contacts {
		stored := strings.TrimSpace(str(c, s.cfg.Vtiger.Business.CodeField))
		if stored == "" {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(stored), []byte(code)) == 1 && found == nil {
			found = c
		}
	}
	return found
}

func (s *Service) createUser(ctx context.Context, contact map[string]any, email, hash string) (*domain.User, error) {
	u := &domain.User{
		ContactID:    str(contact, "id"),
		AccountID:    str(contact, "account_id"),
		Email:        email,
		PasswordHash: hash,
		FirstName:    str(contact, "firstname"),
		LastName:     str(contact, "lastname"),
		IsActive:     true,
	}
	if u.ContactID == "" {
		return nil, domain.Errorf(domain.EUPSTREAM, "the CRM returned a contact without id")
	}
	if err := s.d.Users.Create(ctx, u); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			// Either the address or the contact already has an account.
			return nil, errEmailTaken
		}
		return nil, fmt.Errorf("register: %w", err)
	}
	return u, nil
}

// EnsureDemoUser creates the portal user of the Contact with this e-mail
// if there is none yet (demo mode). The Contact must exist.
func (s *Service) EnsureDemoUser(ctx context.Context, email, password string) (created bool, err error) {
	if _, err := s.d.Users.ByEmail(ctx, email); err == nil {
		return false, nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return false, fmt.Errorf("demo user %s: %w", email, err)
	}
	contacts, err := s.d.Contacts.ContactsByEmail(ctx, email)
	if err != nil {
		return false, fmt.Errorf("demo user %s: %w", email, err)
	}
	if len(contacts) == 0 {
		return false, fmt.Errorf("demo user %s: no contact with this e-mail", email)
	}
	hash, err := s.passwords.hash(password)
	if err != nil {
		return false, err
	}
	if _, err := s.createUser(ctx, contacts[0], email, hash); err != nil {
		return false, fmt.Errorf("demo user %s: %w", email, err)
	}
	return true, nil
}

// link builds a frontend URL under config domain.
func (s *Service) link(path string, q url.Values) string {
	base := strings.TrimRight(s.cfg.Domain, "/")
	u := base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// fillAccountName looks up the organisation name; a CRM failure leaves it
// empty rather than failing the whole profile.
func (s *Service) fillAccountName(ctx context.Context, u *User) {
	if u.AccountID == "" {
		return
	}
	acc, err := s.cachedAccount(ctx, u.AccountID)
	if err != nil {
		s.log.WarnContext(ctx, "reading the account name failed", "account_id", u.AccountID, "err", err)
		return
	}
	u.AccountName = str(acc, "accountname")
}
