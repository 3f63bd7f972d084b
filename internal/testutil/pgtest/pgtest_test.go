package pgtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
)

func dbExists(t *testing.T, name string) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.BaseDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestNewCreatesMigratedDatabaseAndDropsIt(t *testing.T) {
	ctx := context.Background()
	var names []string
	t.Run("create", func(t *testing.T) {
		for range 2 {
			pool := pgtest.New(t)
			var name string
			var users int
			if err := pool.QueryRow(ctx, `SELECT current_database(), (SELECT count(*) FROM users)`).Scan(&name, &users); err != nil {
				t.Fatalf("migrated schema missing: %v", err)
			}
			if !strings.HasPrefix(name, "test_pgtest_") {
				t.Fatalf("database name %q", name)
			}
			names = append(names, name)
		}
		if names[0] == names[1] {
			t.Fatal("two databases share a name")
		}
		// A leaked connection must not stop the drop (WITH (FORCE)).
		conn, err := pgx.Connect(ctx, pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		_ = conn
		var name string
		if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	})
	for _, n := range names {
		if dbExists(t, n) {
			t.Errorf("database %s not dropped after the test", n)
		}
	}
}

func TestNewEmptyHasNoSchema(t *testing.T) {
	dsn := pgtest.NewEmpty(t)
	v, dirty, err := postgres.MigrateVersion(context.Background(), dsn)
	if err != nil || v != 0 || dirty {
		t.Fatalf("empty database at version %d dirty=%v err=%v", v, dirty, err)
	}
}
