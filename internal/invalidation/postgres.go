package invalidation

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the transport over LISTEN/NOTIFY: NOTIFY through the pool,
// LISTEN on a connection of its own (a pooled one would be handed to
// queries). NOTIFY reaches listeners of the same database only.
type Postgres struct {
	pool    *pgxpool.Pool
	conn    *pgx.ConnConfig
	channel string
	log     *slog.Logger
}

var _ Transport = (*Postgres)(nil)

// NewPostgres publishes through pool and listens on a dedicated
// connection made from the pool's own connection settings.
func NewPostgres(pool *pgxpool.Pool, channel string, logger *slog.Logger) *Postgres {
	if logger == nil {
		logger = slog.Default()
	}
	return &Postgres{pool: pool, conn: pool.Config().ConnConfig, channel: channel, log: logger}
}

func (p *Postgres) Name() string { return "postgres" }

// Publish counts the other listeners in the same round trip: sessions of
// this database whose only statement was our LISTEN (the dedicated
// connections). Sessions of another role show no query text and are not
// counted; their instances then just are not waited for.
func (p *Postgres) Publish(ctx context.Context, payload []byte) (int, error) {
	var listeners int
	err := p.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND query = $3) FROM pg_notify($1, $2)`,
		p.channel, string(payload), p.listenSQL()).Scan(&listeners)
	if err != nil {
		return 0, err
	}
	return max(listeners-1, 0), nil
}

func (p *Postgres) listenSQL() string { return "LISTEN " + pgx.Identifier{p.channel}.Sanitize() }

// Listen connects, LISTENs and waits for notifications; any failure closes
// the connection and starts over after a back-off.
func (p *Postgres) Listen(ctx context.Context, deliver func([]byte), subscribed func(), lost func(error)) {
	failures := 0
	for ctx.Err() == nil {
		err := p.listenOnce(ctx, deliver, func() {
			if failures > 0 {
				p.log.Info("invalidation subscription back", "transport", "postgres")
			}
			failures = 0
			subscribed()
		})
		if ctx.Err() != nil {
			return
		}
		if failures == 0 {
			p.log.Warn("invalidation subscription lost; retrying", "transport", "postgres", "err", err)
		}
		failures++
		lost(err)
		if !sleep(ctx, backoff(failures)) {
			return
		}
	}
}

func (p *Postgres) listenOnce(ctx context.Context, deliver func([]byte), subscribed func()) error {
	conn, err := pgx.ConnectConfig(ctx, p.conn.Copy())
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, p.listenSQL()); err != nil {
		return err
	}
	subscribed()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		deliver([]byte(n.Payload))
	}
}
