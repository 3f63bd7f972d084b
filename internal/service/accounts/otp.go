package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

const (
	recoveryCodeCount = 10
	totpPeriod        = 30
	totpSkew          = 1 // steps accepted either side of now
)

var (
	errOTPCode        = domain.Invalid("token", "the one-time code is not valid")
	errOTPNotEnabled  = domain.Invalid("otp_enabled", "two-factor authentication is not enabled")
	errOTPEnabled     = domain.Invalid("otp_enabled", "two-factor authentication is already enabled; disable it first")
	errOTPNoPending   = domain.Invalid("token", "no pending two-factor setup: generate a new secret first")
	totpValidateOpts  = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	recoveryEncoding  = base32.StdEncoding.WithPadding(base32.NoPadding)
	errSecretUnusable = errors.New("stored TOTP secret cannot be decrypted")
)

// UserOTP is the two-factor state on the user row: the active sealed
// secret with its on/off flags, and the last accepted time step that keeps
// a code from being used twice.
type UserOTP interface {
	SetOTP(ctx context.Context, id int64, secret []byte, enabled, verified bool) error
	SetOTPLastStep(ctx context.Context, id int64, step int64) (ok bool, err error)
}

var _ UserOTP = (*postgres.UserStore)(nil)

// PendingSecrets holds the sealed secret of an enrolment between generate
// and verify; activating it moves it onto the user row.
type PendingSecrets interface {
	SavePending(ctx context.Context, userID int64, secret []byte, expires time.Time) error
	PendingSecret(ctx context.Context, userID int64) ([]byte, error)
	ActivatePending(ctx context.Context, userID int64) error
	DeletePending(ctx context.Context, userID int64) error
}

var _ PendingSecrets = (*postgres.OTPStore)(nil)

// RecoveryCodes keeps the hashes of a user's single-use recovery codes.
type RecoveryCodes interface {
	ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes [][]byte) error
	UseRecoveryCode(ctx context.Context, userID int64, hash []byte) (ok bool, err error)
}

var _ RecoveryCodes = (*postgres.OTPStore)(nil)

// twoFactor is the TOTP machinery behind the OTP endpoints: it seals
// secrets, checks codes against the replay guard and hands out recovery
// codes. It sees only OTP state; finding the user and marking the login
// token are the Service's.
type twoFactor struct {
	users   UserOTP
	pending PendingSecrets
	codes   RecoveryCodes
	cipher  *Cipher
	log     *slog.Logger
	now     func() time.Time
}

// GenerateOTP starts TOTP enrolment: a new secret valid for five minutes
// until confirmed with VerifyOTP. Refused while TOTP is on.
func (s *Service) GenerateOTP(ctx context.Context, sess *domain.Session) (*OTPKey, error) {
	u, err := s.d.Users.ByID(ctx, sess.User.ID)
	if err != nil {
		return nil, fmt.Errorf("otp generate: %w", err)
	}
	if u.OTPEnabled {
		return nil, errOTPEnabled
	}
	account := s.cfg.OTP.AccountName
	if account == "" {
		account = u.Email
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.cfg.OTP.Issuer, AccountName: account, SecretSize: s.cfg.OTP.SecretSize,
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return nil, fmt.Errorf("otp generate: %w", err)
	}
	if err := s.twoFactor.savePending(ctx, u.ID, key.Secret()); err != nil {
		return nil, err
	}
	return &OTPKey{Base32: key.Secret(), OTPAuthURL: key.URL()}, nil
}

// savePending seals secret and keeps it for otpPendingTTL.
func (t *twoFactor) savePending(ctx context.Context, userID int64, secret string) error {
	sealed, err := t.cipher.Seal([]byte(secret), secretAAD(userID))
	if err != nil {
		return err
	}
	if err := t.pending.SavePending(ctx, userID, sealed, t.now().Add(otpPendingTTL)); err != nil {
		return fmt.Errorf("otp generate: %w", err)
	}
	return nil
}

