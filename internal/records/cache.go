package records

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/singleflight"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// Cache is the engine's one cache: a size-bounded store (otter, weighed by
// an estimate of each value's bytes) with two policies.
//
//   - Get keeps a value for a fixed ttl (company card, counts, scope
//     helpers): the read-mostly and helper entries.
//   - Read is stale-while-revalidate for customer reads: younger than
//     fresh it is served; up to stale it is served and refreshed once in
//     the background; older (or never seen) it waits for the load.
//
// Misses are collapsed with singleflight, so a burst of identical reads
// costs Vtiger one call. Keys are typed (cacheKey); what a write makes
// stale is decided in one place, Invalidate.
type Cache struct {
	store *otter.Cache[cacheKey, *cacheItem]
	sf    singleflight.Group
	now   func() time.Time

	fresh, stale   time.Duration // Read windows; stale 0 = Read never caches
	refreshTimeout time.Duration // bound of one background refresh
	log            *slog.Logger

	// gen counts invalidations: a load that began before one never stores
	// its (possibly pre-write) result, so an own write stays visible.
	mu   sync.RWMutex
	gen  uint64
	hook func(Change) // hears every local write (OnInvalidate)

	refreshing sync.Map // cacheKey → struct{}: background refresh running
	// wg tracks background refreshes (tests wait for them).
	wg sync.WaitGroup

	hits, misses, staleHits, refreshes, refreshErrors atomic.Int64
}

// CacheOptions configure NewCache; zero values mean "off" or "small".
type CacheOptions struct {
	Fresh, Stale   time.Duration
	MaxBytes       int64
	RefreshTimeout time.Duration
	Logger         *slog.Logger
}

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
	kindScopedList                           // customer list page: module, scope, detail = page parameters (+ parent)
	kindRecord                               // customer record page: module, id, scope, detail = parent
	kindRelated                              // comments/documents of a record: module = related module, id = record, scope
	kindTaskStats                            // dashboard in-progress tasks: scope
	kindProjectStats                         // one project's task statistics: id = project, scope
	kindWindow                               // a list query's first rows from a scan: module, detail = VTQL (embeds the scope)
)

// cacheKey is one entry's identity. Fields a kind does not use stay empty.
// Every customer-read kind carries scope (account and contact): an entry
// computed for one customer never serves another.
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
	Parent string // record the write hangs off (comment's, document's, task's record), if any
}

type cacheItem struct {
	v      any
	fresh  time.Time // served without a refresh until then
	expire time.Time // served at all until then
	weight uint32
}

// NewCache returns an empty cache bounded by o.MaxBytes (at least 1 MB).
func NewCache(o CacheOptions) *Cache {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RefreshTimeout <= 0 {
		o.RefreshTimeout = 30 * time.Second
	}
	c := &Cache{now: time.Now, fresh: o.Fresh, stale: o.Stale, refreshTimeout: o.RefreshTimeout, log: o.Logger}
	c.store = otter.Must(&otter.Options[cacheKey, *cacheItem]{
		MaximumWeight: uint64(max(o.MaxBytes, 1<<20)),
		Weigher:       func(_ cacheKey, it *cacheItem) uint32 { return it.weight },
		// The store drops an entry once nothing may serve it; c.now
		// decides freshness (tests move it), otter only frees memory.
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[cacheKey, *cacheItem]) time.Duration {
			return max(time.Until(e.Value.expire), time.Second)
		}),
	})
	return c
}

