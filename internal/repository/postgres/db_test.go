package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
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
				wantCode(t, err, tt.code)
			}
		})
	}
}

func TestContextErrorsMapped(t *testing.T) {
	db := newDB(t)
	users := postgres.NewUserStore(db)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := users.ByID(ctx, 1)
	wantCode(t, err, domain.ETIMEOUT)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cause lost: %v", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := users.ByID(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
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
