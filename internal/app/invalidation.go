package app

import (
	"context"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/invalidation"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/service/accounts"
)

var _ accounts.Invalidations = (*invalidation.Bus)(nil)

// crmTopic carries the module engine's cache prefixes.
const crmTopic = "crm"

// pgChannel is the LISTEN/NOTIFY channel; NOTIFY stays inside one
// database, so portals on different databases never hear each other.
const pgChannel = "portal_invalidate"

// subscribeWait bounds how long start-up waits for the first subscription.
const subscribeWait = 2 * time.Second

// newBus picks the transport: Redis pub/sub when redis.url is set, else
// PostgreSQL LISTEN/NOTIFY.
func (m *Main) newBus() {
	log := m.Logger.With("component", "invalidation")
	if m.Redis != nil {
		t := invalidation.NewRedis(m.Redis, m.Config.Redis.KeyPrefix+"invalidate", log)
		m.Bus = invalidation.New(t, m.Config.Redis.Timeout, log)
	} else {
		m.Bus = invalidation.New(invalidation.NewPostgres(m.DB.Pool(), pgChannel, log), m.Config.DB.QueryTimeout, log)
	}
	m.Bus.SetAckWait(m.opts.hooks().InvalidationAckWait)
}

// shareCRMCache connects the module engine's cache to the bus: its local
// writes are announced as (module, id), the others' are dropped here.
func (m *Main) shareCRMCache() {
	cache := m.services.crm.Cache()
	bus := m.Bus
	cache.OnInvalidate(func(ch records.Change) { bus.Publish(context.Background(), crmTopic, ch.Module, ch.ID) })
	bus.Subscribe(crmTopic, func(keys []string) {
		if len(keys) != 2 {
			cache.DropAll() // not a message of ours: be safe
			return
		}
		cache.Drop(records.Change{Module: keys[0], ID: keys[1]})
	}, cache.DropAll)
}
