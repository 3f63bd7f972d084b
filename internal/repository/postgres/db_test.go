package postgres_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)

	db, err := postgres.Open(ctx, config.DB{DSN: dsn, MaxConns: 3, MinConns: 5, MaxConnIdleTime: time.Minute,
		MaxConnLifetime: 2 * time.Minute, ConnectTimeout: 3 * time.Second, QueryTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := db.Pool().Config()
	if cfg.MaxConns != 3 || cfg.MinConns != 3 || cfg.MaxConnIdleTime != time.Minute ||
		cfg.MaxConnLifetime != 2*time.Minute || cfg.ConnConfig.ConnectTimeout != 3*time.Second {
		t.Fatalf("pool config not applied: max=%d min=%d idle=%v life=%v connect=%v", cfg.MaxConns, cfg.MinConns,
			cfg.MaxConnIdleTime, cfg.MaxConnLifetime, cfg.ConnConfig.ConnectTimeout)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// The opened DB works with the stores.
	u := mkUser(t, db, "")
	if _, err := postgres.NewUserStore(db).ByID(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db.Close() // idempotent

	bad := []struct {
		name string
		dsn  string
		code string
	}{
		{"empty", "", ""},
		{"garbage with password", "postgres://u:s3cret@[::1", ""},
		{"unreachable", "postgres://postgres@127.0.0.1:1/x?sslmode=disable", domain.EUNAVAILABLE},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postgres.Open(ctx, config.DB{DSN: tt.dsn, ConnectTimeout: 2 * time.Second})
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error leaks the password: %v", err)
			}
			if tt.code != "" {
				testutil.WantCode(t, err, tt.code)
			}
		})
	}
}

func TestContextErrorsMapped(t *testing.T) {
	db := newDB(t)
	users := postgres.NewUserStore(db)
	// A deadline that passes before a connection is handed out is an
	// outage (pool exhausted or server unreachable), not a slow query.
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := users.ByID(ctx, 1)
	testutil.WantCode(t, err, domain.EUNAVAILABLE)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cause lost: %v", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := users.ByID(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// Every way PostgreSQL can be "not there right now" becomes unavailable
// (503 + Retry-After); statement errors keep their own codes. The errors
// are produced by real servers, pools and connections where they can be.
func TestMapErrUnavailable(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	pgErr := func(code string) func(t *testing.T) error {
		return func(*testing.T) error {
			return &pgconn.PgError{Severity: "FATAL", Code: code, Message: "as sent by the server"}
		}
	}
	cases := []struct {
		name string
		err  func(t *testing.T) error
		want string
	}{
		{"connection refused", func(t *testing.T) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close() // nobody listens there any more
			_, err = pgx.Connect(ctx, "postgres://postgres@"+addr+"/postgres?sslmode=disable&connect_timeout=5")
			return err
		}, domain.EUNAVAILABLE},
		{"pool closed", func(t *testing.T) error {
			pool, err := pgxpool.New(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			pool.Close()
			var one int
			return pool.QueryRow(ctx, "SELECT 1").Scan(&one)
		}, domain.EUNAVAILABLE},
		{"deadline waiting for a connection", func(t *testing.T) error {
			pc, err := pgxpool.ParseConfig(dsn)
			if err != nil {
				t.Fatal(err)
			}
			pc.MaxConns = 1
			pool, err := pgxpool.NewWithConfig(ctx, pc)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			held, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer held.Release()
			qctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			var one int
			return pool.QueryRow(qctx, "SELECT 1").Scan(&one)
		}, domain.EUNAVAILABLE},
		{"backend terminated (admin shutdown)", func(t *testing.T) error {
			victim, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer victim.Close(ctx)
			killer, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer killer.Close(ctx)
			var ok bool
			if err := killer.QueryRow(ctx, "SELECT pg_terminate_backend($1)", victim.PgConn().PID()).Scan(&ok); err != nil || !ok {
				t.Fatalf("terminate: %v %v", ok, err)
			}
			var one int
			err = victim.QueryRow(ctx, "SELECT 1").Scan(&one)
			if err == nil {
				t.Fatal("query on a terminated backend succeeded")
			}
			return err
		}, domain.EUNAVAILABLE},
		{"57P01 admin_shutdown", pgErr("57P01"), domain.EUNAVAILABLE},
		{"57P02 crash_shutdown", pgErr("57P02"), domain.EUNAVAILABLE},
		{"57P03 cannot_connect_now", pgErr("57P03"), domain.EUNAVAILABLE},
		{"08006 connection_failure", pgErr("08006"), domain.EUNAVAILABLE},
		{"08001 unable to connect", pgErr("08001"), domain.EUNAVAILABLE},
		{"53300 too_many_connections", pgErr("53300"), domain.EUNAVAILABLE},
		{"slow query hits its deadline", func(t *testing.T) error {
			pool := pgtest.New(t)
			// Connect first: the 100 ms are for the query; a connection
			// set up under them on a loaded machine would end in a
			// connect error (unavailable), not in the query's timeout.
			if err := pool.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			qctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			_, err := pool.Exec(qctx, "SELECT pg_sleep(5)")
			return err
		}, domain.ETIMEOUT},
		{"syntax error stays internal", func(t *testing.T) error {
			pool := pgtest.New(t)
			_, err := pool.Exec(ctx, "SELEC 1")
			return err
		}, domain.EINTERNAL},
		{"57014 query_canceled by the server stays internal", pgErr("57014"), domain.EINTERNAL},
		{"unique violation", pgErr("23505"), domain.ECONFLICT},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err(t)
			if err == nil {
				t.Fatal("no error produced")
			}
			mapped := postgres.MapErr(err, "test")
			testutil.WantCode(t, mapped, tt.want)
			if !errors.Is(mapped, err) {
				t.Fatalf("cause lost: %v", mapped)
			}
		})
	}
}

func TestAdvisoryLock(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, config.DB{DSN: dsn, MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		return db
	}
	// Two pools stand for two portal instances.
	a, b := open(), open()

	releaseA, ok, err := a.TryAdvisoryLock(ctx, 42)
	if err != nil || !ok {
		t.Fatalf("a: ok=%v err=%v", ok, err)
	}
	if a.Pool().Stat().AcquiredConns() != 1 {
		t.Fatal("lock does not pin a connection")
	}
	tries := []struct {
		name string
		db   *postgres.DB
		key  int64
		want bool
	}{
		{"other instance same key", b, 42, false},
		{"same instance same key again from another session", a, 42, false},
		{"other key", b, 43, true},
	}
	var releases []func()
	for _, tt := range tries {
		t.Run(tt.name, func(t *testing.T) {
			rel, ok, err := tt.db.TryAdvisoryLock(ctx, tt.key)
			if err != nil || ok != tt.want {
				t.Fatalf("ok=%v err=%v, want %v", ok, err, tt.want)
			}
			if ok {
				releases = append(releases, rel)
			} else if rel != nil {
				t.Fatal("release func returned without the lock")
			}
		})
	}
	releaseA()
	releaseA() // safe twice
	if a.Pool().Stat().AcquiredConns() != 0 {
		t.Fatal("connection not returned after release")
	}
	releaseB, ok, err := b.TryAdvisoryLock(ctx, 42)
	if err != nil || !ok {
		t.Fatalf("b after a released: ok=%v err=%v", ok, err)
	}
	releaseB()
	for _, r := range releases {
		r()
	}
	if b.Pool().Stat().AcquiredConns() != 0 {
		t.Fatal("b still holds connections")
	}
}
