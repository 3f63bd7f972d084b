// Package pgtest gives each test its own throw-away PostgreSQL database on
// the local server, so test packages can run in parallel against real
// Postgres without seeing each other's rows.
//
// The server is postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
// unless PORTAL_TEST_DB_DSN names another one (any database on it; ours are
// created next to it). Unreachable Postgres fails the test: we never skip.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// DefaultDSN is the server used when PORTAL_TEST_DB_DSN is unset.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const howToStart = `PostgreSQL is needed for these tests and is not reachable.
Start a local server with trust auth for user postgres, e.g.
    sudo service postgresql start
or
    docker run -d --name portal-pg -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16
or point PORTAL_TEST_DB_DSN at another server (a DSN of any database on it).`

// BaseDSN is the admin DSN test databases are created from.
func BaseDSN() string {
	if dsn := strings.TrimSpace(os.Getenv("PORTAL_TEST_DB_DSN")); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// New creates a migrated database and returns a pool on it; the pool is
// closed and the database dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dsn := DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	// Registered after DSN's cleanup, so it runs first: close, then drop.
	t.Cleanup(pool.Close)
	return pool
}

// DSN creates a migrated database and returns its DSN; it is dropped when
// the test ends (even with connections still open).
func DSN(t testing.TB) string {
	t.Helper()
	dsn := NewEmpty(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := postgres.MigrateUp(ctx, dsn); err != nil {
		t.Fatalf("pgtest: migrate up: %v", err)
	}
	return dsn
}

// NewEmpty creates an empty database (no migrations) and returns its DSN;
// it is dropped when the test ends.
func NewEmpty(t testing.TB) string {
	t.Helper()
	base := BaseDSN()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: cannot connect to PostgreSQL (%v)\n%s", err, howToStart)
	}
	defer admin.Close(context.Background())

	name := uniqueName(t)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(t, base, name) })

	dsn, err := postgres.ReplaceDatabase(base, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// DropDatabase drops database name on the test server, for tests that
// created one by other means (e.g. postgres.EnsureDatabase).
func DropDatabase(t testing.TB, name string) {
	t.Helper()
	drop(t, BaseDSN(), name)
}

func drop(t testing.TB, base, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("pgtest: drop %s: connect: %v", name, err)
		return
	}
	defer admin.Close(context.Background())
	// FORCE: a leaked connection in a failing test must not leave the database behind.
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueName is test_<package>_<random>: the package part helps find a
// leaked database, the random part keeps parallel packages apart.
func uniqueName(t testing.TB) string {
	pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	pkg = strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(pkg), "_"), "_")
	if len(pkg) > 30 {
		pkg = pkg[:30]
	}
	if pkg == "" {
		pkg = "pkg"
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("pgtest: random: %v", err)
	}
	return "test_" + pkg + "_" + hex.EncodeToString(b[:])
}
