package records

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/testutil"
	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

type cacheEnv struct {
	svc  *Engine
	sim  *vtigersim.Server
	demo *vtigersim.Demo
	anna domain.Customer // Acme
	ben  domain.Customer // Globex
}

func newCacheEnv(t *testing.T, mutate ...func(*config.Config)) *cacheEnv {
	t.Helper()
	b := vtigertest.Sim(t)
	sim, demo := b.Sim, b.Demo
	cfg := config.Default()
	cfg.Vtiger.Business.DefaultUser = demo.AdminUserID
	for _, m := range mutate {
		m(&cfg)
	}
	svc, err := New(b.Client(t), cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &cacheEnv{svc: svc, sim: sim, demo: demo,
		anna: domain.Customer{ContactID: demo.Contacts["anna"], AccountID: demo.Accounts["acme"], FirstName: "Anna", LastName: "Becker"},
		ben:  domain.Customer{ContactID: demo.Contacts["ben"], AccountID: demo.Accounts["globex"], FirstName: "Ben", LastName: "Fischer"},
	}
}

func ticketTarget(id string) Target { return Target{Module: "HelpDesk", ID: id} }

// A record one customer has just loaded must never pass another
// customer's access check through the visible-record cache.
func TestVisibleCacheKeepsScope(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	ticket := e.demo.Tickets["acme"][0]
	if _, err := e.svc.Get(ctx, e.anna, ticketTarget(ticket)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Size: 50}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"comments", func() error { _, err := e.svc.Comments(ctx, e.ben, ticketTarget(ticket), ListParams{}); return err }},
		{"documents", func() error { _, err := e.svc.Documents(ctx, e.ben, ticketTarget(ticket), ListParams{}); return err }},
		{"file", func() error { _, err := e.svc.File(ctx, e.ben, ticketTarget(ticket), "15x1"); return err }},
		{"no contact", func() error {
			_, err := e.svc.Comments(ctx, domain.Customer{AccountID: e.anna.AccountID}, ticketTarget(ticket), ListParams{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("got %v, want not found", err)
			}
		})
	}
	// Anna herself passes without the record being retrieved again.
	e.sim.ResetCounters()
	if _, err := e.svc.Documents(ctx, e.anna, ticketTarget(ticket), ListParams{}); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.Calls()["retrieve"]; n != 0 {
		t.Fatalf("documents after the ticket page retrieved %d times, want 0", n)
	}
}

