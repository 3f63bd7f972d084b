// Package accounts implements portal accounts: registration with a CRM
// code, login with opaque bearer tokens, logout, password reset, the
// profile backed by the Vtiger Contact, user settings, colleagues, TOTP
// two-factor authentication with recovery codes, and the Authenticator the
// HTTP layer uses to resolve a bearer token to a session.
//
// Passwords are argon2id PHC strings (bcrypt hashes of the earlier backend
// are accepted and upgraded at the next login). Tokens are 160-bit random
// values stored only as SHA-256. TOTP secrets are sealed with AES-GCM.
package accounts

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// UserFinder looks portal users up: by id for a session's own account,
// by e-mail for login, reset, registration and e-mail changes.
type UserFinder interface {
	ByID(ctx context.Context, id int64) (*domain.User, error)
	ByEmail(ctx context.Context, email string) (*domain.User, error)
}

var _ UserFinder = (*postgres.UserStore)(nil)

// UserWriter adds users at registration and keeps the columns the profile
// edits (e-mail, name) or syncs from the CRM (organisation) up to date.
type UserWriter interface {
	Create(ctx context.Context, u *domain.User) error
	UpdateEmail(ctx context.Context, id int64, email string) error
	UpdateProfile(ctx context.Context, id int64, firstName, lastName string) error
	UpdateAccount(ctx context.Context, id int64, accountID string) error
}

var _ UserWriter = (*postgres.UserStore)(nil)

// UserStore is the users table (postgres.UserStore). The Service finds and
// writes users itself; its password and two-factor parts get only
// PasswordUpdater and UserOTP.
type UserStore interface {
	UserFinder
	UserWriter
	PasswordUpdater
	UserOTP
}

// TokenIssuer stores new bearer and reset tokens, resolves a presented one
// to its user, and lets a login token past the OTP step.
type TokenIssuer interface {
	Insert(ctx context.Context, t domain.Token) error
	ByHash(ctx context.Context, hash []byte, scope string) (*domain.Token, *domain.User, error)
	MarkOTPPassed(ctx context.Context, hash []byte) error
}

var _ TokenIssuer = (*postgres.TokenStore)(nil)

// TokenRevoker ends sessions and reset links: one at logout, all of a
// scope after a reset, all but the caller's after a password change.
type TokenRevoker interface {
	Delete(ctx context.Context, hash []byte) error
	DeleteAllForUser(ctx context.Context, userID int64, scope string) (int64, error)
	DeleteOthersForUser(ctx context.Context, userID int64, scope string, keep []byte) (int64, error)
}

var _ TokenRevoker = (*postgres.TokenStore)(nil)

// TokenStore is the tokens table (postgres.TokenStore).
type TokenStore interface {
	TokenIssuer
	TokenRevoker
}

// OTPStore holds pending TOTP secrets and recovery codes (postgres.OTPStore).
type OTPStore interface {
	PendingSecrets
	RecoveryCodes
}

// ContactRecords reads the customer's Contact and Account and revises the
// Contact. Records are Vtiger's JSON objects; ENOTFOUND for missing ones.
type ContactRecords interface {
	ContactsByEmail(ctx context.Context, email string) ([]map[string]any, error)
	Contact(ctx context.Context, id string) (map[string]any, error)
	Account(ctx context.Context, id string) (map[string]any, error)
	ReviseContact(ctx context.Context, id string, fields map[string]any) (map[string]any, error)
}

// ContactDirectory lists an organisation's Contacts and finds their pictures.
type ContactDirectory interface {
	AccountContacts(ctx context.Context, accountID string) ([]map[string]any, error)
	ContactImage(ctx context.Context, attachmentID string) (string, error)
	ContactImages(ctx context.Context, contactIDs []string) map[string]string
}

// Contacts is the CRM side of the accounts service (VtigerContacts).
type Contacts interface {
	ContactRecords
	ContactDirectory
}

// AvatarStore keeps the profile pictures customers upload, by Contact id
// (postgres.AvatarStore): stock Vtiger ignores the image fields of a revise.
type AvatarStore interface {
	Put(ctx context.Context, a domain.Avatar) error
	Get(ctx context.Context, contactID string) (*domain.Avatar, error)
	Many(ctx context.Context, contactIDs []string) (map[string]*domain.Avatar, error)
}

var _ AvatarStore = (*postgres.AvatarStore)(nil)

