package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/migrations"
)

// schemaSnapshot lists the objects of the public schema that migrations
// create: tables with columns, indexes, constraints, functions, triggers.
func schemaSnapshot(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '')
			FROM information_schema.columns WHERE table_schema = 'public'
		UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
		UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(c.oid)
			FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
		UNION ALL SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
		UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal`)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// golang-migrate's own bookkeeping table is not ours.
	objs = slices.DeleteFunc(objs, func(s string) bool { return strings.Contains(s, "schema_migrations") })
	slices.Sort(objs)
	return objs
}

func mustVersion(t *testing.T, dsn string, want uint) {
	t.Helper()
	v, dirty, err := postgres.MigrateVersion(context.Background(), dsn)
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	if v != want || dirty {
		t.Fatalf("version = %d dirty=%v, want %d clean", v, dirty, want)
	}
}

func TestLatestVersionMatchesFiles(t *testing.T) {
	if got := postgres.LatestVersion(); got != 8 {
		t.Fatalf("LatestVersion = %d, want 8 (update this test when adding a migration)", got)
	}
}

func TestMigrationsRoundTrip(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewEmpty(t)
	latest := postgres.LatestVersion()

	mustVersion(t, dsn, 0)
	if got := schemaSnapshot(t, dsn); len(got) != 0 {
		t.Fatalf("empty database has objects: %v", got)
	}
	if err := postgres.MigrateUp(ctx, dsn); err != nil {
		t.Fatalf("up: %v", err)
	}
	mustVersion(t, dsn, latest)
	full := schemaSnapshot(t, dsn)
	for _, table := range []string{"users", "tokens", "otp_recovery_codes", "otp_pending", "notifications", "payments", "stripe_events"} {
		if !slices.ContainsFunc(full, func(s string) bool { return strings.HasPrefix(s, "column "+table+".") }) {
			t.Errorf("table %s missing after up", table)
		}
	}
	// Up again is a no-op, not an error.
	if err := postgres.MigrateUp(ctx, dsn); err != nil {
		t.Fatalf("second up: %v", err)
	}

	// Step down one at a time, recording each intermediate schema.
	snaps := map[uint][]string{latest: full}
	for v := latest; v > 0; v = previousVersion(t, v) {
		if err := postgres.MigrateDown(ctx, dsn, 1); err != nil {
			t.Fatalf("down from %d: %v", v, err)
		}
		prev := previousVersion(t, v)
		mustVersion(t, dsn, prev)
		snaps[prev] = schemaSnapshot(t, dsn)
		if slices.Equal(snaps[prev], snaps[v]) {
			t.Errorf("down from %d changed nothing", v)
		}
	}
	if len(snaps[0]) != 0 {
		t.Fatalf("objects left after all downs: %v", snaps[0])
	}

	// Back up: the schema must be exactly what the first up produced.
	if err := postgres.MigrateUp(ctx, dsn); err != nil {
		t.Fatalf("up after down: %v", err)
	}
	mustVersion(t, dsn, latest)
	if got := schemaSnapshot(t, dsn); !slices.Equal(got, full) {
		t.Fatalf("schema after down+up differs:\n got %v\nwant %v", got, full)
	}
	// Two down steps land on the same schema as stepping did.
	if err := postgres.MigrateDown(ctx, dsn, 2); err != nil {
		t.Fatal(err)
	}
	twoDown := previousVersion(t, previousVersion(t, latest))
	mustVersion(t, dsn, twoDown)
	if got := schemaSnapshot(t, dsn); !slices.Equal(got, snaps[twoDown]) {
		t.Fatalf("schema at %d differs between step and multi-step down", twoDown)
	}
	// Down all (steps 0) from the middle.
	if err := postgres.MigrateDown(ctx, dsn, 0); err != nil {
		t.Fatal(err)
	}
	mustVersion(t, dsn, 0)
	if err := postgres.MigrateDown(ctx, dsn, 0); err != nil {
		t.Fatalf("down on empty schema must be a no-op: %v", err)
	}
	if err := postgres.MigrateDown(ctx, dsn, -1); err == nil {
		t.Fatal("negative steps accepted")
	}
}

func TestCheckSchema(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewEmpty(t)
	latest := postgres.LatestVersion()

	setDirty := func(t *testing.T) {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `UPDATE schema_migrations SET dirty = true`); err != nil {
			t.Fatal(err)
		}
	}

	steps := []struct {
		name    string
		prepare func(t *testing.T)
		wantErr []string // substrings; nil = no error
	}{
		{"empty database is behind", func(*testing.T) {}, []string{"version 0", fmt.Sprintf("needs %d", latest), "portal migrate up"}},
		{"one behind", func(t *testing.T) {
			if err := postgres.MigrateUp(ctx, dsn); err != nil {
				t.Fatal(err)
			}
			if err := postgres.MigrateDown(ctx, dsn, 1); err != nil {
				t.Fatal(err)
			}
		}, []string{fmt.Sprintf("version %d", previousVersion(t, latest)), "portal migrate up"}},
		{"up to date", func(t *testing.T) {
			if err := postgres.MigrateUp(ctx, dsn); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"dirty", setDirty, []string{"dirty", "portal migrate force"}},
		{"forced clean", func(t *testing.T) {
			if err := postgres.MigrateForce(ctx, dsn, int(latest)); err != nil {
				t.Fatal(err)
			}
		}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.prepare(t)
			err := postgres.CheckSchema(ctx, dsn)
			if st.wantErr == nil {
				if err != nil {
					t.Fatalf("CheckSchema: %v", err)
				}
				return
			}
			if !errors.Is(err, postgres.ErrSchemaMismatch) {
				t.Fatalf("err = %v, want ErrSchemaMismatch", err)
			}
			for _, s := range st.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

func TestMigrateUnreachable(t *testing.T) {
	dsn := "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"
	if err := postgres.MigrateUp(context.Background(), dsn); err == nil {
		t.Fatal("MigrateUp against a closed port succeeded")
	}
	if err := postgres.CheckSchema(context.Background(), dsn); err == nil || errors.Is(err, postgres.ErrSchemaMismatch) {
		t.Fatalf("CheckSchema against a closed port = %v, want a connection error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := postgres.MigrateUp(ctx, pgtest.NewEmpty(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("MigrateUp with cancelled ctx = %v", err)
	}
}

func TestEnsureDatabase(t *testing.T) {
	ctx := context.Background()
	// Name it like pgtest's databases so a leaked one is recognisable.
	name := "test_ensure_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_") + fmt.Sprint(seq.Add(1000))
	dsn, err := postgres.ReplaceDatabase(pgtest.BaseDSN(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pgtest.DropDatabase(t, name) })

	if conn, err := pgx.Connect(ctx, dsn); err == nil {
		conn.Close(ctx)
		t.Fatalf("database %s exists before EnsureDatabase", name)
	}
	for i := range 2 { // second call: already exists, still fine
		if err := postgres.EnsureDatabase(ctx, dsn); err != nil {
			t.Fatalf("EnsureDatabase #%d: %v", i+1, err)
		}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to ensured database: %v", err)
	}
	var got string
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&got); err != nil || got != name {
		t.Fatalf("current_database = %q, %v", got, err)
	}
	conn.Close(ctx)
	// The ensured database can be migrated and checked.
	if err := postgres.MigrateUp(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	if err := postgres.CheckSchema(ctx, dsn); err != nil {
		t.Fatal(err)
	}
}

func TestReplaceDatabase(t *testing.T) {
	tests := []struct {
		name, dsn, db string
		wantHost      string
	}{
		{"url", "postgres://u:p@db.example:6543/portal?sslmode=disable", "other", "db.example"},
		{"url without path", "postgresql://u@localhost?sslmode=disable", "x_1", "localhost"},
		{"keyword value", "host=10.0.0.1 user=u dbname=portal sslmode=disable", "test_it", "10.0.0.1"},
		{"keyword value quoting", "host=h user=u", `we'ird`, "h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := postgres.ReplaceDatabase(tt.dsn, tt.db)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := pgconn.ParseConfig(got)
			if err != nil {
				t.Fatalf("result %q does not parse: %v", got, err)
			}
			if cfg.Database != tt.db || cfg.Host != tt.wantHost {
				t.Fatalf("database=%q host=%q, want %q %q (dsn %q)", cfg.Database, cfg.Host, tt.db, tt.wantHost, got)
			}
		})
	}
}

// previousVersion is the embedded migration version just below v (0 below
// the first); numbers are reserved per branch, so there may be gaps.
func previousVersion(t *testing.T, v uint) uint {
	t.Helper()
	files, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	var prev uint
	for _, f := range files {
		n, err := strconv.ParseUint(strings.SplitN(f, "_", 2)[0], 10, 32)
		if err != nil {
			t.Fatalf("migration file %s: %v", f, err)
		}
		if uint(n) < v && uint(n) > prev {
			prev = uint(n)
		}
	}
	return prev
}
