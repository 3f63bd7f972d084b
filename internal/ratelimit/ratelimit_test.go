package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/portalcrm/vtiger-portal/internal/testutil/redistest"
)

func client(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries = -1
	opts.DialerRetries, opts.DialerRetryTimeout = 1, time.Millisecond
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Two limiters on one Redis (two portal instances) draw from one budget;
// keys and prefixes keep budgets apart.
func TestSharedBudget(t *testing.T) {
	url, prefix := redistest.Shared(t)
	a := New(client(t, url), prefix, time.Second, slog.New(slog.DiscardHandler))
	b := New(client(t, url), prefix, time.Second, slog.New(slog.DiscardHandler))
	other := New(client(t, url), prefix+"other:", time.Second, slog.New(slog.DiscardHandler))
	ctx := context.Background()

	steps := []struct {
		l    *Limiter
		key  string
		want bool
	}{
		{a, "login|anna", true},
		{b, "login|anna", true},
		{a, "login|anna", true},
		{b, "login|anna", false}, // the fourth of 3 per minute, on the other instance
		{a, "login|anna", false},
		{a, "login|ben", true},      // another key
		{other, "login|anna", true}, // another portal sharing the Redis
	}
	for i, s := range steps {
		ok, retry, err := s.l.Allow(ctx, s.key, 3, time.Minute)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if ok != s.want {
			t.Fatalf("step %d (%s): allowed = %v, want %v", i, s.key, ok, s.want)
		}
		if !ok && (retry <= 0 || retry > 20*time.Second) {
			t.Fatalf("step %d: retryAfter = %s, want about a third of a minute at most", i, retry)
		}
	}
	if a.Down() || b.Down() {
		t.Fatal("Down() with Redis answering")
	}
}

// With Redis gone, Allow fails fast with ErrUnavailable; during the back-off
// no call goes to Redis, and the first probe after it finds Redis again.
func TestOutageAndRecovery(t *testing.T) {
	srv := redistest.Start(t)
	// A stopped server refuses connections at once, so the per-call
	// timeout is not what makes the outage calls fail fast; it only bounds
	// the calls that must succeed (a fresh dial and the rate script on the
	// restarted server), which a loaded machine can take well past 200 ms.
	l := New(client(t, srv.URL()), "p:", 10*time.Second, slog.New(slog.DiscardHandler))
	now := time.Unix(1_000_000, 0)
	l.now = func() time.Time { return now }
	ctx := context.Background()

	if ok, _, err := l.Allow(ctx, "k", 2, time.Minute); !ok || err != nil {
		t.Fatalf("before the outage: %v %v", ok, err)
	}
	srv.Stop()
	start := time.Now()
	_, _, err := l.Allow(ctx, "k", 2, time.Minute)
	t.Logf("first call into the outage: %s, %v", time.Since(start), err)
	if !errors.Is(err, ErrUnavailable) || err == ErrUnavailable {
		t.Fatalf("Redis stopped: err = %v, want ErrUnavailable wrapping the cause", err)
	}
	if !l.Down() {
		t.Fatal("Down() = false after a failed call")
	}
	srv.Resume()
	// Inside the back-off the limiter does not even try (the bare sentinel).
	if _, _, err := l.Allow(ctx, "k", 2, time.Minute); err != ErrUnavailable {
		t.Fatalf("inside the back-off: err = %v, want the bare ErrUnavailable", err)
	}
	now = now.Add(retryEvery)
	if ok, _, err := l.Allow(ctx, "k", 2, time.Minute); !ok || err != nil {
		t.Fatalf("after the back-off: %v %v", ok, err)
	}
	if l.Down() {
		t.Fatal("Down() after Redis answered again")
	}
	// A failed health check puts it down again; a good one ends the back-off at once.
	srv.Stop()
	if err := l.Ping(ctx); err == nil || !l.Down() {
		t.Fatalf("Ping with Redis stopped: %v, Down %v", err, l.Down())
	}
	srv.Resume()
	if err := l.Ping(ctx); err != nil || l.Down() {
		t.Fatalf("Ping with Redis back: %v, Down %v", err, l.Down())
	}
	// The restarted Redis is empty: the budget starts over, and counts again.
	for i := range 2 {
		if ok, _, err := l.Allow(ctx, "k", 2, time.Minute); !ok || err != nil {
			t.Fatalf("request %d of the new budget: %v %v", i, ok, err)
		}
	}
	if ok, _, _ := l.Allow(ctx, "k", 2, time.Minute); ok {
		t.Fatal("third request of 2 per minute allowed")
	}
}

func TestNoBudgetMeansNoLimit(t *testing.T) {
	l := New(client(t, redistest.DeadURL(t)), "p:", 100*time.Millisecond, nil)
	for _, c := range []struct {
		n int
		w time.Duration
	}{{0, time.Minute}, {5, 0}} {
		if ok, _, err := l.Allow(context.Background(), "k", c.n, c.w); !ok || err != nil {
			t.Fatalf("n=%d window=%s: %v %v", c.n, c.w, ok, err)
		}
	}
}
