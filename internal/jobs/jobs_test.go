package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/jobs"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/notifications"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// instance is one portal process: its own pool, services and runner.
type instance struct {
	db     *postgres.DB
	svc    *notifications.Service
	runner *jobs.Runner
}

// probe counts runs of the import job across instances and how many
// overlapped; gate, when set, holds a run open until closed.
type probe struct {
	runs, active, maxActive atomic.Int64
	mu                      sync.Mutex
	gate                    chan struct{}
	entered                 chan struct{}
}

func (p *probe) wrap(fn func(ctx context.Context) (int, error)) jobs.Func {
	return func(ctx context.Context) error {
		n := p.active.Add(1)
		defer p.active.Add(-1)
		for {
			m := p.maxActive.Load()
			if n <= m || p.maxActive.CompareAndSwap(m, n) {
				break
			}
		}
		p.mu.Lock()
		gate, entered := p.gate, p.entered
		p.mu.Unlock()
		if entered != nil {
			entered <- struct{}{}
		}
		if gate != nil {
			<-gate
		}
		_, err := fn(ctx)
		p.runs.Add(1)
		return err
	}
}

type fixture struct {
	a, b   *instance
	probe  *probe
	demo   *vtigersim.Demo
	users  map[string]int64
	verify *pgxpool.Pool
}

func newFixture(t *testing.T, every time.Duration) *fixture {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	be := vtigertest.Sim(t)
	demo := be.Demo
	dsn := pgtest.DSN(t)
	f := &fixture{probe: &probe{}, demo: demo, users: map[string]int64{}}
	newPool := func() *pgxpool.Pool {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		return pool
	}
	f.verify = newPool()
	mk := func() *instance {
		db := postgres.NewFromPool(newPool(), 5*time.Second)
		vt := be.Client(t)
		svc, err := notifications.New(notifications.Options{
			Store: postgres.NewNotificationStore(db), Users: postgres.NewUserStore(db),
			Source: notifications.NewVtigerSource(vt, "PortalNotifications", config.Default().Notifications.Fields), Logger: logger,
			Lookback: 50 * 365 * 24 * time.Hour,
		})
		if err != nil {
			t.Fatal(err)
		}
		r := jobs.New(db, logger)
		r.Add(jobs.NameNotificationImport, jobs.KeyNotificationImport, every, f.probe.wrap(svc.Import))
		return &instance{db: db, svc: svc, runner: r}
	}
	f.a, f.b = mk(), mk()
	users := postgres.NewUserStore(f.a.db)
	for _, u := range demo.PortalUsers {
		du := &domain.User{Email: u.Email, ContactID: u.ContactID, AccountID: u.AccountID, PasswordHash: "x", IsActive: true}
		if err := users.Create(ctx, du); err != nil {
			t.Fatal(err)
		}
		f.users[u.ContactID] = du.ID
	}
	return f
}

