package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx/v5" database/sql driver golang-migrate uses

	"github.com/portalcrm/vtiger-portal/migrations"
)

// ErrSchemaMismatch is returned (wrapped) by CheckSchema when the database
// schema is behind this binary or dirty.
var ErrSchemaMismatch = errors.New("database schema does not match this binary")

// MigrateUp applies every pending migration.
func MigrateUp(ctx context.Context, dsn string) error {
	return withMigrate(ctx, dsn, func(m *migrate.Migrate) error {
		if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
			return fmt.Errorf("migrate up: %w", err)
		}
		return nil
	})
}

// MigrateDown reverts steps migrations; steps 0 reverts all of them.
func MigrateDown(ctx context.Context, dsn string, steps int) error {
	if steps < 0 {
		return fmt.Errorf("migrate down: steps must be ≥ 0, got %d", steps)
	}
	return withMigrate(ctx, dsn, func(m *migrate.Migrate) error {
		var err error
		if steps == 0 {
			err = m.Down()
		} else {
			err = m.Steps(-steps)
		}
		if err != nil && !errors.Is(err, migrate.ErrNoChange) {
			return fmt.Errorf("migrate down: %w", err)
		}
		return nil
	})
}

// MigrateVersion reports the applied version (0 when none) and whether the
// last migration failed half-way (dirty).
func MigrateVersion(ctx context.Context, dsn string) (version uint, dirty bool, err error) {
	err = withMigrate(ctx, dsn, func(m *migrate.Migrate) error {
		v, d, err := m.Version()
		if errors.Is(err, migrate.ErrNilVersion) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("migrate version: %w", err)
		}
		version, dirty = v, d
		return nil
	})
	return version, dirty, err
}

// MigrateForce sets the recorded version without running anything and
// clears the dirty flag: the operator's way out after fixing a failed
// migration by hand. version -1 means "no migration applied".
func MigrateForce(ctx context.Context, dsn string, version int) error {
	if version < -1 {
		return fmt.Errorf("migrate force: invalid version %d", version)
	}
	return withMigrate(ctx, dsn, func(m *migrate.Migrate) error {
		if err := m.Force(version); err != nil {
			return fmt.Errorf("migrate force %d: %w", version, err)
		}
		return nil
	})
}

var migrationName = regexp.MustCompile(`^(\d+)_.+\.up\.sql$`)

// LatestVersion is the highest migration version embedded in this binary.
func LatestVersion() uint {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return 0
	}
	var latest uint
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		v, err := strconv.ParseUint(m[1], 10, 64)
		if err == nil && uint(v) > latest {
			latest = uint(v)
		}
	}
	return latest
}

// CheckSchema fails when the database is behind this binary or dirty, with
// a message telling the operator what to run. A database ahead of the
// binary passes: during a rolling deploy the old binary keeps serving
// against the new (backward compatible) schema.
func CheckSchema(ctx context.Context, dsn string) error {
	v, dirty, err := MigrateVersion(ctx, dsn)
	if err != nil {
		return err
	}
	want := LatestVersion()
	if dirty {
		return fmt.Errorf("%w: database schema is at version %d but dirty (a migration failed half-way): fix it by hand, then run `portal migrate force %d` and `portal migrate up`", ErrSchemaMismatch, v, v)
	}
	if v < want {
		return fmt.Errorf("%w: database schema is at version %d but this binary needs %d: run `portal migrate up`", ErrSchemaMismatch, v, want)
	}
	return nil
}

// EnsureDatabase creates the database named in dsn when it does not exist,
// connecting to the server's "postgres" database to do so. Demo mode uses it
// so a fresh server works out of the box.
func EnsureDatabase(ctx context.Context, dsn string) error {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return errors.New("ensure database: not a valid PostgreSQL connection string")
	}
	name := cfg.Database
	if name == "" || name == "postgres" {
		return nil
	}
	adminDSN, err := ReplaceDatabase(dsn, "postgres")
	if err != nil {
		return fmt.Errorf("ensure database: %w", err)
	}
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("ensure database %q: connect to the postgres database: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("ensure database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == pgDuplicateDatabase {
		return nil // created concurrently by another instance
	}
	if err != nil {
		return fmt.Errorf("ensure database %q: create: %w", name, err)
	}
	slog.InfoContext(ctx, "created database", "database", name)
	return nil
}

// ReplaceDatabase returns dsn pointing at database name instead, for both
// URL (postgres://…/db) and keyword/value (host=… dbname=…) forms.
func ReplaceDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("not a valid PostgreSQL URL")
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	// Later keywords win in libpq's keyword/value format.
	return strings.TrimSpace(dsn) + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "'", nil
}

// withMigrate opens a golang-migrate instance on dsn with the embedded
// migrations, runs fn and closes everything. Cancelling ctx stops a running
// migration after the current file (migrate has no context support).
func withMigrate(ctx context.Context, dsn string, fn func(*migrate.Migrate) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return fmt.Errorf("open embedded migrations: %w", err)
	}
	// database/sql through pgx's stdlib driver accepts every DSN form pgx
	// does, so no pgx5:// URL rewriting is needed.
	sqlDB, err := sql.Open("pgx/v5", dsn)
	if err != nil {
		return errors.New("migrate: not a valid PostgreSQL connection string")
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return fmt.Errorf("migrate: connect: %w", err)
	}
	drv, err := migratepgx.WithInstance(sqlDB, &migratepgx.Config{})
	if err != nil {
		_ = sqlDB.Close()
		return fmt.Errorf("migrate: init driver: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		_ = drv.Close()
		return fmt.Errorf("migrate: init: %w", err)
	}
	m.Log = migrateLogger{ctx: ctx}
	defer func() {
		srcErr, dbErr := m.Close()
		if err == nil && dbErr != nil {
			err = fmt.Errorf("migrate: close: %w", dbErr)
		}
		_ = srcErr
	}()

	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			m.GracefulStop <- true
		case <-done:
		}
	}()
	return fn(m)
}

// migrateLogger sends golang-migrate's progress lines to slog.
type migrateLogger struct{ ctx context.Context }

func (l migrateLogger) Printf(format string, v ...any) {
	slog.InfoContext(l.ctx, strings.TrimSpace(fmt.Sprintf(format, v...)), "component", "migrate")
}

func (migrateLogger) Verbose() bool { return false }
