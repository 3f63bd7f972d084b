package postgres_test

import (
	"context"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

// Of concurrent claims of one comment exactly one wins; an unclaimed
// comment can be claimed again.
func TestTicketMailClaimOnce(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewTicketMailStore(newDB(t))
	m := postgres.TicketMail{CommentID: "31x9", TicketID: "17x3", ContactID: "12x5", Email: "anna@acme.example"}
	if wins := concurrentWins(t, 8, func() (bool, error) { return s.Claim(ctx, m) }); wins != 1 {
		t.Fatalf("%d concurrent claims won, want 1", wins)
	}
	if ok, err := s.Claim(ctx, m); err != nil || ok {
		t.Fatalf("claim again: %v %v", ok, err)
	}
	if err := s.Unclaim(ctx, m.CommentID); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Claim(ctx, m); err != nil || !ok {
		t.Fatalf("claim after unclaim: %v %v", ok, err)
	}
	sent, err := s.Sent(ctx, "17x3")
	if err != nil || len(sent) != 1 || sent[0] != m {
		t.Fatalf("Sent = %+v, %v", sent, err)
	}
}

// The watermark starts unset and only moves forward.
func TestTicketMailWatermark(t *testing.T) {
	ctx := context.Background()
	s := postgres.NewTicketMailStore(newDB(t))
	if _, ok, err := s.Watermark(ctx); err != nil || ok {
		t.Fatalf("fresh watermark: ok %v, %v", ok, err)
	}
	for _, step := range []struct{ set, want string }{
		{"2026-03-01 10:00:00", "2026-03-01 10:00:00"},
		{"2026-01-01 00:00:00", "2026-03-01 10:00:00"},
		{"2026-03-01 10:00:01", "2026-03-01 10:00:01"},
	} {
		if err := s.SetWatermark(ctx, step.set); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.Watermark(ctx); err != nil || !ok || got != step.want {
			t.Fatalf("after setting %s: %q %v %v, want %s", step.set, got, ok, err, step.want)
		}
	}
}