// rows returns the notification rows and the distinct (crm_id, user) pairs.
func (f *fixture) rows(t *testing.T) (rows, distinct int) {
	t.Helper()
	err := f.verify.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT (crm_id, user_id)) FROM notifications`).Scan(&rows, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

func TestLockKeepsRunsApart(t *testing.T) {
	f := newFixture(t, time.Hour)
	ctx := context.Background()
	f.probe.gate, f.probe.entered = make(chan struct{}), make(chan struct{}, 1)

	type result struct {
		ran bool
		err error
	}
	first := make(chan result, 1)
	go func() {
		ran, err := f.a.runner.RunOnce(ctx, jobs.NameNotificationImport)
		first <- result{ran, err}
	}()
	<-f.probe.entered // A is inside the job, holding the lock

	ran, err := f.b.runner.RunOnce(ctx, jobs.NameNotificationImport)
	if err != nil || ran {
		t.Fatalf("B ran while A held the lock: ran=%v err=%v", ran, err)
	}
	close(f.probe.gate)
	if r := <-first; r.err != nil || !r.ran {
		t.Fatalf("A: ran=%v err=%v", r.ran, r.err)
	}
	f.probe.mu.Lock()
	f.probe.gate, f.probe.entered = nil, nil
	f.probe.mu.Unlock()

	// The lock is free again: B runs, and finds nothing new to import.
	ran, err = f.b.runner.RunOnce(ctx, jobs.NameNotificationImport)
	if err != nil || !ran {
		t.Fatalf("B after A: ran=%v err=%v", ran, err)
	}
	if got := f.probe.runs.Load(); got != 2 {
		t.Fatalf("%d runs, want 2", got)
	}
	rows, distinct := f.rows(t)
	if rows == 0 || rows != distinct {
		t.Fatalf("%d rows, %d distinct", rows, distinct)
	}
	if _, err := f.a.runner.RunOnce(ctx, "nope"); !errors.Is(err, jobs.ErrUnknownJob) {
		t.Fatalf("unknown job: %v", err)
	}
}

func TestTwoRunnersImportWithoutDuplicatesAndStop(t *testing.T) {
	f := newFixture(t, time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	f.a.runner.Start(ctx)
	f.b.runner.Start(ctx)

	// Let both instances race for a while: until twenty runs happened.
	deadline := time.After(30 * time.Second)
	for f.probe.runs.Load() < 20 {
		select {
		case <-deadline:
			t.Fatalf("only %d runs", f.probe.runs.Load())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	stopped := make(chan struct{})
	go func() {
		f.a.runner.Wait()
		f.b.runner.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("runners did not stop after cancel")
	}
	after := f.probe.runs.Load()
	if m := f.probe.maxActive.Load(); m != 1 {
		t.Fatalf("%d import runs overlapped", m)
	}
	rows, distinct := f.rows(t)
	want := 0
	for _, ids := range f.demo.Notifications {
		want += len(ids) // each seeded notification names one contact with a portal user
	}
	if rows != want || distinct != want {
		t.Fatalf("%d rows (%d distinct), want %d", rows, distinct, want)
	}
	// Stopped means stopped: a run after Wait is refused by the cancelled context.
	if ran, err := f.a.runner.RunOnce(ctx, jobs.NameNotificationImport); ran || err == nil {
		t.Fatalf("ran=%v err=%v after stop", ran, err)
	}
	if f.probe.runs.Load() != after {
		t.Fatal("a job ran after the runner stopped")
	}
}

func TestAddStandard(t *testing.T) {
	tokens := tokensFunc(func(context.Context) (int64, error) { return 0, nil })
	tests := []struct {
		name string
		std  jobs.Standard
		want []string
	}{
		{"zero intervals schedule nothing", jobs.Standard{Tokens: tokens}, []string{}},
		{"import only when enabled", jobs.Standard{
			Jobs:          config.Jobs{TokenCleanupInterval: time.Hour, PaymentRetryInterval: time.Minute},
			Notifications: config.Notifications{Enabled: false, Interval: time.Minute},
			Tokens:        tokens, Importer: importFunc(nil),
		}, []string{jobs.NameTokenCleanup}},
		{"everything", jobs.Standard{
			Jobs:          config.Jobs{TokenCleanupInterval: time.Hour, PaymentRetryInterval: time.Minute},
			Notifications: config.Notifications{Enabled: true, Interval: time.Minute},
			Tokens:        tokens, Payments: syncFunc(nil), Importer: importFunc(nil),
			Audit:    config.Audit{Enabled: true, Retention: 48 * time.Hour, PruneInterval: time.Hour},
			Activity: pruneFunc(nil),
		}, []string{jobs.NameTokenCleanup, jobs.NamePaymentCRMSync, jobs.NameActivityPrune, jobs.NameNotificationImport}},
		{"no prune without an interval", jobs.Standard{
			Audit: config.Audit{Enabled: true, Retention: 48 * time.Hour}, Activity: pruneFunc(nil),
		}, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := jobs.New(nil, nil)
			r.AddStandard(tc.std)
			if got := r.Names(); !slices.Equal(got, tc.want) {
				t.Fatalf("jobs %v, want %v", got, tc.want)
			}
		})
	}
}

type importFunc func(context.Context) (int, error)

func (f importFunc) Import(ctx context.Context) (int, error) { return f(ctx) }

type syncFunc func(context.Context) (int, error)

func (f syncFunc) SyncPending(ctx context.Context) (int, error) { return f(ctx) }

type tokensFunc func(context.Context) (int64, error)

func (f tokensFunc) DeleteExpired(ctx context.Context) (int64, error) { return f(ctx) }

type pruneFunc func(context.Context) (int64, error)

func (f pruneFunc) Prune(ctx context.Context) (int64, error) { return f(ctx) }