// generation returns the current invalidation generation.
func (c *Cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put stores v unless an invalidation happened since gen.
func (c *Cache) put(key cacheKey, v any, gen uint64, fresh, expire time.Duration) {
	now := c.now()
	it := &cacheItem{v: v, fresh: now.Add(fresh), expire: now.Add(expire), weight: weigh(key, v)}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen == gen {
		c.store.Set(key, it)
	}
}

// lookup returns the live item of key.
func (c *Cache) lookup(key cacheKey) (*cacheItem, bool) {
	it, ok := c.store.GetIfPresent(key)
	if !ok || !c.now().Before(it.expire) {
		return nil, false
	}
	return it, true
}

// load runs fn once for all concurrent callers of key and stores the
// result for fresh/expire. Errors are not cached.
func (c *Cache) load(ctx context.Context, key cacheKey, fresh, expire time.Duration, fn func(ctx context.Context) (any, error)) (any, error) {
	ch := c.sf.DoChan(key.String(), func() (any, error) {
		gen := c.generation()
		// The load must not die with the first caller's request context
		// while others wait on it; it keeps the values (deadline aside).
		v, err := fn(context.WithValue(context.WithoutCancel(ctx), genKey{}, gen))
		if err != nil {
			return nil, err
		}
		if expire > 0 {
			c.put(key, v, gen, fresh, expire)
		}
		return v, nil
	})
	// Each caller still leaves when its own context ends (a request at the
	// shutdown deadline, a stopped job); the load goes on for the others
	// and, when it succeeds, still fills the cache.
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, vtiger.DomainError(fmt.Errorf("records: waiting for %s: %w", key.module, ctx.Err()), key.module)
	}
}

// Get returns the cached value of key or loads it with fn (once for all
// concurrent callers) and keeps it for ttl. Errors are not cached. A ttl ≤ 0
// still collapses concurrent loads but keeps nothing.
func (c *Cache) Get(ctx context.Context, key cacheKey, ttl time.Duration, fn func(ctx context.Context) (any, error)) (any, error) {
	if it, ok := c.lookup(key); ok {
		return it.v, nil
	}
	return c.load(ctx, key, ttl, ttl, fn)
}

// Read is Get under the stale-while-revalidate policy of customer reads
// (cache.fresh, cache.stale). With cache.stale 0 it only collapses
// concurrent identical loads and keeps nothing — the portal's behaviour
// before SWR.
func (c *Cache) Read(ctx context.Context, key cacheKey, fn func(ctx context.Context) (any, error)) (any, error) {
	if c.stale <= 0 {
		return c.load(ctx, key, 0, 0, fn)
	}
	it, ok := c.lookup(key)
	if !ok {
		c.misses.Add(1)
		return c.load(ctx, key, c.fresh, c.stale, fn)
	}
	if c.now().Before(it.fresh) {
		c.hits.Add(1)
		return it.v, nil
	}
	c.staleHits.Add(1)
	c.refresh(ctx, key, fn)
	return it.v, nil
}

// refresh reloads key in the background, once however many readers see
// it stale. A failure keeps the stale value (it expires on its own).
func (c *Cache) refresh(ctx context.Context, key cacheKey, fn func(ctx context.Context) (any, error)) {
	if _, running := c.refreshing.LoadOrStore(key, struct{}{}); running {
		return
	}
	c.refreshes.Add(1)
	c.wg.Add(1)
	// Detached from the request (it answers before the refresh ends) but
	// bounded, and keeping the request's values (logging attributes).
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.refreshTimeout)
	go func() {
		defer c.wg.Done()
		defer cancel()
		defer c.refreshing.Delete(key)
		if _, err := c.load(rctx, key, c.fresh, c.stale, fn); err != nil {
			c.refreshErrors.Add(1)
			c.log.WarnContext(rctx, "cache refresh failed; serving the stale value", "kind", int(key.kind), "module", key.module, "err", err)
		}
	}()
}

// Set stores v under key for ttl, for values a caller learned as a side
// effect of another read (a scan's row count, a list's visible ids). Inside
// a load, ctx carries the generation the load began in: what it learned
// before a write is not stored after it.
func (c *Cache) Set(ctx context.Context, key cacheKey, v any, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	gen, ok := ctx.Value(genKey{}).(uint64)
	if !ok {
		gen = c.generation()
	}
	c.put(key, v, gen, ttl, ttl)
}

// genKey carries a load's starting generation in its context.
type genKey struct{}

// Peek returns the unexpired value of key without loading it.
func (c *Cache) Peek(key cacheKey) (any, bool) {
	it, ok := c.lookup(key)
	if !ok {
		return nil, false
	}
	return it.v, true
}

