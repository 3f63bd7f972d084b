package records

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// Cache is the engine's one TTL cache; misses are collapsed with
// singleflight, so a burst of identical reads costs Vtiger one call. Keys
// are typed (cacheKey); what a write makes stale is decided in one place,
// Invalidate.
type Cache struct {
	mu    sync.Mutex
	hook  func(Change) // hears every local write (OnInvalidate)
	items map[cacheKey]cacheItem
	sf    singleflight.Group
	now   func() time.Time
	puts  int // stores since the last sweep of expired entries
}

// sweepEvery bounds memory on read-only traffic: expired entries are
// dropped after this many stores even when no write invalidates.
const sweepEvery = 1024

// cacheKind names what an entry holds; Invalidate decides per kind.
type cacheKind uint8

const (
	kindCount           cacheKind = iota + 1 // list total: module, detail = count VTQL (embeds the scope)
	kindList                                 // public catalogue page: module, detail = page parameters
	kindParents                              // visible parent ids: module, scope
	kindStats                                // dashboard numbers: scope
	kindVisible                              // record passed the scope check: id, module, scope
	kindAccountContacts                      // contact ids of an account: scope
	kindCompany                              // the company card
	kindManager                              // a CRM user's card: id
	kindCurrency                             // a Currency record: id
	kindImage                                // product image: id = attachment id
	kindUser                                 // comment author: id
)

// cacheKey is one entry's identity. Fields a kind does not use stay empty.
type cacheKey struct {
	kind   cacheKind
	module string
	id     string
	scope  string // scopeOf(customer)
	detail string
}

// Change is what one write touched; Invalidate derives the stale entries.
type Change struct {
	Module string // Vtiger module written
	ID     string // record written ("" for a create)
}

type cacheItem struct {
	v       any
	expires time.Time
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{items: make(map[cacheKey]cacheItem), now: time.Now}
}

// Get returns the cached value of key or loads it with fn (once for all
// concurrent callers) and keeps it for ttl. Errors are not cached. A ttl ≤ 0
// still collapses concurrent loads but keeps nothing.
func (c *Cache) Get(ctx context.Context, key cacheKey, ttl time.Duration, fn func(ctx context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	if it, ok := c.items[key]; ok && c.now().Before(it.expires) {
		c.mu.Unlock()
		return it.v, nil
	}
	c.mu.Unlock()
	v, err, _ := c.sf.Do(key.String(), func() (any, error) {
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
func (c *Cache) Set(key cacheKey, v any, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.store(key, v, ttl)
}

// store keeps v under key; c.mu must be held.
func (c *Cache) store(key cacheKey, v any, ttl time.Duration) {
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
func (c *Cache) Peek(key cacheKey) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.items[key]
	if !ok || !c.now().Before(it.expires) {
		return nil, false
	}
	return it.v, true
}

// Invalidate is THE seam for cache invalidation: every engine write calls
// it, and nothing else drops entries. A write to a module makes stale its
// list totals and cached pages, every customer's visible-parent lists and
// dashboard numbers (both aggregate over modules), and, for a revise, the
// record's "passed the scope check" entries for every scope.
// Local writes call it; another instance's writes arrive through Drop, so
// an announcement never echoes back.
func (c *Cache) Invalidate(ch Change) {
	c.Drop(ch)
	c.mu.Lock()
	hook := c.hook
	c.mu.Unlock()
	if hook != nil {
		hook(ch)
	}
}

// OnInvalidate registers fn to hear every local write's Change: the
// cross-instance bus announces it to the other instances.
func (c *Cache) OnInvalidate(fn func(Change)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hook = fn
}

// Drop applies a write's Change without announcing it (another instance's
// write).
func (c *Cache) Drop(ch Change) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.items {
		if ch.stales(k) {
			delete(c.items, k)
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

// DropAll empties the cache: after a lost subscription, writes of other
// instances may have gone unheard.
func (c *Cache) DropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.items)
}

// stales reports whether the write ch makes the entry k stale.
func (ch Change) stales(k cacheKey) bool {
	switch k.kind {
	case kindCount, kindList:
		return k.module == ch.Module
	case kindParents, kindStats:
		return true
	case kindVisible:
		return ch.ID != "" && k.id == ch.ID
	}
	return false
}

// String is the key's singleflight identity; the separator cannot occur
// in module names, ids or scopes.
func (k cacheKey) String() string {
	return strconv.Itoa(int(k.kind)) + "\x00" + k.module + "\x00" + k.id + "\x00" + k.scope + "\x00" + k.detail
}

// scopeOf is the cache scope of a customer: entries computed for one
// account/contact pair never serve another.
func scopeOf(c domain.Customer) string { return c.AccountID + "|" + c.ContactID }

// getAs is Get with a typed result.
func getAs[T any](ctx context.Context, c *Cache, key cacheKey, ttl time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	v, err := c.Get(ctx, key, ttl, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}
