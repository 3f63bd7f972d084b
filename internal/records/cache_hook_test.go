package records

import (
	"context"
	"testing"
	"time"
)

// Invalidate (a local write) drops and announces; Drop (another
// instance's write) only drops, so an announcement never echoes back.
func TestCacheInvalidationHook(t *testing.T) {
	c := NewCache(CacheOptions{MaxBytes: 1 << 20})
	var announced []Change
	c.OnInvalidate(func(ch Change) { announced = append(announced, ch) })
	ctx := context.Background()
	tickets := cacheKey{kind: kindCount, module: "HelpDesk", detail: "a"}
	invoices := cacheKey{kind: kindCount, module: "Invoice", detail: "a"}
	company := cacheKey{kind: kindCompany}
	put := func(keys ...cacheKey) {
		for _, k := range keys {
			_, _ = c.Get(ctx, k, time.Minute, func(context.Context) (any, error) { return k.module, nil })
		}
	}
	has := func(k cacheKey) bool { _, ok := c.Peek(k); return ok }

	put(tickets, invoices, company)
	c.Invalidate(Change{Module: "HelpDesk"})
	if has(tickets) || !has(invoices) {
		t.Fatal("Invalidate dropped the wrong keys")
	}
	if len(announced) != 1 || announced[0] != (Change{Module: "HelpDesk"}) {
		t.Fatalf("announced %v", announced)
	}
	c.Drop(Change{Module: "Invoice"})
	if has(invoices) || len(announced) != 1 {
		t.Fatalf("Drop: kept the key or announced it (%v)", announced)
	}
	put(tickets)
	c.DropAll()
	if has(tickets) || has(company) {
		t.Fatal("DropAll left entries")
	}
}