// Invalidate is THE seam for cache invalidation: every engine write calls
// it before answering, and nothing else drops entries. A write to a module
// makes stale its list totals and pages (public and per customer), every
// customer's visible-parent lists and dashboard numbers (both aggregate
// over modules), and, for a revise, the record's own entries for every
// scope; a write hanging off a record (comment, document, task) drops
// that record's related lists and page. Loads that began before the write
// do not store their result (generation), so the writer's next read waits
// for Vtiger and sees the write. Cross-instance invalidation hooks in here.
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
	c.gen++
	for k := range c.store.Keys() {
		if ch.stales(k) {
			c.store.Invalidate(k)
		}
	}
}

// DropAll empties the cache: after a lost subscription, writes of other
// instances may have gone unheard.
func (c *Cache) DropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.store.InvalidateAll()
}

// listsShow names the module whose list pages embed figures of another's
// records: a project page carries its task statistics.
var listsShow = map[string]string{"ProjectTask": "Project"}

// stales reports whether the write ch makes the entry k stale.
func (ch Change) stales(k cacheKey) bool {
	touched := func(id string) bool { return id != "" && (id == ch.ID || id == ch.Parent) }
	switch k.kind {
	case kindCount, kindList, kindScopedList, kindWindow:
		// A task list is keyed by its project (module ProjectTask), a
		// comment on a ticket changes no ticket list, but a module's own
		// lists always go.
		return k.module == ch.Module || listsShow[ch.Module] == k.module
	case kindParents, kindStats, kindTaskStats, kindProjectStats:
		return true
	case kindVisible:
		return ch.ID != "" && k.id == ch.ID
	case kindRecord:
		return touched(k.id)
	case kindRelated:
		return touched(k.id) || k.module == ch.Module && ch.ID != "" && ch.Parent == ""
	}
	return false
}

// CacheStats are the cache's counters and size for /metrics.
type CacheStats struct {
	Hits, Misses, Stale, Refreshes, RefreshErrors int64
	Entries                                       int
	Bytes, MaxBytes                               uint64
}

// Stats returns the counters of Read and the store's estimated size.
func (c *Cache) Stats() CacheStats {
	return CacheStats{
		Hits: c.hits.Load(), Misses: c.misses.Load(), Stale: c.staleHits.Load(),
		Refreshes: c.refreshes.Load(), RefreshErrors: c.refreshErrors.Load(),
		Entries: c.store.EstimatedSize(), Bytes: c.store.WeightedSize(), MaxBytes: c.store.GetMaximum(),
	}
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

// readAs is Read with a typed result.
func readAs[T any](ctx context.Context, c *Cache, key cacheKey, fn func(ctx context.Context) (T, error)) (T, error) {
	v, err := c.Read(ctx, key, func(ctx context.Context) (any, error) { return fn(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// entryOverhead approximates a cache entry's bookkeeping (key, item,
// otter node) beyond its value.
const entryOverhead = 160

// weigh estimates the bytes an entry holds: cheap (one pass over the
// records it keeps, strings by length), not exact — the bound is a budget.
func weigh(k cacheKey, v any) uint32 {
	n := entryOverhead + len(k.module) + len(k.id) + len(k.scope) + len(k.detail) + sizeOf(v, 0)
	return uint32(min(n, 1<<31))
}

func sizeOf(v any, depth int) int {
	if depth > 6 {
		return 16
	}
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return 16 + len(x)
	case []byte:
		return 24 + len(x)
	case vtiger.Record:
		return mapSize(x, depth)
	case map[string]any:
		return mapSize(x, depth)
	case []vtiger.Record:
		n := 24
		for _, r := range x {
			n += 8 + mapSize(r, depth)
		}
		return n
	case []any:
		n := 24
		for _, e := range x {
			n += 16 + sizeOf(e, depth+1)
		}
		return n
	case []string:
		n := 24
		for _, s := range x {
			n += 16 + len(s)
		}
		return n
	case map[string]float64:
		n := 48
		for k := range x {
			n += 32 + len(k)
		}
		return n
	case ListResult:
		return 32 + sizeOf(x.Data, depth+1)
	case Statistics:
		return 512
	case sizer:
		return x.cacheSize()
	}
	return 64
}

// sizer is a cached value that knows its size estimate.
type sizer interface{ cacheSize() int }

func mapSize(m map[string]any, depth int) int {
	n := 48
	for k, v := range m {
		n += 32 + len(k) + sizeOf(v, depth+1)
	}
	return n
}
