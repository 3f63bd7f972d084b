// Package postgres is the portal's PostgreSQL layer: the connection pool,
// schema migrations and the stores for users, tokens, OTP state,
// notifications and payments.
//
// Stores return domain types and domain errors only; no pgx type leaks out,
// so services can define their own small interfaces over these methods.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// DB is the shared connection pool plus the per-query timeout every store applies.
type DB struct {
	pool         *pgxpool.Pool
	queryTimeout time.Duration
}

// Open builds a pool from cfg and checks the server answers.
func Open(ctx context.Context, cfg config.DB) (*DB, error) {
	if strings.TrimSpace(cfg.DSN) == "" {
		return nil, errors.New("postgres: db.dsn is empty")
	}
	pc, err := pgxpool.ParseConfig(cfg.DSN)
	if err != nil {
		// The parse error may echo the DSN including its password.
		return nil, errors.New("postgres: db.dsn is not a valid PostgreSQL connection string")
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.MinConns > 0 {
		pc.MinConns = min(cfg.MinConns, pc.MaxConns)
	}
	if cfg.MaxConnIdleTime > 0 {
		pc.MaxConnIdleTime = cfg.MaxConnIdleTime
	}
	if cfg.MaxConnLifetime > 0 {
		pc.MaxConnLifetime = cfg.MaxConnLifetime
	}
	if cfg.ConnectTimeout > 0 {
		pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: create pool: %w", err)
	}
	db := &DB{pool: pool, queryTimeout: cfg.QueryTimeout}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// NewFromPool wraps an existing pool (tests, pgtest). Close closes the pool.
func NewFromPool(pool *pgxpool.Pool, queryTimeout time.Duration) *DB {
	return &DB{pool: pool, queryTimeout: queryTimeout}
}

// Pool exposes the pool for wiring that needs it (health checks, metrics).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes every connection; it is safe to call more than once.
func (db *DB) Close() { db.pool.Close() }

// Ping checks that a connection can be acquired and the server answers.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := db.withTimeout(ctx)
	defer cancel()
	if err := db.pool.Ping(ctx); err != nil {
		return domain.Wrap(domain.EUNAVAILABLE, err, "database is unavailable")
	}
	return nil
}

// withTimeout bounds one store call, so a stuck database turns into an error
// instead of a hung request.
func (db *DB) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if db.queryTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, db.queryTimeout)
}

// execCount runs one statement under the query timeout and returns how
// many rows it touched; what names it in the error.
func (db *DB) execCount(ctx context.Context, what, sql string, args ...any) (int64, error) {
	ctx, cancel := db.withTimeout(ctx)
	defer cancel()
	tag, err := db.pool.Exec(ctx, sql, args...)
	if err != nil {
		return 0, mapErr(err, what)
	}
	return tag.RowsAffected(), nil
}

// TryAdvisoryLock takes the session-level advisory lock key without waiting.
// While held, it pins one pool connection (advisory locks belong to a
// session); release unlocks and returns the connection. ok is false when
// another session holds the lock. Background jobs use it so exactly one
// instance runs each job.
func (db *DB) TryAdvisoryLock(ctx context.Context, key int64) (release func(), ok bool, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, mapErr(err, "acquire connection for advisory lock")
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, mapErr(err, "advisory lock")
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			// The caller's ctx may be cancelled by now (shutdown); unlocking must still happen.
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var unlocked bool
			if err := conn.QueryRow(uctx, `SELECT pg_advisory_unlock($1)`, key).Scan(&unlocked); err != nil || !unlocked {
				// Closing the session is the only other way to drop the lock;
				// never return a connection that may still hold it.
				_ = conn.Hijack().Close(uctx)
				return
			}
			conn.Release()
		})
	}
	return release, true, nil
}

// PostgreSQL error codes we react to.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgCheckViolation      = "23514"
	pgNotNullViolation    = "23502"
	pgDuplicateDatabase   = "42P04"

	// The server is going away, restarting or not accepting connections.
	pgAdminShutdown      = "57P01"
	pgCrashShutdown      = "57P02"
	pgCannotConnectNow   = "57P03"
	pgTooManyConnections = "53300"
	pgClassConnection    = "08" // connection_exception and its subclasses
)

// constraintFields names the input field a unique violation is about.
var constraintFields = map[string]struct{ field, msg string }{
	"users_email_lower_key":          {"email", "e-mail address is already registered"},
	"users_contact_id_key":           {"contact_id", "this contact already has a portal account"},
	"payments_stripe_payment_id_key": {"stripe_payment_id", "payment already recorded"},
	"tokens_pkey":                    {"token", "token already exists"},
}

// mapErr turns a pgx error into a domain error: not found, conflict,
// invalid, unavailable or timeout; anything else stays internal, wrapped
// with what was being done.
func mapErr(err error, op string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Wrap(domain.ENOTFOUND, err, "not found")
	}
	cause := fmt.Errorf("postgres: %s: %w", op, err)
	if unavailable(err) {
		return domain.Wrap(domain.EUNAVAILABLE, cause, "database is unavailable")
	}
	if errors.Is(err, context.Canceled) {
		// The client went away, or shutdown cancelled the request: nobody
		// waits for a 500, and the shutdown's own answer is a 503.
		return domain.Wrap(domain.EUNAVAILABLE, cause, "the request was cancelled")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return domain.Wrap(domain.ETIMEOUT, cause, "database did not answer in time")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case pgUniqueViolation:
			if f, ok := constraintFields[pgErr.ConstraintName]; ok {
				return &domain.Error{Code: domain.ECONFLICT, Field: f.field, Message: f.msg, Err: cause}
			}
			return domain.Wrap(domain.ECONFLICT, cause, "record already exists")
		case pgForeignKeyViolation:
			return domain.Wrap(domain.ENOTFOUND, cause, "referenced record not found")
		case pgCheckViolation, pgNotNullViolation:
			return domain.Wrap(domain.EINVALID, cause, "value not allowed")
		}
	}
	return cause
}

// unavailable tells errors that mean "the database is not there right now"
// (stopped, restarting, starting up, unreachable, out of connections, or
// the pool closed) from errors about the statement itself. These answer
// 503 with Retry-After, never 500: a restart of PostgreSQL is an outage,
// not a bug.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == pgAdminShutdown, pgErr.Code == pgCrashShutdown,
			pgErr.Code == pgCannotConnectNow, pgErr.Code == pgTooManyConnections,
			strings.HasPrefix(pgErr.Code, pgClassConnection):
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr *net.OpError
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr),
		errors.Is(err, puddle.ErrClosedPool),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, context.DeadlineExceeded):
		// pgconn marks a deadline hit inside a connection (a slow query) as
		// a timeout; a bare deadline came from waiting for a connection,
		// which means the server cannot be reached or the pool is exhausted.
		return !pgconn.Timeout(err)
	case errors.Is(err, context.Canceled):
		return false
	}
	// pgconn's "safe to retry" errors never reached the server: a closed
	// or broken connection.
	return pgconn.SafeToRetry(err)
}

// notFound maps a pgx.ErrNoRows to a NotFound naming what was looked up.
func notFound(err error, what, op string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return &domain.Error{Code: domain.ENOTFOUND, Message: what + " not found", Err: err}
	}
	return mapErr(err, op)
}

// nullTime sends a zero time as NULL so the column default (now()) applies.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
