// Package ratelimit counts requests in Redis, so every portal instance
// behind a balancer draws from the same budget. The counting is
// go-redis/redis_rate's GCRA script; this package only adds the key prefix,
// a per-call timeout and a short back-off after a failure, and logs when
// Redis goes away and comes back. What a failure means for the request
// (serve it, or count it in process instead) is the HTTP layer's choice.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// ErrUnavailable is returned while Redis is considered down: for retryEvery
// after a failed call no request waits for Redis again.
var ErrUnavailable = errors.New("ratelimit: redis unavailable")

// retryEvery is how long a failure keeps requests off Redis. One probe per
// interval finds out when it is back; everyone else answers at once.
const retryEvery = time.Second

// Limiter is the shared counter.
type Limiter struct {
	rdb     redis.UniversalClient
	lim     *redis_rate.Limiter
	prefix  string
	timeout time.Duration
	log     *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	down    bool
	retryAt time.Time
	probing bool
}

// New counts in rdb under keys starting with prefix; each call gives up
// after timeout.
func New(rdb redis.UniversalClient, prefix string, timeout time.Duration, logger *slog.Logger) *Limiter {
	if logger == nil {
		logger = slog.Default()
	}
	return &Limiter{rdb: rdb, lim: redis_rate.NewLimiter(rdb), prefix: prefix + "rl:", timeout: timeout, log: logger, now: time.Now}
}

// Allow counts one request under key against a budget of n per window
// (n at once, then one more every window/n). When it is not allowed,
// retryAfter says when the next one will be.
func (l *Limiter) Allow(ctx context.Context, key string, n int, window time.Duration) (allowed bool, retryAfter time.Duration, err error) {
	if n <= 0 || window <= 0 {
		return true, 0, nil
	}
	if !l.mayCall() {
		return false, 0, ErrUnavailable
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
	defer cancel()
	res, err := l.lim.Allow(cctx, l.prefix+key, redis_rate.Limit{Rate: n, Burst: n, Period: window})
	l.record(err)
	if err != nil {
		return false, 0, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if res.Allowed > 0 {
		return true, 0, nil
	}
	return false, res.RetryAfter, nil
}

// Ping checks Redis (readiness). Its answer counts like a limiter call's:
// a health check that reaches Redis ends the back-off at once, so shared
// limits are back as soon as /readyz says so.
func (l *Limiter) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	err := l.rdb.Ping(ctx).Err()
	l.record(err)
	return err
}

// Down reports whether the last call to Redis failed.
func (l *Limiter) Down() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.down
}

// mayCall lets every call through while Redis is up, and one probe per
// retryEvery while it is down.
func (l *Limiter) mayCall() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.down {
		return true
	}
	if l.probing || l.now().Before(l.retryAt) {
		return false
	}
	l.probing = true
	return true
}

func (l *Limiter) record(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.probing = false
	switch {
	case err != nil && !l.down:
		l.down = true
		l.retryAt = l.now().Add(retryEvery)
		l.log.Warn("redis unavailable: rate limits count per instance until it is back (the per-IP limit is off, the auth limits are local)", "err", err)
	case err != nil:
		l.retryAt = l.now().Add(retryEvery)
	case l.down:
		l.down = false
		l.log.Info("redis reachable again: rate limits are shared across instances")
	}
}