// A task's cached visibility is tied to its project: another project id in
// the URL is still a 404.
func TestVisibleCacheKeepsParent(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	projects := e.demo.Projects["acme"]
	var task, project, other string
	for _, p := range projects {
		res, err := e.svc.List(ctx, e.anna, Target{Module: "ProjectTask", ParentID: p}, ListParams{Fields: []string{"projecttaskname", "projectid"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Data) > 0 && task == "" {
			task, project = res.Data[0].String("id"), p
		} else if other == "" {
			other = p
		}
	}
	if task == "" || other == "" {
		t.Fatalf("demo data: need a task and a second project, got %v", projects)
	}
	if _, err := e.svc.Get(ctx, e.anna, Target{Module: "ProjectTask", ID: task, ParentID: project}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Get(ctx, e.anna, Target{Module: "ProjectTask", ID: task, ParentID: other})
	testutil.WantCode(t, err, domain.ENOTFOUND) // a task under the wrong project
	_, err = e.svc.Get(ctx, e.ben, Target{Module: "Project", ID: project})
	testutil.WantCode(t, err, domain.ENOTFOUND) // another customer's project
}

func TestNewCommentShowsAtOnce(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	ticket := e.demo.Tickets["acme"][0]
	before, err := e.svc.Comments(ctx, e.anna, ticketTarget(ticket), ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddComment(ctx, e.anna, ticketTarget(ticket), "cache test comment"); err != nil {
		t.Fatal(err)
	}
	after, err := e.svc.Comments(ctx, e.anna, ticketTarget(ticket), ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Count != before.Count+1 || len(after.Data) != len(before.Data)+1 || !slices.ContainsFunc(after.Data, func(r vtiger.Record) bool { return r.String("commentcontent") == "cache test comment" }) {
		t.Fatalf("comments after adding: %d (before %d)", after.Count, before.Count)
	}
}

// Statistics prime the list count; a write invalidates both at once.
func TestCountsFollowWrites(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	stats, err := e.svc.Statistics(ctx, e.anna)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.ResetCounters()
	list, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	if float64(list.Count) != stats.Tickets["total"] {
		t.Fatalf("list count %d, statistics total %v", list.Count, stats.Tickets["total"])
	}
	if n := e.sim.Calls()["query"]; n != 0 {
		t.Fatalf("list after statistics made %d queries, want 0 (page and count known from the scan)", n)
	}

	var open string
	for _, r := range list.Data {
		if r.String("ticketstatus") == "Open" {
			open = r.String("id")
			break
		}
	}
	if open == "" {
		full, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Size: 100, Filters: map[string]string{"ticketstatus": "Open"}})
		if err != nil || len(full.Data) == 0 {
			t.Fatalf("no open ticket: %v", err)
		}
		open = full.Data[0].String("id")
	}
	if _, err := e.svc.SetTicketStatus(ctx, e.anna, open, "Closed"); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Statistics(ctx, e.anna)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tickets["Open"] != stats.Tickets["Open"]-1 || got.Tickets["Closed"] != stats.Tickets["Closed"]+1 {
		t.Fatalf("after closing: open %v→%v, closed %v→%v", stats.Tickets["Open"], got.Tickets["Open"], stats.Tickets["Closed"], got.Tickets["Closed"])
	}

	if _, err := e.svc.CreateTicket(ctx, e.anna, TicketInput{Title: "count me"}); err != nil {
		t.Fatal(err)
	}
	list2, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	if list2.Count != list.Count+1 {
		t.Fatalf("count after create %d, want %d", list2.Count, list.Count+1)
	}
	// Ben's count is his own, whatever Anna primed.
	benList, err := e.svc.List(ctx, e.ben, Target{Module: "HelpDesk"}, ListParams{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	if benList.Count != len(benList.Data) || benList.Count == list2.Count {
		t.Fatalf("ben's count %d for %d rows (anna %d)", benList.Count, len(benList.Data), list2.Count)
	}
}

// The project list's task statistics cover the page's projects only, and
// only the customer's.
func TestProjectStatisticsScope(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Statistics(ctx, e.anna); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.List(ctx, e.anna, Target{Module: "Project"}, ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Data) == 0 {
		t.Fatal("no projects")
	}
	for _, p := range res.Data {
		st, ok := p["statistics"].(map[string]float64)
		if !ok {
			t.Fatalf("project %s has no statistics", p.String("id"))
		}
		tasks, err := e.svc.List(ctx, e.anna, Target{Module: "ProjectTask", ParentID: p.String("id")}, ListParams{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		if int(st["total_tasks"]) != len(tasks.Data) {
			t.Fatalf("project %s: statistics say %v tasks, list has %d", p.String("id"), st["total_tasks"], len(tasks.Data))
		}
		one, err := e.svc.Get(ctx, e.anna, Target{Module: "Project", ID: p.String("id")})
		if err != nil {
			t.Fatal(err)
		}
		if got := one["statistics"].(map[string]float64)["total_tasks"]; got != st["total_tasks"] {
			t.Fatalf("project %s: detail says %v tasks, list %v", p.String("id"), got, st["total_tasks"])
		}
	}
	// Ben's projects never include Anna's.
	benRes, err := e.svc.List(ctx, e.ben, Target{Module: "Project"}, ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range benRes.Data {
		if slices.Contains(e.demo.Projects["acme"], p.String("id")) {
			t.Fatalf("ben sees acme project %s", p.String("id"))
		}
	}
}

// The dashboard's "Closed" bucket counts the configured closed status,
// whatever the CRM calls it.
func TestStatisticsUseConfiguredClosedStatus(t *testing.T) {
	ctx := context.Background()
	std := newCacheEnv(t)
	want, err := std.svc.Statistics(ctx, std.anna)
	if err != nil {
		t.Fatal(err)
	}
	if want.Tickets["Open"] == 0 {
		t.Fatal("the demo data has no open Acme tickets; the test cannot tell the buckets apart")
	}
	custom := newCacheEnv(t, func(c *config.Config) { c.Vtiger.Business.Tickets.ClosedStatus = "Open" })
	got, err := custom.svc.Statistics(ctx, custom.anna)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tickets["Closed"] != want.Tickets["Open"] || got.Tickets["Open"] != 0 {
		t.Errorf("closedStatus Open: Closed = %v, Open = %v; want Closed = %v, Open = 0", got.Tickets["Closed"], got.Tickets["Open"], want.Tickets["Open"])
	}
	if got.Tickets["Closed-Days"] != want.Tickets["Open-days"] || got.Tickets["total"] != want.Tickets["total"] {
		t.Errorf("closedStatus Open: Closed-Days = %v, total = %v; want %v, %v", got.Tickets["Closed-Days"], got.Tickets["total"], want.Tickets["Open-days"], want.Tickets["total"])
	}
}
