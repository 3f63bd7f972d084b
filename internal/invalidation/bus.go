// Package invalidation tells the other portal instances which cached data a
// write made stale. Reads stay in each instance's memory; only the "drop
// these keys" messages travel, over Redis pub/sub when Redis is configured
// and over PostgreSQL LISTEN/NOTIFY otherwise (every deployment has that).
//
// A message is applied by every instance but its sender. Messages sent
// while an instance's subscription was down are lost, so on every
// re-subscription the instance resets the caches it subscribed (drops
// everything) instead of trusting them.
package invalidation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"sync"
	"time"
)

// Transport carries the bus's messages between instances.
type Transport interface {
	// Publish sends one message to every listener, the sender included.
	Publish(ctx context.Context, payload []byte) error
	// Listen delivers messages until ctx ends, re-subscribing after a
	// failure; subscribed is called each time the subscription stands.
	Listen(ctx context.Context, deliver func(payload []byte), subscribed func())
	// Name is "redis" or "postgres" (logs).
	Name() string
}

// message is one invalidation on the wire; short keys keep it far below
// NOTIFY's 8000-byte limit.
type message struct {
	From  string   `json:"f"`
	Topic string   `json:"t"`
	Keys  []string `json:"k,omitempty"`
	All   bool     `json:"a,omitempty"` // drop everything (keys too many to send)
}

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

	mu     sync.RWMutex
	subs   map[string][]subscriber
	cancel context.CancelFunc
	done   chan struct{}

	failing bool // last Publish failed (log once per outage)
}

// New makes a bus over t; each Publish waits at most timeout.
func New(t Transport, timeout time.Duration, logger *slog.Logger) *Bus {
	if logger == nil {
		logger = slog.Default()
	}
	if timeout <= 0 {
		timeout = time.Second
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Bus{id: hex.EncodeToString(b), t: t, log: logger, timeout: timeout, subs: map[string][]subscriber{}}
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
				// Whatever was published while we were away is lost.
				b.log.Info("invalidation bus subscribed again: dropping the caches it feeds", "transport", b.t.Name())
				b.resetAll()
			}
			subscribedBefore = true
			once.Do(func() { close(first) })
		})
	}()
	select {
	case <-first:
	case <-time.After(wait):
		b.log.Warn("invalidation bus not subscribed yet; other instances' writes reach this one once it is", "transport", b.t.Name())
	}
}

// Close stops listening.
func (b *Bus) Close() {
	if b.cancel != nil {
		b.cancel()
		<-b.done
	}
}

// Publish tells the other instances to drop keys of topic. It returns once
// the transport took the message (so a response sent after it cannot
// overtake it); failures are logged, not returned: the write itself
// succeeded, and the other instances' copies expire with their TTL.
func (b *Bus) Publish(ctx context.Context, topic string, keys ...string) {
	m := message{From: b.id, Topic: topic, Keys: keys}
	payload, err := json.Marshal(m)
	if err == nil && len(payload) > maxPayload {
		payload, err = json.Marshal(message{From: b.id, Topic: topic, All: true})
	}
	if err != nil {
		b.log.Error("invalidation message", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.timeout)
	defer cancel()
	err = b.t.Publish(ctx, payload)
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

func (b *Bus) deliver(payload []byte) {
	var m message
	if err := json.Unmarshal(payload, &m); err != nil || m.From == b.id {
		return
	}
	b.mu.RLock()
	subs := b.subs[m.Topic]
	b.mu.RUnlock()
	for _, s := range subs {
		if m.All {
			s.reset()
		} else {
			s.drop(m.Keys)
		}
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
