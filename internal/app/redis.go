package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/portalcrm/vtiger-portal/internal/ratelimit"
)

// openRedis connects to redis.url when it is set. An unreachable Redis at
// start-up is not fatal: like an outage later, the portal serves with
// local limits and /readyz says "degraded" until it answers.
func (m *Main) openRedis(ctx context.Context) error {
	rc := m.Config.Redis
	if rc.URL == "" {
		return nil
	}
	redisLogOnce.Do(func() { redis.SetLogger(redisLog{}) })
	opts, err := redis.ParseURL(rc.URL)
	if err != nil {
		return fmt.Errorf("redis.url: %w", err)
	}
	opts.DialTimeout = rc.Timeout
	opts.ReadTimeout = rc.Timeout
	opts.WriteTimeout = rc.Timeout
	// A rate-limit step is not idempotent: a retried one would count twice.
	opts.MaxRetries = -1
	// A Redis that refuses connections is an outage to notice at once, not
	// one to retry dialling for the whole timeout of every request.
	opts.DialerRetries = 1
	opts.DialerRetryTimeout = time.Millisecond
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	opts.ContextTimeoutEnabled = true
	m.Redis = redis.NewClient(opts)
	m.limiter = ratelimit.New(m.Redis, rc.KeyPrefix, rc.Timeout, m.Logger.With("component", "ratelimit"))
	pctx, cancel := context.WithTimeout(ctx, rc.Timeout)
	defer cancel()
	if err := m.Redis.Ping(pctx).Err(); err != nil {
		m.Logger.Warn("redis not reachable at start-up: serving with per-instance limits until it is", "err", err)
	}
	return nil
}

// redisReady is the /readyz check of Redis; a success also ends the rate
// limiter's back-off.
func (m *Main) redisReady(ctx context.Context) error { return m.limiter.Ping(ctx) }

// redisLog sends go-redis's own messages (dial failures while Redis is
// down, one per attempt) to slog at debug level: the portal reports the
// outage itself, once, as a warning.
type redisLog struct{}

func (redisLog) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, fmt.Sprintf(format, v...), "component", "redis")
}

var redisLogOnce sync.Once
