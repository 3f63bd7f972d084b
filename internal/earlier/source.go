package earlier

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// OpenSource opens the earlier backend's MySQL/MariaDB database. DATETIME
// and TIMESTAMP columns are read as times in the DSN's loc (UTC unless the
// DSN says loc=Local or another zone), so parseTime is forced on.
func OpenSource(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// The parse error may echo the DSN, password included.
		return nil, errors.New("earlier: --mysql-dsn is not a valid DSN (user:pass@tcp(host:3306)/portal)")
	}
	cfg.ParseTime = true
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("earlier: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(2)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("earlier: connect to MySQL %s/%s: %w", cfg.Addr, cfg.DBName, err)
	}
	return db, nil
}

// srcUser is one row of the earlier users table (the columns we carry over).
type srcUser struct {
	ID                   uint64
	ContactID, AccountID string
	Email, Password      string
	FirstName, LastName  string
	IsActive, OTPEnabled bool
	OTPSecret            string
	CreatedAt, UpdatedAt time.Time
}

type srcNotification struct {
	ID                                   int64
	CRMID, Module, Label, Description    string
	AssignedUserID, AccountID, ContactID string
	ParentID                             string
	IsRead                               bool
	CreatedAt, UpdatedAt                 time.Time
}

type srcPayment struct {
	ID                         int64
	StripeID                   string
	ContactID, AccountID       string
	Amount                     sql.NullString // DECIMAL(10,2) as text: no float rounding
	Currency, Method, ParentID string
	Status                     int
	CreatedAt, UpdatedAt       time.Time
}

// querier is what source reads through: a *sql.Tx holding one snapshot.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var _ querier = (*sql.Tx)(nil)

// source reads the earlier schema. Tables or columns that a database at an
// older migration does not have yet read as empty.
type source struct {
	db querier
}

func (s source) tableExists(ctx context.Context, table string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, table).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("earlier: look up table %s: %w", table, err)
	}
	return n > 0, nil
}

func (s source) columnExists(ctx context.Context, table, column string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?`, table, column).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("earlier: look up column %s.%s: %w", table, column, err)
	}
	return n > 0, nil
}

func (s source) users(ctx context.Context, prog *progress) ([]srcUser, error) {
	ok, err := s.tableExists(ctx, "users")
	if err != nil {
		return nil, err
	}
	if !ok {
		// notifications and payments came in later migrations and may be
		// missing; users never is, so this is the wrong database.
		return nil, errors.New("earlier: the MySQL database has no users table: does --mysql-dsn name the earlier backend's database (…/portal)?")
	}
	// 000003 added the OTP columns; a database before it has no 2FA at all.
	otp := "0, ''"
	if has, err := s.columnExists(ctx, "users", "otp_secret"); err != nil {
		return nil, err
	} else if has {
		otp = "COALESCE(otp_enabled, 0) <> 0, COALESCE(otp_secret, '')"
	}
	return readAll(ctx, s, "users", `SELECT id, COALESCE(crmid, ''), COALESCE(account_id, ''),
		COALESCE(email, ''), COALESCE(password, ''), COALESCE(first_name, ''), COALESCE(last_name, ''),
		COALESCE(is_active, 0) <> 0, `+otp+`, created_at, updated_at
		FROM users ORDER BY id`, prog, func(rows *sql.Rows) (srcUser, error) {
		var u srcUser
		err := scanStamped(rows, &u.CreatedAt, &u.UpdatedAt, &u.ID, &u.ContactID, &u.AccountID, &u.Email, &u.Password,
			&u.FirstName, &u.LastName, &u.IsActive, &u.OTPEnabled, &u.OTPSecret)
		return u, err
	})
}

func (s source) notifications(ctx context.Context, prog *progress) ([]srcNotification, error) {
	return readIfPresent(ctx, s, "notifications", `SELECT id, COALESCE(crmid, ''), COALESCE(module, ''), COALESCE(label, ''),
		COALESCE(description, ''), COALESCE(assigned_user_id, ''), COALESCE(account_id, ''), COALESCE(user_id, ''),
		COALESCE(parent_id, ''), COALESCE(is_read, 0) <> 0, created_at, updated_at
		FROM notifications ORDER BY id`, prog, func(rows *sql.Rows) (srcNotification, error) {
		var n srcNotification
		err := scanStamped(rows, &n.CreatedAt, &n.UpdatedAt, &n.ID, &n.CRMID, &n.Module, &n.Label, &n.Description,
			&n.AssignedUserID, &n.AccountID, &n.ContactID, &n.ParentID, &n.IsRead)
		return n, err
	})
}

func (s source) payments(ctx context.Context, prog *progress) ([]srcPayment, error) {
	return readIfPresent(ctx, s, "payments", `SELECT id, COALESCE(stripe_payment_id, ''), COALESCE(user_id, ''),
		COALESCE(account_id, ''), CAST(amount AS CHAR), COALESCE(currency, ''), COALESCE(payment_method, ''),
		COALESCE(parent_id, ''), COALESCE(status, 0), created_at, updated_at
		FROM payments ORDER BY id`, prog, func(rows *sql.Rows) (srcPayment, error) {
		var p srcPayment
		err := scanStamped(rows, &p.CreatedAt, &p.UpdatedAt, &p.ID, &p.StripeID, &p.ContactID, &p.AccountID, &p.Amount,
			&p.Currency, &p.Method, &p.ParentID, &p.Status)
		p.StripeID, p.Currency = strings.TrimSpace(p.StripeID), strings.ToLower(strings.TrimSpace(p.Currency))
		return p, err
	})
}

// readIfPresent is readAll for a table that came in a later migration: a
// database without it has none of those rows yet.
func readIfPresent[T any](ctx context.Context, s source, table, query string, prog *progress, scan func(*sql.Rows) (T, error)) ([]T, error) {
	ok, err := s.tableExists(ctx, table)
	if err != nil || !ok {
		return nil, err
	}
	return readAll(ctx, s, table, query, prog, scan)
}

// scanStamped scans a row of dest followed by created_at and updated_at,
// which the earlier schema lets be NULL: those read as the zero time
// (orNow stands the import time in for it).
func scanStamped(rows *sql.Rows, created, updated *time.Time, dest ...any) error {
	var c, u sql.NullTime
	err := rows.Scan(append(dest, &c, &u)...)
	*created, *updated = c.Time, u.Time
	return err
}

// readAll runs query and scans every row with scan, one progress step a
// row; errors name what was read.
func readAll[T any](ctx context.Context, s source, what, query string, prog *progress, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("earlier: read %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("earlier: read %s: %w", what, err)
		}
		out = append(out, v)
		prog.step()
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("earlier: read %s: %w", what, err)
	}
	return out, nil
}
