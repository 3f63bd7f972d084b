package invalidation

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/redistest"
)

// guard only keeps a broken bus from hanging the test; delivery is
// normally a millisecond away, but a loaded CI machine can stall any
// goroutine for seconds.
const guard = 15 * time.Second

type event struct {
	keys  []string
	reset bool
}

// recorder is one instance's cache as the bus sees it.
type recorder chan event

func (r recorder) drop(keys []string) { r <- event{keys: keys} }
func (r recorder) reset()             { r <- event{reset: true} }

func (r recorder) next(t *testing.T) event {
	t.Helper()
	select {
	case e := <-r:
		return e
	case <-time.After(guard):
		t.Fatal("no invalidation arrived")
		return event{}
	}
}

// quiet checks nothing is pending once a later message has arrived (the
// transports keep order, so an earlier one would have come first).
func (r recorder) quiet(t *testing.T) {
	t.Helper()
	select {
	case e := <-r:
		t.Fatalf("unexpected invalidation %+v", e)
	default:
	}
}

func newRedisClient(t testing.TB, url string) *redis.Client {
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

func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.NewEmpty(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

type transports map[string]func(t testing.TB) func() Transport

var kinds = transports{
	"redis": func(t testing.TB) func() Transport {
		url, prefix := redistest.Shared(t)
		return func() Transport {
			return NewRedis(newRedisClient(t, url), prefix+"invalidate", slog.New(slog.DiscardHandler))
		}
	},
	"postgres": func(t testing.TB) func() Transport {
		pool := newPool(t)
		return func() Transport { return NewPostgres(pool, "portal_invalidate", slog.New(slog.DiscardHandler)) }
	},
}

func startBus(t testing.TB, tr Transport, topics ...string) (*Bus, map[string]recorder) {
	t.Helper()
	b := New(tr, time.Second, slog.New(slog.DiscardHandler))
	// Publish waits for the acknowledgements at most this long; AckWait
	// (100 ms) is for serving, a test that checks the wait must not fail
	// because the machine was slow.
	b.SetAckWait(guard)
	recs := map[string]recorder{}
	for _, topic := range topics {
		r := make(recorder, 16)
		b.Subscribe(topic, r.drop, r.reset)
		recs[topic] = r
	}
	b.Start(context.Background(), guard)
	t.Cleanup(b.Close)
	return b, recs
}

// Three instances: a write on one reaches the two others, by topic, and
// never comes back to its sender.
func TestOthersApplySenderIgnores(t *testing.T) {
	for name, kind := range kinds {
		t.Run(name, func(t *testing.T) {
			mk := kind(t)
			a, ra := startBus(t, mk(), "crm", "profile")
			b, rb := startBus(t, mk(), "crm", "profile")
			_, rc := startBus(t, mk(), "crm")

			a.Publish(context.Background(), "crm", "count|HelpDesk|", "list|HelpDesk|")
			for _, r := range []recorder{rb["crm"], rc["crm"]} {
				if e := r.next(t); e.reset || !slices.Equal(e.keys, []string{"count|HelpDesk|", "list|HelpDesk|"}) {
					t.Fatalf("got %+v", e)
				}
			}
			b.Publish(context.Background(), "profile", "contact|12x7")
			if e := ra["profile"].next(t); !slices.Equal(e.keys, []string{"contact|12x7"}) {
				t.Fatalf("profile: %+v", e)
			}
			// A's own crm message was not applied by A; B's profile message not by B.
			a.Publish(context.Background(), "profile", "marker")
			if e := rb["profile"].next(t); !slices.Equal(e.keys, []string{"marker"}) {
				t.Fatalf("marker: %+v", e)
			}
			ra["crm"].quiet(t)
			rb["profile"].quiet(t)
			ra["profile"].quiet(t)
		})
	}
}

// Publish returns only after the other instances applied the message, so
// a response sent after a write cannot reach a client before the others
// dropped their copies.
func TestPublishWaitsForTheOthers(t *testing.T) {
	for name, kind := range kinds {
		t.Run(name, func(t *testing.T) {
			mk := kind(t)
			a, _ := startBus(t, mk(), "crm")
			_, rb := startBus(t, mk(), "crm")
			_, rc := startBus(t, mk(), "crm")
			for round := range 20 {
				a.Publish(context.Background(), "crm", "count|HelpDesk|")
				for i, r := range []recorder{rb["crm"], rc["crm"]} {
					select {
					case <-r:
					default:
						t.Fatalf("round %d: instance %d had not applied the message when Publish returned", round, i+2)
					}
				}
			}
		})
	}
}

// A message too large for NOTIFY is sent as "drop everything" of its topic.
func TestOversizedMessageResets(t *testing.T) {
	for name, kind := range kinds {
		t.Run(name, func(t *testing.T) {
			mk := kind(t)
			a, _ := startBus(t, mk(), "crm")
			_, rb := startBus(t, mk(), "crm")
			keys := make([]string, 500)
			for i := range keys {
				keys[i] = "visible|" + strings.Repeat("9", 20) + "|"
			}
			a.Publish(context.Background(), "crm", keys...)
			if e := rb["crm"].next(t); !e.reset {
				t.Fatalf("got %+v, want a reset", e)
			}
		})
	}
}

// Messages sent while a subscription was down are lost: when it stands
// again every subscriber resets, then messages flow again.
func TestResubscriptionResets(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		mk := func() Transport {
			return NewRedis(newRedisClient(t, srv.URL()), "p:invalidate", slog.New(slog.DiscardHandler))
		}
		a, _ := startBus(t, mk(), "crm")
		// b's subscribers note whether readiness already said ok while
		// they were being reset: a request let through by it could still
		// find a pre-outage copy.
		b := New(mk(), time.Second, slog.New(slog.DiscardHandler))
		b.SetAckWait(guard)
		var readyDuringReset atomic.Bool
		rb := map[string]recorder{}
		for _, topic := range []string{"crm", "profile"} {
			r := make(recorder, 16)
			b.Subscribe(topic, r.drop, func() {
				if b.Subscribed(context.Background()) == nil {
					readyDuringReset.Store(true)
				}
				r.reset()
			})
			rb[topic] = r
		}
		b.Start(context.Background(), guard)
		t.Cleanup(b.Close)
		if err := b.Subscribed(context.Background()); err != nil {
			t.Fatalf("Subscribed after Start: %v", err)
		}
		srv.Stop()
		a.Publish(context.Background(), "crm", "lost") // fails, logged
		for deadline := time.Now().Add(guard); b.Subscribed(context.Background()) == nil; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("Subscribed still nil with Redis stopped")
			}
		}
		srv.Resume()
		for _, topic := range []string{"crm", "profile"} {
			if e := rb[topic].next(t); !e.reset {
				t.Fatalf("%s after re-subscription: %+v, want a reset (the lost message never arrives)", topic, e)
			}
		}
		if readyDuringReset.Load() {
			t.Fatal("Subscribed said ok before the caches were reset")
		}
		expectDelivered(t, a, rb["crm"])
		if err := b.Subscribed(context.Background()); err != nil {
			t.Fatalf("Subscribed after recovery: %v", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		pool := newPool(t)
		mk := func() Transport { return NewPostgres(pool, "portal_invalidate", slog.New(slog.DiscardHandler)) }
		a, _ := startBus(t, mk(), "crm")
		_, rb := startBus(t, mk(), "crm")
		// Kill the listening connections, as a PostgreSQL restart would.
		if _, err := pool.Exec(context.Background(),
			`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			  WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`); err != nil {
			t.Fatal(err)
		}
		if e := rb["crm"].next(t); !e.reset {
			t.Fatalf("after the listener was killed: %+v, want a reset", e)
		}
		expectDelivered(t, a, rb["crm"])
	})
}

