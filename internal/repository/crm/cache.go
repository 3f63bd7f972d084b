package crm

import (
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache is a small TTL cache whose misses are collapsed with singleflight,
// so a burst of identical reads costs Vtiger one call. Keys are plain
// strings; writes invalidate by key prefix (e.g. "count|HelpDesk|").
type Cache struct {
	mu    sync.Mutex
	items map[string]cacheItem
	sf    singleflight.Group
	now   func() time.Time
	puts  int                     // stores since the last sweep of expired entries
	hook  func(prefixes []string) // cross-instance invalidation (issue 14), see OnInvalidate
}

// sweepEvery bounds memory on read-only traffic: expired entries are
// dropped after this many stores even when no write invalidates.
const sweepEvery = 1024

type cacheItem struct {
	v       any
	expires time.Time
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{items: make(map[string]cacheItem), now: time.Now}
}

// Get returns the cached value of key or loads it with fn (once for all
// concurrent callers) and keeps it for ttl. Errors are not cached. A ttl ≤ 0
// still collapses concurrent loads but keeps nothing.
func (c *Cache) Get(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	if it, ok := c.items[key]; ok && c.now().Before(it.expires) {
		c.mu.Unlock()
		return it.v, nil
	}
	c.mu.Unlock()
	v, err, _ := c.sf.Do(key, func() (any, error) {
		// The load must not die with the first caller's request context
		// while others wait on it; it keeps the values (deadline aside).
		v, err := fn(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		if ttl > 0 {
			c.mu.Lock()
			c.store(key, v, ttl)
			c.mu.Unlock()
		}
		return v, nil
	})
	return v, err
}

// Set stores v under key for ttl, for values a caller learned as a side
// effect of another read (a scan's row count, a list's visible ids).
func (c *Cache) Set(key string, v any, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.store(key, v, ttl)
}

// store keeps v under key; c.mu must be held.
func (c *Cache) store(key string, v any, ttl time.Duration) {
	now := c.now()
	c.items[key] = cacheItem{v: v, expires: now.Add(ttl)}
	if c.puts++; c.puts >= sweepEvery {
		c.puts = 0
		for k, it := range c.items {
			if !now.Before(it.expires) {
				delete(c.items, k)
			}
		}
	}
}

// Peek returns the unexpired value of key without loading it.
func (c *Cache) Peek(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[key]
	if !ok || !c.now().Before(it.expires) {
		return nil, false
	}
	return it.v, true
}

// ---- cross-instance invalidation hook (issue 14; keep through refactors) ----
// Invalidate is what a local write calls: it drops the keys here and hands
// the prefixes to the hook, which tells the other instances
// (internal/invalidation); they apply them with Drop, which does not
// announce them again.

// Cache returns the store's cache, so the app can connect it to the bus.
func (st *Store) Cache() *Cache { return st.cache }

// OnInvalidate sets the hook; call it before the cache is used.
func (c *Cache) OnInvalidate(fn func(prefixes []string)) { c.hook = fn }

// Invalidate drops every key starting with one of prefixes, here and on
// the other instances.
func (c *Cache) Invalidate(prefixes ...string) {
	c.Drop(prefixes...)
	if c.hook != nil {
		c.hook(prefixes)
	}
}

// ---- end of hook ----

// Drop drops every key starting with one of prefixes ("" drops all).
func (c *Cache) Drop(prefixes ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.items {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				delete(c.items, k)
				break
			}
		}
	}
	// Bound memory: expired entries are swept on every write-side call.
	now := c.now()
	for k, it := range c.items {
		if !now.Before(it.expires) {
			delete(c.items, k)
		}
	}
}

// getAs is Get with a typed result.
func getAs[T any](ctx context.Context, c *Cache, key string, ttl time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	v, err := c.Get(ctx, key, ttl, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}
