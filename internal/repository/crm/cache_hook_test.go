package crm

import (
	"context"
	"slices"
	"testing"
	"time"
)

// Invalidate (a local write) drops and announces; Drop (another
// instance's write) only drops, so an announcement never echoes back.
func TestCacheInvalidationHook(t *testing.T) {
	c := NewCache()
	var announced [][]string
	c.OnInvalidate(func(p []string) { announced = append(announced, p) })
	ctx := context.Background()
	put := func(keys ...string) {
		for _, k := range keys {
			_, _ = c.Get(ctx, k, time.Minute, func(context.Context) (any, error) { return k, nil })
		}
	}
	has := func(k string) bool { _, ok := c.Peek(k); return ok }

	put("count|HelpDesk|a", "count|Invoice|a", "schema|HelpDesk")
	c.Invalidate("count|HelpDesk|")
	if has("count|HelpDesk|a") || !has("count|Invoice|a") {
		t.Fatal("Invalidate dropped the wrong keys")
	}
	if len(announced) != 1 || !slices.Equal(announced[0], []string{"count|HelpDesk|"}) {
		t.Fatalf("announced %v", announced)
	}
	c.Drop("count|Invoice|")
	if has("count|Invoice|a") || len(announced) != 1 {
		t.Fatalf("Drop: kept the key or announced it (%v)", announced)
	}
	put("count|HelpDesk|b")
	c.Drop("")
	if has("count|HelpDesk|b") || has("schema|HelpDesk") {
		t.Fatal(`Drop("") left entries`)
	}
}
