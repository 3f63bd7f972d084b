package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

func TestIdempotencyStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	st := postgres.NewIdempotencyStore(db)
	u, other := mkUser(t, db, "11x1"), mkUser(t, db, "11x1")
	day, long := 24*time.Hour, time.Hour

	claimed, _, err := st.Claim(ctx, u.ID, "k", day, long)
	if err != nil || !claimed {
		t.Fatalf("first claim: %v %v", claimed, err)
	}
	claimed, prev, err := st.Claim(ctx, u.ID, "k", day, long)
	if err != nil || claimed || prev == nil || prev.Done {
		t.Fatalf("claim while running: %v %+v %v; want the running row", claimed, prev, err)
	}
	// Keys are per user.
	if claimed, _, err := st.Claim(ctx, other.ID, "k", day, long); err != nil || !claimed {
		t.Fatalf("other user's claim of the same key: %v %v", claimed, err)
	}
	want := domain.IdempotentAnswer{RequestHash: []byte("h"), Status: 201, ContentType: "application/json", Body: []byte(`{"id":"17x1"}`)}
	if err := st.Complete(ctx, u.ID, "k", want); err != nil {
		t.Fatal(err)
	}
	claimed, prev, err = st.Claim(ctx, u.ID, "k", day, long)
	if err != nil || claimed || !prev.Done || prev.Status != 201 || string(prev.Body) != string(want.Body) || string(prev.RequestHash) != "h" {
		t.Fatalf("claim after completion: %v %+v %v", claimed, prev, err)
	}
	// A released key runs again.
	if err := st.Release(ctx, other.ID, "k"); err != nil {
		t.Fatal(err)
	}
	if claimed, _, err := st.Claim(ctx, other.ID, "k", day, long); err != nil || !claimed {
		t.Fatalf("claim after release: %v %v", claimed, err)
	}
	// A running claim older than staleAfter belongs to a dead process.
	if claimed, _, err := st.Claim(ctx, other.ID, "k", day, -time.Second); err != nil || !claimed {
		t.Fatalf("stale claim not taken over: %v %v", claimed, err)
	}
	// Expired answers are reclaimable and pruned.
	if claimed, _, err := st.Claim(ctx, u.ID, "old", -time.Second, long); err != nil || !claimed {
		t.Fatal(claimed, err)
	}
	if claimed, _, err := st.Claim(ctx, u.ID, "old", -time.Second, long); err != nil || !claimed {
		t.Fatalf("expired key not reclaimable: %v %v", claimed, err)
	}
	n, err := st.DeleteExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
	}
	if _, prev, _ := st.Claim(ctx, u.ID, "k", day, long); prev == nil || !prev.Done {
		t.Fatal("pruning removed an unexpired answer")
	}
}
