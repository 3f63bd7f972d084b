// Package invalidation tells the other portal instances which cached data a
// write made stale. Reads stay in each instance's memory; only the "drop
// these keys" messages travel, over Redis pub/sub when Redis is configured
// and over PostgreSQL LISTEN/NOTIFY otherwise (every deployment has that).
//
// A message is applied by every instance but its sender, which waits (at
// most AckWait) until the others confirmed, so a response sent after the
// write is never ahead of its invalidation. Messages sent
// while an instance's subscription was down are lost, so on every
// re-subscription the instance resets the caches it subscribed (drops
// everything) instead of trusting them.
package invalidation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Transport carries the bus's messages between instances.
type Transport interface {
	// Publish sends one message to every listener, the sender included,
	// and says how many other instances listen (-1: unknown).
	Publish(ctx context.Context, payload []byte) (others int, err error)
	// Listen delivers messages until ctx ends, re-subscribing after a
	// failure; subscribed is called each time the subscription stands,
	// lost each time it fails.
	Listen(ctx context.Context, deliver func(payload []byte), subscribed func(), lost func(error))
	// Name is "redis" or "postgres" (logs).
	Name() string
}

// message is one invalidation on the wire; short keys keep it far below
// NOTIFY's 8000-byte limit.
type message struct {
	From  string   `json:"f"`
	Seq   uint64   `json:"s,omitempty"` // the sender's number for it; acknowledged by the others
	Topic string   `json:"t,omitempty"`
	Keys  []string `json:"k,omitempty"`
	All   bool     `json:"a,omitempty"` // drop everything (keys too many to send)
	// An acknowledgement: instance From applied message Ack of instance To.
	To  string `json:"o,omitempty"`
	Ack uint64 `json:"c,omitempty"`
}

// AckWait bounds how long Publish waits for the other instances to
// confirm they dropped the keys. Within it, a write's response leaves only
// after every listening instance has applied the write's invalidation, so
// the client's next request sees fresh data wherever it lands; a slow or
// vanished instance only costs the writer this much.
const AckWait = 100 * time.Millisecond

// maxPayload stays under PostgreSQL's NOTIFY payload limit (8000 bytes);
// a larger message becomes "drop everything" for its topic.
const maxPayload = 7000

type subscriber struct {
	drop  func(keys []string)
	reset func()
}

// Bus publishes this instance's invalidations and applies the others'.
type Bus struct {
	id      string
	t       Transport
	log     *slog.Logger
	timeout time.Duration
	ackWait time.Duration // AckWait unless SetAckWait

	mu     sync.RWMutex
	subs   map[string][]subscriber
	cancel context.CancelFunc
	done   chan struct{}

	seq     uint64
	waiting map[uint64]chan struct{} // acknowledgements expected, by Seq

	failing bool  // last Publish failed (log once per outage)
	lostErr error // why the subscription is down; nil while it stands
	up      bool
}

// New makes a bus over t; each Publish waits at most timeout (redis.timeout
// or db.queryTimeout, which config validation keeps positive).
func New(t Transport, timeout time.Duration, logger *slog.Logger) *Bus {
	if logger == nil {
		logger = slog.Default()
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Bus{id: hex.EncodeToString(b), t: t, log: logger, timeout: timeout, ackWait: AckWait,
		subs: map[string][]subscriber{}, waiting: map[uint64]chan struct{}{}}
}

// SetAckWait replaces AckWait for this bus; call it before Start. Tests
// that assert Publish waited for the others use a bound a loaded machine
// cannot exceed, so a slow acknowledgement does not pass for a missing
// wait.
func (b *Bus) SetAckWait(d time.Duration) {
	if d > 0 {
		b.ackWait = d
	}
}

// ID is this instance's id on the bus.
func (b *Bus) ID() string { return b.id }

// Subscribe applies the other instances' invalidations of topic: drop gets
// their keys, reset is called when messages may have been missed. Call it
// before Start.
func (b *Bus) Subscribe(topic string, drop func(keys []string), reset func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[topic] = append(b.subs[topic], subscriber{drop: drop, reset: reset})
}

// Start listens in the background until Close. It waits up to wait for
// the first subscription, so an instance that starts serving already hears
// the others' writes; a transport that is down is retried in the
// background.
func (b *Bus) Start(ctx context.Context, wait time.Duration) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.cancel = cancel
	b.done = make(chan struct{})
	first := make(chan struct{})
	var once sync.Once
	subscribedBefore := false
	go func() {
		defer close(b.done)
		b.t.Listen(ctx, b.deliver, func() {
			if subscribedBefore {
				// Whatever was published while we were away is lost. The
				// caches go before Subscribed says ok: a readiness check
				// that passes must not be followed by a pre-outage copy.
				b.log.Info("invalidation bus subscribed again: dropping the caches it feeds", "transport", b.t.Name())
				b.resetAll()
			}
			b.mu.Lock()
			b.up, b.lostErr = true, nil
			b.mu.Unlock()
			subscribedBefore = true
			once.Do(func() { close(first) })
		}, func(err error) {
			b.mu.Lock()
			b.up, b.lostErr = false, err
			b.mu.Unlock()
		})
	}()
	select {
	case <-first:
	case <-time.After(wait):
		b.log.Warn("invalidation bus not subscribed yet; other instances' writes reach this one once it is", "transport", b.t.Name())
	}
}

