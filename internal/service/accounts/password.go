package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// HashParams are argon2id cost parameters. The defaults follow the OWASP
// recommendation (19 MiB, 2 passes, 1 lane): strong enough for a portal and
// cheap enough that a burst of logins does not exhaust a small server's RAM.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultHashParams are used when Deps.HashParams is zero.
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

var errMalformedHash = errors.New("malformed password hash")

// PasswordUpdater stores a user's new password hash: after a reset, a
// change, or the upgrade of an old hash at login.
type PasswordUpdater interface {
	UpdatePassword(ctx context.Context, id int64, hash string) error
}

var _ PasswordUpdater = (*postgres.UserStore)(nil)

// passwords checks passwords against stored hashes and makes new ones with
// the service's cost parameters. It writes only the hash column, so old
// hashes are upgraded where they are checked.
type passwords struct {
	store  PasswordUpdater
	params HashParams
	log    *slog.Logger
	// dummy is checked when the e-mail is unknown, so a wrong e-mail takes
	// as long as a wrong password.
	dummy string
}

func newPasswords(store PasswordUpdater, params HashParams, log *slog.Logger) (*passwords, error) {
	plain, _, err := newToken()
	if err != nil {
		return nil, err
	}
	dummy, err := HashPassword(plain, params)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return &passwords{store: store, params: params, log: log, dummy: dummy}, nil
}

// hash is HashPassword with the service's parameters.
func (p *passwords) hash(password string) (string, error) { return HashPassword(password, p.params) }

// checkNobody spends the time of a real check for an unknown user.
func (p *passwords) checkNobody(password string) {
	_, _, _ = VerifyPassword(p.dummy, password, p.params)
}

// check verifies and, on success, upgrades a bcrypt or outdated argon2id
// hash. A failed upgrade is logged, never fatal.
func (p *passwords) check(ctx context.Context, u *domain.User, password string) (bool, error) {
	ok, rehash, err := VerifyPassword(u.PasswordHash, password, p.params)
	if err != nil {
		p.log.ErrorContext(ctx, "stored password hash is unusable", "user_id", u.ID, "err", err)
		return false, nil
	}
	if ok && rehash {
		if h, err := p.hash(password); err != nil {
			p.log.WarnContext(ctx, "rehashing password failed", "user_id", u.ID, "err", err)
		} else if err := p.store.UpdatePassword(ctx, u.ID, h); err != nil {
			p.log.WarnContext(ctx, "storing rehashed password failed", "user_id", u.ID, "err", err)
		} else {
			u.PasswordHash = h
		}
	}
	return ok, nil
}

// HashPassword returns an argon2id PHC string:
// $argon2id$v=19$m=<mem>,t=<time>,p=<threads>$<salt>$<key> (unpadded base64).
func HashPassword(password string, p HashParams) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword checks password against an argon2id PHC string or a bcrypt
// hash imported from the earlier backend. needsRehash is true when the
// password matched but the hash is bcrypt or uses other parameters than p,
// so the caller should store a fresh hash.
func VerifyPassword(hash, password string, p HashParams) (ok, needsRehash bool, err error) {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		hp, salt, key, err := parseArgon2id(hash)
		if err != nil {
			return false, false, err
		}
		got := argon2.IDKey([]byte(password), salt, hp.Time, hp.Memory, hp.Threads, uint32(len(key)))
		if subtle.ConstantTimeCompare(got, key) != 1 {
			return false, false, nil
		}
		stale := hp.Memory != p.Memory || hp.Time != p.Time || hp.Threads != p.Threads || uint32(len(key)) != p.KeyLen
		return true, stale, nil
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		switch {
		case err == nil:
			return true, true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, false, nil
		default:
			return false, false, fmt.Errorf("verifying bcrypt hash: %w", err)
		}
	default:
		return false, false, errMalformedHash
	}
}

func parseArgon2id(hash string) (HashParams, []byte, []byte, error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		return HashParams{}, nil, nil, errMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return HashParams{}, nil, nil, errMalformedHash
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return HashParams{}, nil, nil, errMalformedHash
	}
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return HashParams{}, nil, nil, errMalformedHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return HashParams{}, nil, nil, errMalformedHash
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return HashParams{}, nil, nil, errMalformedHash
	}
	return p, salt, key, nil
}
