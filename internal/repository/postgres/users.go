package postgres

import (
	"context"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// UserStore keeps portal accounts.
type UserStore struct{ db *DB }

// NewUserStore returns the users store on db.
func NewUserStore(db *DB) *UserStore { return &UserStore{db: db} }

const userColumns = `id, contact_id, account_id, email, password_hash, first_name, last_name,
	otp_secret, otp_enabled, otp_verified, is_active, created_at, updated_at`

// scanner is satisfied by pgx.Row and pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (*domain.User, error) {
	var u domain.User
	err := row.Scan(&u.ID, &u.ContactID, &u.AccountID, &u.Email, &u.PasswordHash, &u.FirstName, &u.LastName,
		&u.OTPSecret, &u.OTPEnabled, &u.OTPVerified, &u.IsActive, &u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// Create inserts u and fills its ID, CreatedAt and UpdatedAt. A taken
// e-mail (in any letter case) or contact is an ECONFLICT naming the field.
func (s *UserStore) Create(ctx context.Context, u *domain.User) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	email := strings.TrimSpace(u.Email)
	if email == "" {
		return domain.Invalid("email", "e-mail is required")
	}
	if strings.TrimSpace(u.ContactID) == "" {
		return domain.Invalid("contact_id", "contact id is required")
	}
	err := s.db.pool.QueryRow(ctx, `
		INSERT INTO users (contact_id, account_id, email, password_hash, first_name, last_name,
			otp_secret, otp_enabled, otp_verified, is_active)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id, created_at, updated_at`,
		u.ContactID, u.AccountID, email, u.PasswordHash, u.FirstName, u.LastName,
		u.OTPSecret, u.OTPEnabled, u.OTPVerified, u.IsActive,
	).Scan(&u.ID, &u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return mapErr(err, "create user")
	}
	u.Email = email
	return nil
}

// ByID returns the user with id.
func (s *UserStore) ByID(ctx context.Context, id int64) (*domain.User, error) {
	return s.one(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
}

// ByEmail finds a user by e-mail, ignoring letter case and surrounding spaces.
func (s *UserStore) ByEmail(ctx context.Context, email string) (*domain.User, error) {
	return s.one(ctx, `SELECT `+userColumns+` FROM users WHERE lower(email) = lower($1)`, strings.TrimSpace(email))
}

// ByContactID finds the user linked to a Vtiger Contact.
func (s *UserStore) ByContactID(ctx context.Context, contactID string) (*domain.User, error) {
	return s.one(ctx, `SELECT `+userColumns+` FROM users WHERE contact_id = $1`, contactID)
}

// ListByAccount returns the users of one Vtiger Account, oldest first. An
// empty accountID matches nobody: contacts without an organisation share
// no account.
func (s *UserStore) ListByAccount(ctx context.Context, accountID string) ([]domain.User, error) {
	if accountID == "" {
		return []domain.User{}, nil
	}
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, mapErr(err, "list users by account")
	}
	defer rows.Close()
	users := []domain.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, mapErr(err, "scan user")
		}
		users = append(users, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "list users by account")
	}
	return users, nil
}

// UpdatePassword replaces the password hash.
func (s *UserStore) UpdatePassword(ctx context.Context, id int64, hash string) error {
	return s.exec(ctx, "update password", `UPDATE users SET password_hash = $2 WHERE id = $1`, id, hash)
}

// UpdateEmail changes the login e-mail; a taken address is an ECONFLICT on "email".
func (s *UserStore) UpdateEmail(ctx context.Context, id int64, email string) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return domain.Invalid("email", "e-mail is required")
	}
	return s.exec(ctx, "update email", `UPDATE users SET email = $2 WHERE id = $1`, id, email)
}

// UpdateProfile changes the cached names.
func (s *UserStore) UpdateProfile(ctx context.Context, id int64, firstName, lastName string) error {
	return s.exec(ctx, "update profile", `UPDATE users SET first_name = $2, last_name = $3 WHERE id = $1`, id, firstName, lastName)
}

// UpdateAccount changes the Vtiger Account the user belongs to (the
// contact was moved to another organisation in the CRM).
func (s *UserStore) UpdateAccount(ctx context.Context, id int64, accountID string) error {
	return s.exec(ctx, "update account", `UPDATE users SET account_id = $2 WHERE id = $1`, id, accountID)
}

// SetOTP stores the (encrypted) TOTP secret and flags; a nil secret with
// enabled=false turns TOTP off.
func (s *UserStore) SetOTP(ctx context.Context, id int64, secret []byte, enabled, verified bool) error {
	return s.exec(ctx, "set otp",
		`UPDATE users SET otp_secret = $2, otp_enabled = $3, otp_verified = $4 WHERE id = $1`,
		id, secret, enabled, verified)
}

// SetOTPLastStep records step as the last accepted TOTP time step, but only
// if it is later than the stored one. ok=false means the code's step was
// already used (a replay): the caller must reject the code. The row lock
// taken by UPDATE makes concurrent attempts with the same code serialise,
// so exactly one of them wins.
func (s *UserStore) SetOTPLastStep(ctx context.Context, id int64, step int64) (ok bool, err error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `UPDATE users SET otp_last_step = $2 WHERE id = $1 AND otp_last_step < $2`, id, step)
	if err != nil {
		return false, mapErr(err, "set otp last step")
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	return false, s.exists(ctx, id)
}

// SetActive enables or disables the account.
func (s *UserStore) SetActive(ctx context.Context, id int64, active bool) error {
	return s.exec(ctx, "set active", `UPDATE users SET is_active = $2 WHERE id = $1`, id, active)
}

// Delete removes the user; tokens, OTP state and notifications go with it,
// payments keep their history with user_id cleared.
func (s *UserStore) Delete(ctx context.Context, id int64) error {
	return s.exec(ctx, "delete user", `DELETE FROM users WHERE id = $1`, id)
}

func (s *UserStore) one(ctx context.Context, query string, arg any) (*domain.User, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	u, err := scanUser(s.db.pool.QueryRow(ctx, query, arg))
	if err != nil {
		return nil, notFound(err, "user", "get user")
	}
	return u, nil
}

// exec runs a single-row statement on users; no row is ENOTFOUND.
func (s *UserStore) exec(ctx context.Context, op, query string, args ...any) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, query, args...)
	if err != nil {
		return mapErr(err, op)
	}
	if tag.RowsAffected() == 0 {
		return domain.NotFound("user")
	}
	return nil
}

func (s *UserStore) exists(ctx context.Context, id int64) error {
	var one int
	err := s.db.pool.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1`, id).Scan(&one)
	return notFound(err, "user", "check user")
}