// Subscribed reports whether the bus hears the other instances now
// (readiness): nil while subscribed, else why not.
func (b *Bus) Subscribed(context.Context) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.up {
		return nil
	}
	if b.lostErr != nil {
		return b.lostErr
	}
	return errNotYet
}

var errNotYet = errors.New("invalidation: not subscribed yet")

// Close stops listening.
func (b *Bus) Close() {
	if b.cancel != nil {
		b.cancel()
		<-b.done
	}
}

// Publish tells the other instances to drop keys of topic, and returns
// once they have confirmed (at most AckWait): a response sent after it is
// not overtaken by its own invalidation. Failures are logged, not returned:
// the write itself succeeded, and the other instances' copies expire with
// their TTL.
func (b *Bus) Publish(ctx context.Context, topic string, keys ...string) {
	b.mu.Lock()
	b.seq++
	seq := b.seq
	acks := make(chan struct{}, 64)
	b.waiting[seq] = acks
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.waiting, seq)
		b.mu.Unlock()
	}()

	payload, err := json.Marshal(message{From: b.id, Seq: seq, Topic: topic, Keys: keys})
	if err == nil && len(payload) > maxPayload {
		payload, err = json.Marshal(message{From: b.id, Seq: seq, Topic: topic, All: true})
	}
	if err != nil {
		b.log.Error("invalidation message", "err", err)
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.timeout)
	others, err := b.t.Publish(pctx, payload)
	cancel()
	b.noteFailure(err)
	if err != nil || others <= 0 {
		return
	}
	timer := time.NewTimer(b.ackWait)
	defer timer.Stop()
	for range others {
		select {
		case <-acks:
		case <-timer.C:
			b.log.Debug("invalidation not confirmed by every instance in time", "topic", topic, "instances", others)
			return
		}
	}
}

// noteFailure logs the first failed publish of an outage and the recovery.
func (b *Bus) noteFailure(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err != nil && !b.failing:
		b.failing = true
		b.log.Warn("cannot announce cache invalidations: other instances serve their cached copies until they expire", "transport", b.t.Name(), "err", err)
	case err == nil && b.failing:
		b.failing = false
		b.log.Info("cache invalidations announced again", "transport", b.t.Name())
	}
}

// ack confirms message seq of instance to, off the listening goroutine.
func (b *Bus) ack(to string, seq uint64) {
	payload, _ := json.Marshal(message{From: b.id, To: to, Ack: seq})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
		defer cancel()
		_, _ = b.t.Publish(ctx, payload)
	}()
}

func (b *Bus) deliver(payload []byte) {
	var m message
	if err := json.Unmarshal(payload, &m); err != nil || m.From == b.id {
		return
	}
	if m.Ack != 0 {
		if m.To == b.id {
			b.mu.RLock()
			ch := b.waiting[m.Ack]
			b.mu.RUnlock()
			if ch != nil {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
		return
	}
	b.mu.RLock()
	subs := b.subs[m.Topic]
	b.mu.RUnlock()
	b.log.Debug("invalidation from another instance", "topic", m.Topic, "from", m.From, "keys", len(m.Keys), "all", m.All)
	for _, s := range subs {
		if m.All {
			s.reset()
		} else {
			s.drop(m.Keys)
		}
	}
	if m.Seq != 0 {
		b.ack(m.From, m.Seq)
	}
}

func (b *Bus) resetAll() {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, subs := range b.subs {
		for _, s := range subs {
			s.reset()
		}
	}
}

// backoff is the wait before the n-th reconnection attempt: quick at
// first, at most two seconds.
func backoff(n int) time.Duration {
	d := 50 * time.Millisecond << min(n, 6)
	return min(d, 2*time.Second)
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