// VerifyOTP confirms enrolment with a code from the pending secret, turns
// TOTP on, marks the current token as passed and returns the user with ten
// fresh recovery codes (shown only here).
func (s *Service) VerifyOTP(ctx context.Context, sess *domain.Session, code string) (*User, error) {
	code, err := cleanCode(code)
	if err != nil {
		return nil, err
	}
	u, err := s.d.Users.ByID(ctx, sess.User.ID)
	if err != nil {
		return nil, fmt.Errorf("otp verify: %w", err)
	}
	if u.OTPEnabled {
		return nil, errOTPEnabled
	}
	codes, err := s.twoFactor.activate(ctx, u.ID, code)
	if err != nil {
		return nil, err
	}
	if err := s.d.Tokens.MarkOTPPassed(ctx, sess.TokenHash); err != nil {
		return nil, fmt.Errorf("otp verify: %w", err)
	}
	out, err := s.Profile(ctx, sess)
	if err != nil {
		return nil, err
	}
	out.RecoveryCodes = codes
	return out, nil
}

// activate turns the pending secret on once code matches it and returns
// fresh recovery codes.
func (t *twoFactor) activate(ctx context.Context, userID int64, code string) ([]string, error) {
	sealed, err := t.pending.PendingSecret(ctx, userID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, errOTPNoPending
	}
	if err != nil {
		return nil, fmt.Errorf("otp verify: %w", err)
	}
	secret, err := t.cipher.Open(sealed, secretAAD(userID))
	if err != nil {
		t.log.WarnContext(ctx, "pending TOTP secret cannot be decrypted (key changed?)", "user_id", userID, "err", err)
		return nil, errOTPNoPending
	}
	if err := t.accept(ctx, userID, string(secret), code); err != nil {
		return nil, err
	}
	if err := t.pending.ActivatePending(ctx, userID); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return nil, errOTPNoPending
		}
		return nil, fmt.Errorf("otp verify: %w", err)
	}
	return t.newRecoveryCodes(ctx, userID)
}

// ValidateOTP lets an OTP-pending login token through with a TOTP code or
// an unused recovery code.
func (s *Service) ValidateOTP(ctx context.Context, sess *domain.Session, code string) (*User, error) {
	u, err := s.d.Users.ByID(ctx, sess.User.ID)
	if err != nil {
		return nil, fmt.Errorf("otp validate: %w", err)
	}
	if !u.OTPEnabled {
		return nil, errOTPNotEnabled
	}
	if err := s.twoFactor.check(ctx, u, code); err != nil {
		return nil, err
	}
	if err := s.d.Tokens.MarkOTPPassed(ctx, sess.TokenHash); err != nil {
		return nil, fmt.Errorf("otp validate: %w", err)
	}
	return s.Profile(ctx, sess)
}

// DisableOTP turns TOTP off given a valid code, a recovery code, or the
// account password.
func (s *Service) DisableOTP(ctx context.Context, sess *domain.Session, code, password string) (*User, error) {
	u, err := s.d.Users.ByID(ctx, sess.User.ID)
	if err != nil {
		return nil, fmt.Errorf("otp disable: %w", err)
	}
	if !u.OTPEnabled {
		return nil, errOTPNotEnabled
	}
	switch {
	case strings.TrimSpace(code) != "":
		if err := s.twoFactor.check(ctx, u, code); err != nil {
			return nil, err
		}
	case password != "":
		if err := checkGivenPassword("password", password); err != nil {
			return nil, err
		}
		ok, err := s.passwords.check(ctx, u, password)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, domain.Invalid("password", "is not correct")
		}
	default:
		return nil, domain.Invalid("token", "a one-time code, a recovery code or the password must be provided")
	}
	if err := s.twoFactor.disable(ctx, u.ID); err != nil {
		return nil, err
	}
	return s.Profile(ctx, sess)
}

// AdminDisableOTP turns TOTP off for a user who lost their device
// (`portal user otp-disable EMAIL`).
func (s *Service) AdminDisableOTP(ctx context.Context, email string) error {
	return NewOTPAdmin(s.d.Users, s.d.OTP).Disable(ctx, email)
}

// OTPAdminUsers is what the operator's switch needs of the users table:
// finding the account by e-mail and clearing its OTP state.
type OTPAdminUsers interface {
	UserFinder
	UserOTP
}

// OTPAdmin is the operator's side of two-factor login (`portal user
// otp-disable`). It needs only the database: no Vtiger, no encryption key,
// since turning TOTP off deletes the secret instead of reading it.
type OTPAdmin struct {
	users OTPAdminUsers
	otp   OTPStore
}

// NewOTPAdmin works on the user and OTP stores alone.
func NewOTPAdmin(users OTPAdminUsers, otp OTPStore) *OTPAdmin {
	return &OTPAdmin{users: users, otp: otp}
}

