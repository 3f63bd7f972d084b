package accounts

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCRMCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := newCRMCache(30*time.Second, 0, func() time.Time { return now })
	ctx := context.Background()
	loads := 0
	value := "v1"
	load := func(context.Context) (map[string]any, error) {
		loads++
		return map[string]any{"title": value}, nil
	}
	get := func() string {
		t.Helper()
		rec, err := c.get(ctx, "contact|12x1", load)
		if err != nil {
			t.Fatal(err)
		}
		return rec["title"].(string)
	}

	steps := []struct {
		name      string
		before    func()
		want      string
		wantLoads int
	}{
		{"first read loads", nil, "v1", 1},
		{"second read is cached", func() { value = "v2" }, "v1", 1},
		{"a caller's change does not reach the cache", func() {
			rec, _ := c.get(ctx, "contact|12x1", load)
			rec["title"] = "mutated"
		}, "v1", 1},
		{"forget drops the entry at once", func() { c.forget("contact|12x1") }, "v2", 2},
		{"expiry reloads", func() { value, now = "v3", now.Add(31*time.Second) }, "v3", 3},
		{"cached again", func() { value = "v4" }, "v3", 3},
		{"clear (missed invalidations) drops everything", func() { c.clear() }, "v4", 4},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		if got := get(); got != s.want || loads != s.wantLoads {
			t.Fatalf("%s: got %q after %d loads, want %q after %d", s.name, got, loads, s.want, s.wantLoads)
		}
	}

	// A load that overlapped a write is served but not kept.
	_, err := c.get(ctx, "account|11x1", func(context.Context) (map[string]any, error) {
		c.forget("account|11x1")
		return map[string]any{"accountname": "old"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := c.get(ctx, "account|11x1", func(context.Context) (map[string]any, error) {
		return map[string]any{"accountname": "new"}, nil
	})
	if rec["accountname"] != "new" {
		t.Fatalf("stale load was kept: %v", rec)
	}

	// Failures are not cached.
	boom := errors.New("crm down")
	if _, err := c.get(ctx, "contact|12x2", func(context.Context) (map[string]any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	rec, err = c.get(ctx, "contact|12x2", func(context.Context) (map[string]any, error) { return map[string]any{"ok": true}, nil })
	if err != nil || rec["ok"] != true {
		t.Fatalf("after a failure: %v, %v", rec, err)
	}
}

// Past ttl and within stale, a read is served the old value at once and
// starts one background refresh; past stale it waits for the load.
func TestCRMCacheStaleWhileRevalidate(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := newCRMCache(30*time.Second, 5*time.Minute, clock)
	ctx := context.Background()
	var loads atomic.Int32
	var value atomic.Value
	value.Store("v1")
	// The background refresh waits for release, so the stale readers below
	// cannot race it to the new value.
	release := make(chan struct{})
	get := func() string {
		t.Helper()
		rec, err := c.get(ctx, "contact|12x1", func(context.Context) (map[string]any, error) {
			if loads.Add(1) == 2 {
				<-release
			}
			return map[string]any{"title": value.Load().(string)}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return rec["title"].(string)
	}
	if got := get(); got != "v1" || loads.Load() != 1 {
		t.Fatalf("first read %q after %d loads", got, loads.Load())
	}
	value.Store("v2")
	advance(31 * time.Second)
	for range 5 { // stale: every reader gets the old value, one refresh runs
		if got := get(); got != "v1" {
			t.Fatalf("stale read %q, want the old value at once", got)
		}
	}
	close(release)
	c.wg.Wait()
	if loads.Load() != 2 {
		t.Fatalf("%d loads, want one background refresh", loads.Load())
	}
	if got := get(); got != "v2" || loads.Load() != 2 {
		t.Fatalf("after the refresh %q (%d loads), want v2 from memory", got, loads.Load())
	}
	value.Store("v3")
	advance(6 * time.Minute)
	if got := get(); got != "v3" || loads.Load() != 3 {
		t.Fatalf("past stale %q (%d loads), want a waited-for load", got, loads.Load())
	}
}
