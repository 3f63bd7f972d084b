package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
)

func TestActivityStore(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := postgres.NewActivityStore(db)
	now := time.Now().UTC().Truncate(time.Microsecond)
	add := func(contact, account, module, record string, at time.Time) *domain.Activity {
		t.Helper()
		a := &domain.Activity{CreatedAt: at, UserID: 1, Email: contact + "@example.com", ContactID: contact,
			AccountID: account, Method: "POST", Route: "/tickets", Module: module, Action: "create",
			RecordID: record, Status: 201, Changes: []domain.FieldChange{{Field: "ticket_title", New: "Printer"},
				{Field: "password", Redacted: true}}}
		if err := s.Insert(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	annaOld := add("12x1", "11x1", "HelpDesk", "17x1", now.Add(-3*time.Hour))
	annaNew := add("12x1", "11x1", "HelpDesk", "17x2", now.Add(-time.Hour))
	colleague := add("12x2", "11x1", "HelpDesk", "17x1", now.Add(-2*time.Hour))
	colleagueProfile := add("12x2", "11x1", domain.ActivityProfile, "12x2", now)
	ben := add("12x3", "11x2", "HelpDesk", "17x9", now)
	loner := add("12x4", "", "HelpDesk", "17x8", now)

	ids := func(list []domain.Activity) []int64 {
		var out []int64
		for _, a := range list {
			out = append(out, a.ID)
		}
		return out
	}
	private := domain.PersonalActivityModules
	cases := []struct {
		name  string
		q     domain.ActivityQuery
		want  []*domain.Activity
		total int
	}{
		{"organisation, newest first, colleague's profile hidden",
			domain.ActivityQuery{Scoped: true, AccountID: "11x1", ContactID: "12x1", PrivateModules: private},
			[]*domain.Activity{annaNew, colleague, annaOld}, 3},
		{"own profile visible to its owner",
			domain.ActivityQuery{Scoped: true, AccountID: "11x1", ContactID: "12x2", PrivateModules: private},
			[]*domain.Activity{colleagueProfile, annaNew, colleague, annaOld}, 4},
		{"one record", domain.ActivityQuery{Scoped: true, AccountID: "11x1", ContactID: "12x1", RecordID: "17x1"},
			[]*domain.Activity{colleague, annaOld}, 2},
		{"other organisation's record id is empty",
			domain.ActivityQuery{Scoped: true, AccountID: "11x1", ContactID: "12x1", RecordID: "17x9"}, nil, 0},
		{"paged", domain.ActivityQuery{Scoped: true, AccountID: "11x1", ContactID: "12x1", PrivateModules: private, Limit: 1, Offset: 1},
			[]*domain.Activity{colleague}, 3},
		{"contact without organisation sees only its own",
			domain.ActivityQuery{Scoped: true, ContactID: "12x4"}, []*domain.Activity{loner}, 1},
		{"scoped without contact sees nothing", domain.ActivityQuery{Scoped: true, AccountID: "11x1"}, nil, 0},
		{"operator by e-mail", domain.ActivityQuery{Email: "12X3@EXAMPLE.com"}, []*domain.Activity{ben}, 1},
		{"operator since", domain.ActivityQuery{Since: now.Add(-90 * time.Minute), Limit: 100},
			[]*domain.Activity{loner, ben, colleagueProfile, annaNew}, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, total, err := s.List(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			want := ids(nil)
			for _, a := range tc.want {
				want = append(want, a.ID)
			}
			// Entries with the same created_at come newest id first.
			if g := ids(got); !slices.Equal(g, want) || total != tc.total {
				t.Fatalf("got %v (total %d), want %v (total %d)", g, total, want, tc.total)
			}
		})
	}

	got, _, err := s.List(ctx, domain.ActivityQuery{RecordID: "17x2"})
	if err != nil || len(got) != 1 {
		t.Fatalf("List record 17x2 = %v, %v", got, err)
	}
	a := got[0]
	if a.Email != "12x1@example.com" || a.Module != "HelpDesk" || a.Status != 201 || !a.CreatedAt.Equal(annaNew.CreatedAt) ||
		len(a.Changes) != 2 || a.Changes[0].New != "Printer" || !a.Changes[1].Redacted || a.Changes[1].New != nil {
		t.Errorf("round trip = %+v", a)
	}

	// Append-only: the database itself refuses an update.
	if _, err := db.Pool().Exec(ctx, `UPDATE activity SET module = 'x' WHERE id = $1`, a.ID); err == nil ||
		!strings.Contains(err.Error(), "append-only") {
		t.Errorf("update of an activity row: err = %v, want append-only refusal", err)
	}

	n, err := s.DeleteBefore(ctx, now.Add(-150*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("DeleteBefore = %d, %v; want 1 (only the 3h-old entry)", n, err)
	}
	if got, _, _ := s.List(ctx, domain.ActivityQuery{RecordID: "17x1"}); len(got) != 1 || got[0].ID != colleague.ID {
		t.Errorf("after prune record 17x1 = %v, want only the colleague's entry", ids(got))
	}
}
