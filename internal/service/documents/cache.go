package documents

import (
	"container/list"
	"sync"
)

// lru keeps the most recently used rendered PDFs, at most max of them.
// Keys carry the record's modifiedtime, so an edited record simply misses
// and its old versions age out.
type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recent; values are *entry
	byKey map[string]*list.Element
}

type entry struct {
	key string
	pdf []byte
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *lru) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry).pdf, true
}

func (c *lru) put(key string, pdf []byte) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		el.Value.(*entry).pdf = pdf
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&entry{key: key, pdf: pdf})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*entry).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