// Mailer queues e-mails (mail.Mailer); failures never fail a request.
type Mailer interface {
	Enqueue(ctx context.Context, m mail.Message) error
}

// Deps are the service's collaborators and settings.
type Deps struct {
	Config   config.Config
	Users    UserStore
	Tokens   TokenStore
	OTP      OTPStore
	Contacts Contacts
	Avatars  AvatarStore
	Mailer   Mailer       // nil: no e-mails
	Logger   *slog.Logger // nil: slog.Default()
	// CompanyName fills {{.Company}} in e-mails; nil leaves it empty.
	CompanyName func(ctx context.Context) string
	// HashParams overrides DefaultHashParams (tests use cheaper ones).
	HashParams HashParams
	// Now overrides the clock (tests); nil = time.Now.
	Now func() time.Time
	// Invalidations, when set, tells the other instances which profile
	// cache entries a write here made stale, and applies theirs.
	Invalidations Invalidations
}

// Invalidations carries cache invalidations between portal instances
// (internal/invalidation.Bus).
type Invalidations interface {
	Publish(ctx context.Context, topic string, keys ...string)
	Subscribe(topic string, drop func(keys []string), reset func())
}

// Service implements accounts, OTP and authentication.
type Service struct {
	d         Deps
	cfg       config.Config
	log       *slog.Logger
	now       func() time.Time
	crm       *crmCache // Contact/Account reads behind /users/my
	passwords *passwords
	twoFactor *twoFactor
}

// OTP enrolment lasts this long between generate and verify.
const otpPendingTTL = 5 * time.Minute

// New builds the service. An empty auth.encryptionKey is accepted outside
// production only: a random per-process key is used (with a warning), so
// TOTP secrets do not survive a restart.
func New(d Deps) (*Service, error) {
	if d.Users == nil || d.Tokens == nil || d.OTP == nil || d.Contacts == nil || d.Avatars == nil {
		return nil, fmt.Errorf("accounts: Users, Tokens, OTP, Contacts and Avatars are required")
	}
	s := &Service{d: d, cfg: d.Config, log: d.Logger, now: d.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	params := d.HashParams
	if params == (HashParams{}) {
		params = DefaultHashParams
	}
	if s.now == nil {
		s.now = time.Now
	}
	ttl := profileTTL
	if t := s.cfg.Cache.TTL; t > 0 && t < ttl {
		ttl = t
	}
	s.crm = newCRMCache(ttl, s.cfg.Cache.Stale, s.now)
	if d.Invalidations != nil {
		d.Invalidations.Subscribe(ProfileTopic, func(keys []string) {
			for _, k := range keys {
				s.crm.forget(k)
			}
		}, s.crm.clear)
	}

	var key []byte
	var err error
	if s.cfg.Auth.EncryptionKey == "" {
		if s.cfg.Environment == "production" {
			return nil, fmt.Errorf("accounts: auth.encryptionKey is required in production")
		}
		s.log.Warn("auth.encryptionKey is empty: using a random per-process key; TOTP secrets will not survive a restart")
		key, err = RandomKey()
	} else {
		key, err = ParseKey(s.cfg.Auth.EncryptionKey)
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: auth.encryptionKey: %w", err)
	}
	cipher, err := NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	s.twoFactor = &twoFactor{users: d.Users, pending: d.OTP, codes: d.OTP, cipher: cipher, log: s.log, now: s.now}
	if s.passwords, err = newPasswords(d.Users, params, s.log); err != nil {
		return nil, err
	}
	return s, nil
}

// OTPCookieTTL is how long the login's OTP cookie lives.
func (s *Service) OTPCookieTTL() time.Duration { return s.cfg.Auth.OTPCookieTTL }

// enqueue sends mail in the background of the request: errors are logged.
func (s *Service) enqueue(ctx context.Context, m mail.Message) {
	if s.d.Mailer == nil {
		return
	}
	if s.d.CompanyName != nil && m.Data.Company == "" {
		m.Data.Company = s.d.CompanyName(ctx)
	}
	if m.Data.SupportEmail == "" {
		m.Data.SupportEmail = s.cfg.Vtiger.Business.SupportEmail
	}
	if err := s.d.Mailer.Enqueue(ctx, m); err != nil {
		s.log.WarnContext(ctx, "queueing e-mail failed", "template", m.Template, "err", err)
	}
}
