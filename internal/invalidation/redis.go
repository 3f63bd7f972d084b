package invalidation

import (
	"context"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// Redis is the transport over Redis pub/sub.
type Redis struct {
	rdb     redis.UniversalClient
	channel string
	log     *slog.Logger
}

var _ Transport = (*Redis)(nil)

// NewRedis uses channel (give it the portal's key prefix) on rdb.
func NewRedis(rdb redis.UniversalClient, channel string, logger *slog.Logger) *Redis {
	if logger == nil {
		logger = slog.Default()
	}
	return &Redis{rdb: rdb, channel: channel, log: logger}
}

func (r *Redis) Name() string { return "redis" }

// Publish's count comes from PUBLISH itself: the subscribers that got the
// message, this instance's own subscription included.
func (r *Redis) Publish(ctx context.Context, payload []byte) (int, error) {
	n, err := r.rdb.Publish(ctx, r.channel, payload).Result()
	if err != nil {
		return 0, err
	}
	return int(n) - 1, nil
}

// Listen owns its subscription: after any receive error it closes it and
// subscribes anew, so a restarted Redis is found again without relying on
// the client's internal reconnects.
func (r *Redis) Listen(ctx context.Context, deliver func([]byte), subscribed func(), lost func(error)) {
	failures := 0
	for ctx.Err() == nil {
		ps := r.rdb.Subscribe(ctx, r.channel)
		// A blocked Receive does not watch ctx; closing the subscription ends it.
		stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
		for {
			msg, err := ps.Receive(ctx)
			if err != nil {
				if ctx.Err() == nil {
					if failures == 0 {
						r.log.Warn("invalidation subscription lost; retrying", "transport", "redis", "err", err)
					}
					failures++
					lost(err)
				}
				break
			}
			switch m := msg.(type) {
			case *redis.Subscription:
				if m.Kind == "subscribe" {
					if failures > 0 {
						r.log.Info("invalidation subscription back", "transport", "redis")
					}
					failures = 0
					subscribed()
				}
			case *redis.Message:
				deliver([]byte(m.Payload))
			}
		}
		stop()
		_ = ps.Close()
		if !sleep(ctx, backoff(failures)) {
			return
		}
	}
}
