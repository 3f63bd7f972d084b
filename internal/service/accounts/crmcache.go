package accounts

import (
	"context"
	"maps"
	"strings"
	"sync"
	"time"
)

// profileTTL bounds how stale a Contact or Account read served from the
// profile cache may be when it was changed in the CRM itself; the user's
// own writes through the portal drop the entry at once.
const profileTTL = 30 * time.Second

// crmCache keeps the Contact and Account records behind /users/my for
// profileTTL: the frontend asks for the profile on every page, and each
// read is a Vtiger retrieve. Keys are record ids, which a caller has
// already taken from the authenticated user, so an entry can only be
// served to whoever may read that record anyway.
//
// Past ttl an entry is still served for stale (cache.stale), and that read
// starts one background refresh of it: stale-while-revalidate, like the
// module engine's customer reads. stale 0 turns that off.
type crmCache struct {
	mu         sync.Mutex
	items      map[string]crmCacheItem
	ttl        time.Duration
	stale      time.Duration
	now        func() time.Time
	gen        uint64 // bumped by forget: a load that overlapped a write is not kept
	refreshing map[string]bool
	wg         sync.WaitGroup // background refreshes (tests wait for them)
}

type crmCacheItem struct {
	v       any
	expires time.Time // end of fresh
	dies    time.Time // end of stale: dropped after
}

// refreshTimeout bounds one background refresh.
const refreshTimeout = 30 * time.Second

func newCRMCache(ttl, stale time.Duration, now func() time.Time) *crmCache {
	return &crmCache{items: make(map[string]crmCacheItem), ttl: ttl, stale: max(stale, 0), now: now, refreshing: map[string]bool{}}
}

// get returns a copy of the record cached under key or loads it with
// load. Failures are not cached.
func (c *crmCache) get(ctx context.Context, key string, load func(context.Context) (map[string]any, error)) (map[string]any, error) {
	v, err := c.getAny(ctx, key, func(ctx context.Context) (any, error) {
		rec, err := load(ctx)
		return maps.Clone(rec), err
	})
	if err != nil {
		return nil, err
	}
	return maps.Clone(v.(map[string]any)), nil
}

// getAny is get for any value; the caller copies what it hands out.
func (c *crmCache) getAny(ctx context.Context, key string, load func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	it, ok := c.items[key]
	gen := c.gen
	now := c.now()
	switch {
	case ok && now.Before(it.expires):
		c.mu.Unlock()
		return it.v, nil
	case ok && now.Before(it.dies):
		if !c.refreshing[key] {
			c.refreshing[key] = true
			c.wg.Add(1)
			go c.refresh(context.WithoutCancel(ctx), key, gen, load)
		}
		c.mu.Unlock()
		return it.v, nil
	}
	c.mu.Unlock()
	v, err := load(ctx)
	if err != nil {
		return nil, err
	}
	c.store(key, gen, v)
	return v, nil
}

// refresh reloads key in the background; a failure keeps the stale value.
func (c *crmCache) refresh(ctx context.Context, key string, gen uint64, load func(context.Context) (any, error)) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	v, err := load(ctx)
	if err == nil {
		c.store(key, gen, v)
	}
	c.mu.Lock()
	delete(c.refreshing, key)
	c.mu.Unlock()
}

// store keeps v under key unless a write came since the load began (gen).
func (c *crmCache) store(key string, gen uint64, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	now := c.now()
	for k, old := range c.items {
		if !now.Before(old.dies) {
			delete(c.items, k)
		}
	}
	exp := now.Add(c.ttl)
	c.items[key] = crmCacheItem{v: v, expires: exp, dies: exp.Add(c.stale)}
}

// colleaguesPrefix starts the keys of cached colleague lists; any contact
// write drops them all (a colleague's name or e-mail may have changed).
const colleaguesPrefix = "colleagues|"

// forget drops key after a write to its record, and every colleague list.
func (c *crmCache) forget(key string) {
	c.mu.Lock()
	delete(c.items, key)
	for k := range c.items {
		if strings.HasPrefix(k, colleaguesPrefix) {
			delete(c.items, k)
		}
	}
	c.gen++
	c.mu.Unlock()
}

// clear drops everything: another instance's invalidations may have been
// missed.
func (c *crmCache) clear() {
	c.mu.Lock()
	clear(c.items)
	c.gen++
	c.mu.Unlock()
}

// ProfileTopic is the invalidation topic of the profile cache; its keys
// are the cache's own ("contact|12x7").
const ProfileTopic = "profile"

// forgetEverywhere drops key here and on the other instances.
func (s *Service) forgetEverywhere(ctx context.Context, key string) {
	s.crm.forget(key)
	if s.d.Invalidations != nil {
		s.d.Invalidations.Publish(ctx, ProfileTopic, key)
	}
}

// cachedContact is Contacts.Contact through the profile cache.
func (s *Service) cachedContact(ctx context.Context, id string) (map[string]any, error) {
	return s.crm.get(ctx, "contact|"+id, func(ctx context.Context) (map[string]any, error) {
		return s.d.Contacts.Contact(ctx, id)
	})
}

// cachedAccount is Contacts.Account through the profile cache.
func (s *Service) cachedAccount(ctx context.Context, id string) (map[string]any, error) {
	return s.crm.get(ctx, "account|"+id, func(ctx context.Context) (map[string]any, error) {
		return s.d.Contacts.Account(ctx, id)
	})
}

// reviseContact is Contacts.ReviseContact that also drops the cached copy.
func (s *Service) reviseContact(ctx context.Context, id string, fields map[string]any) (map[string]any, error) {
	rec, err := s.d.Contacts.ReviseContact(ctx, id, fields)
	// Dropped on failure too: a timed-out revise may still have been applied.
	s.forgetEverywhere(ctx, "contact|"+id)
	return rec, err
}