// expectDelivered: once re-subscribed, a's next message reaches r.
func expectDelivered(t *testing.T, a *Bus, r recorder) {
	t.Helper()
	a.Publish(context.Background(), "crm", "after")
	if e := r.next(t); !slices.Equal(e.keys, []string{"after"}) {
		t.Fatalf("after recovery: %+v", e)
	}
	r.quiet(t)
}

// BenchmarkDelivery is the time from Publish on one instance to the drop
// on another (the issue asks for well under 100 ms): ns/op is that latency.
func BenchmarkDelivery(b *testing.B) {
	for name, kind := range kinds {
		b.Run(name, func(b *testing.B) {
			mk := kind(b)
			a, _ := startBus(b, mk(), "crm")
			_, rb := startBus(b, mk(), "crm")
			b.ResetTimer()
			for range b.N {
				a.Publish(context.Background(), "crm", "count|HelpDesk|")
				<-rb["crm"]
			}
		})
	}
}

// Whoever can publish on the channel (Redis and PostgreSQL are shared)
// may send anything: malformed payloads are ignored, never applied as a
// drop and never a crash, and the next real message still arrives.
func TestMalformedMessagesAreIgnored(t *testing.T) {
	for name, kind := range kinds {
		t.Run(name, func(t *testing.T) {
			mk := kind(t)
			_, rb := startBus(t, mk(), "crm")
			a, _ := startBus(t, mk(), "crm")
			raw := mk()
			deep := strings.Repeat(`{"k":`, 5000) + "1" + strings.Repeat("}", 5000)
			for _, p := range []string{"", "not json", "null", "[]", `"str"`, `{"f":1}`, `{"f":"x","t":"crm","k":"notalist"}`,
				`{"f":"x","t":"crm","k":[1,2]}`, `{"f":"x","t":"crm","k":[null,{"a":1}]}`, `{"f":"x","t":["crm"]}`,
				`{"f":"x","c":1,"o":"nobody"}`, `{"f":"x","s":-1,"t":"crm","k":["a"]}`, `{"f":"x","s":1e400,"t":"crm"}`,
				deep, "\xff\xfe{"} {
				if _, err := raw.Publish(context.Background(), []byte(p)); err != nil {
					t.Logf("transport refused %.20q: %v", p, err)
				}
			}
			a.Publish(context.Background(), "crm", "after|garbage")
			if e := rb["crm"].next(t); e.reset || !slices.Equal(e.keys, []string{"after|garbage"}) {
				t.Fatalf("first event after the garbage: %+v, want the real message", e)
			}
			rb["crm"].quiet(t)
		})
	}
}