// Disable turns TOTP off for the user with email (case-insensitive) and
// drops their recovery codes and any pending enrolment.
func (a *OTPAdmin) Disable(ctx context.Context, email string) error {
	u, err := a.users.ByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("otp disable %s: %w", email, err)
	}
	return disableOTP(ctx, a.users, a.otp, a.otp, u.ID)
}

func (t *twoFactor) disable(ctx context.Context, userID int64) error {
	return disableOTP(ctx, t.users, t.pending, t.codes, userID)
}

// disableOTP turns TOTP off and drops the recovery codes and any pending
// enrolment. It never reads a secret, so it needs no cipher.
func disableOTP(ctx context.Context, users UserOTP, pending PendingSecrets, codes RecoveryCodes, userID int64) error {
	if err := users.SetOTP(ctx, userID, nil, false, false); err != nil {
		return fmt.Errorf("otp disable: %w", err)
	}
	if err := codes.ReplaceRecoveryCodes(ctx, userID, nil); err != nil {
		return fmt.Errorf("otp disable: %w", err)
	}
	if err := pending.DeletePending(ctx, userID); err != nil {
		return fmt.Errorf("otp disable: %w", err)
	}
	return nil
}

// check accepts a six-digit TOTP code of the active secret or an unused
// recovery code.
func (t *twoFactor) check(ctx context.Context, u *domain.User, code string) error {
	code = strings.TrimSpace(code)
	if code == "" {
		return domain.Invalid("token", "must be provided")
	}
	if len(code) > 64 {
		return errOTPCode
	}
	if isDigits(strings.ReplaceAll(code, " ", "")) {
		c, err := cleanCode(code)
		if err != nil {
			return err
		}
		secret, err := t.cipher.Open(u.OTPSecret, secretAAD(u.ID))
		if err != nil {
			t.log.ErrorContext(ctx, "TOTP secret cannot be decrypted (encryption key changed?)", "user_id", u.ID, "err", err)
			return domain.Wrap(domain.EINVALID, errSecretUnusable, "two-factor authentication cannot be checked; use a recovery code or ask support")
		}
		return t.accept(ctx, u.ID, string(secret), c)
	}
	ok, err := t.codes.UseRecoveryCode(ctx, u.ID, hashRecoveryCode(code))
	if err != nil {
		return fmt.Errorf("recovery code: %w", err)
	}
	if !ok {
		return errOTPCode
	}
	return nil
}

// accept checks code against secret at now±1 step and records the
// matching step, so the same code (or an older one) is never accepted twice.
func (t *twoFactor) accept(ctx context.Context, userID int64, secret, code string) error {
	now := t.now()
	cur := now.Unix() / totpPeriod
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, stepTime(step), totpValidateOpts)
		if err != nil {
			return fmt.Errorf("totp: %w", err)
		}
		if len(want) == len(code) && constantEq(want, code) {
			ok, err := t.users.SetOTPLastStep(ctx, userID, step)
			if err != nil {
				return fmt.Errorf("totp: %w", err)
			}
			if !ok {
				return domain.Invalid("token", "this one-time code was already used; wait for the next one")
			}
			return nil
		}
	}
	return errOTPCode
}

func (t *twoFactor) newRecoveryCodes(ctx context.Context, userID int64) ([]string, error) {
	codes := make([]string, recoveryCodeCount)
	hashes := make([][]byte, recoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10) // 80 bits
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("recovery codes: %w", err)
		}
		c := strings.ToLower(recoveryEncoding.EncodeToString(b)) // 16 characters
		codes[i] = c[:8] + "-" + c[8:]
		hashes[i] = hashRecoveryCode(codes[i])
	}
	if err := t.codes.ReplaceRecoveryCodes(ctx, userID, hashes); err != nil {
		return nil, fmt.Errorf("recovery codes: %w", err)
	}
	return codes, nil
}

// hashRecoveryCode normalises (case, dashes, spaces) before hashing, so a
// code typed as shown or without the dash both work. Codes carry 80 random
// bits, so a fast hash is enough.
func hashRecoveryCode(code string) []byte {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte("portal-recovery:" + c))
	return h[:]
}

func cleanCode(code string) (string, error) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if code == "" {
		return "", domain.Invalid("token", "must be provided")
	}
	if len(code) != 6 || !isDigits(code) {
		return "", domain.Invalid("token", "must be a 6-digit code")
	}
	return code, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func secretAAD(userID int64) []byte { return []byte("totp:" + strconv.FormatInt(userID, 10)) }
