// Package jobs runs the portal's periodic background work (notification
// import, expired token clean-up, pending payment CRM updates).
//
// Every run of a job happens under a PostgreSQL advisory lock with the
// job's fixed key, taken without waiting: when several portal instances
// share a database, the one that gets the lock runs the job and the others
// skip that tick. A run is never overlapped by another run of the same job,
// in this process or any other.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// Advisory lock keys, one per job; fixed so every instance agrees. The
// high bytes spell "portal" to stay clear of other users of the database.
const (
	KeyNotificationImport int64 = 0x706f7274616c0001
	KeyTokenCleanup       int64 = 0x706f7274616c0002
	KeyPaymentCRMSync     int64 = 0x706f7274616c0003
	KeyTicketAnswerMail   int64 = 0x706f7274616c000a // "ticket answered" mails (migration 000010)
	KeyActivityPrune      int64 = 0x706f7274616c0009
	KeyIdempotencyCleanup int64 = 0x706f7274616c0008
)

// Locker takes a session advisory lock without waiting (postgres.DB).
type Locker interface {
	TryAdvisoryLock(ctx context.Context, key int64) (release func(), ok bool, err error)
}

var _ Locker = (*postgres.DB)(nil)

// Func is one run of a job.
type Func func(ctx context.Context) error

type job struct {
	name  string
	key   int64
	every time.Duration
	fn    Func
}

// Runner runs registered jobs on their intervals.
type Runner struct {
	locker Locker
	log    *slog.Logger

	mu      sync.Mutex
	jobs    []job
	started bool
	wg      sync.WaitGroup
	obs     Observer
}

// Observer receives one event per job run on this instance (for metrics).
type Observer interface {
	JobRun(name string, ok bool, d time.Duration)
}

// Observe sets the metrics sink; call it before Start.
func (r *Runner) Observe(o Observer) { r.obs = o }

// New returns a Runner taking its locks from locker.
func New(locker Locker, logger *slog.Logger) *Runner {
	if logger == nil {
		logger = slog.Default()
	}
	return &Runner{locker: locker, log: logger}
}

// Add registers a job. It runs once right after Start and then every
// interval. Add after Start, a duplicate name or a non-positive interval
// panics: they are wiring bugs.
func (r *Runner) Add(name string, key int64, every time.Duration, fn Func) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		panic("jobs: Add after Start")
	}
	if every <= 0 || fn == nil || name == "" {
		panic(fmt.Sprintf("jobs: invalid job %q", name))
	}
	for _, j := range r.jobs {
		if j.name == name {
			panic(fmt.Sprintf("jobs: duplicate job %q", name))
		}
	}
	r.jobs = append(r.jobs, job{name: name, key: key, every: every, fn: fn})
}

// Names lists the registered jobs.
func (r *Runner) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.jobs))
	for _, j := range r.jobs {
		names = append(names, j.name)
	}
	return names
}

// Start launches one goroutine per job; they stop when ctx is cancelled.
// Call Wait to block until they have.
func (r *Runner) Start(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	r.started = true
	for _, j := range r.jobs {
		r.wg.Add(1)
		go r.loop(ctx, j)
	}
}

// Wait blocks until every job goroutine has returned (after ctx cancel),
// including a run in progress.
func (r *Runner) Wait() { r.wg.Wait() }

func (r *Runner) loop(ctx context.Context, j job) {
	defer r.wg.Done()
	t := time.NewTicker(j.every)
	defer t.Stop()
	for {
		if _, err := r.run(ctx, j); err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "job failed", "job", j.name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ErrUnknownJob is returned by RunOnce for a name never added.
var ErrUnknownJob = errors.New("jobs: unknown job")

// RunOnce runs the named job now, under its lock, and reports whether it
// ran (false: another run holds the lock). For the CLI and tests.
func (r *Runner) RunOnce(ctx context.Context, name string) (ran bool, err error) {
	r.mu.Lock()
	var found *job
	for i := range r.jobs {
		if r.jobs[i].name == name {
			found = &r.jobs[i]
		}
	}
	r.mu.Unlock()
	if found == nil {
		return false, fmt.Errorf("%w %q", ErrUnknownJob, name)
	}
	return r.run(ctx, *found)
}

func (r *Runner) run(ctx context.Context, j job) (ran bool, err error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	release, ok, err := r.locker.TryAdvisoryLock(ctx, j.key)
	if err != nil {
		return false, fmt.Errorf("lock for job %s: %w", j.name, err)
	}
	if !ok {
		r.log.DebugContext(ctx, "job skipped, running elsewhere", "job", j.name)
		return false, nil
	}
	defer release()
	start := time.Now()
	if r.obs != nil {
		// Registered before the recover below, so it runs after it and sees a panic's error.
		defer func() { r.obs.JobRun(j.name, err == nil, time.Since(start)) }()
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", j.name, p)
		}
	}()
	err = j.fn(ctx)
	r.log.DebugContext(ctx, "job ran", "job", j.name, "took", time.Since(start), "err", err)
	return true, err
}
