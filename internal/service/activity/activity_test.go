package activity_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/jobs"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/activity"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
)

func newService(t *testing.T, mutate func(*config.Config)) (*activity.Service, *postgres.DB) {
	t.Helper()
	db := postgres.NewFromPool(pgtest.New(t), 0)
	cfg := config.Default()
	if mutate != nil {
		mutate(&cfg)
	}
	svc, err := activity.New(postgres.NewActivityStore(db), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc, db
}

func entry(contact, account, module, record string, at time.Time) domain.Activity {
	return domain.Activity{CreatedAt: at, UserID: 1, Email: contact + "@example.com", ContactID: contact, AccountID: account,
		Method: "PATCH", Route: "/tickets/{id}", Module: module, Action: "status", RecordID: record, Status: 200}
}

// The retention prune, run by the background job under its advisory lock,
// deletes exactly the entries older than audit.retention.
func TestPruneDeletesOnlyOldEntries(t *testing.T) {
	ctx := context.Background()
	svc, db := newService(t, func(c *config.Config) { c.Audit.Retention = 30 * 24 * time.Hour })
	now := time.Now()
	ages := map[string]time.Duration{"17x1": 400 * 24 * time.Hour, "17x2": 31 * 24 * time.Hour,
		"17x3": 29 * 24 * time.Hour, "17x4": time.Minute}
	for rec, age := range ages {
		if err := svc.Record(ctx, entry("12x1", "11x1", "HelpDesk", rec, now.Add(-age))); err != nil {
			t.Fatal(err)
		}
	}
	r := jobs.New(db, nil)
	r.AddStandard(jobs.Standard{Audit: config.Audit{Enabled: true, Retention: 30 * 24 * time.Hour, PruneInterval: time.Hour}, Activity: svc})
	ran, err := r.RunOnce(ctx, jobs.NameActivityPrune)
	if err != nil || !ran {
		t.Fatalf("prune job ran=%v err=%v", ran, err)
	}
	list, total, err := svc.ForCustomer(ctx, domain.Customer{UserID: 1, ContactID: "12x1", AccountID: "11x1"}, "", 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, a := range list {
		left = append(left, a.RecordID)
	}
	slices.Sort(left)
	if total != 2 || !slices.Equal(left, []string{"17x3", "17x4"}) {
		t.Fatalf("after prune: %v (total %d), want the 29-day and 1-minute entries", left, total)
	}
	// While another instance holds the lock, this one skips the run.
	release, ok, err := db.TryAdvisoryLock(ctx, jobs.KeyActivityPrune)
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	defer release()
	if ran, err := r.RunOnce(ctx, jobs.NameActivityPrune); ran || err != nil {
		t.Fatalf("prune under a held lock: ran=%v err=%v", ran, err)
	}
}

// Modules configured with visibility "contact" are as private as the
// personal ones.
func TestContactVisibilityModulesArePrivate(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, func(c *config.Config) {
		c.Vtiger.Business.Modules = map[string]config.ModuleConfig{"HelpDesk": {Visibility: "contact"}}
	})
	now := time.Now()
	for _, a := range []domain.Activity{
		entry("12x1", "11x1", "HelpDesk", "17x1", now),
		entry("12x2", "11x1", "HelpDesk", "17x2", now),
		entry("12x2", "11x1", "Project", "20x1", now),
		entry("12x2", "11x1", domain.ActivitySettings, "12x2", now),
	} {
		if err := svc.Record(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	list, total, err := svc.ForCustomer(ctx, domain.Customer{UserID: 1, ContactID: "12x1", AccountID: "11x1"}, "", 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	var recs []string
	for _, a := range list {
		recs = append(recs, a.RecordID)
	}
	slices.Sort(recs)
	if total != 2 || !slices.Equal(recs, []string{"17x1", "20x1"}) {
		t.Fatalf("12x1 sees %v (total %d), want own ticket and the shared project", recs, total)
	}
	if err := svc.Record(ctx, domain.Activity{Method: "POST"}); domain.ErrorCode(err) != domain.EINTERNAL {
		t.Errorf("entry without user and route: %v", err)
	}
}

// ChildModules names exactly the modules the engine shows through a
// parent, so a new one cannot leak its parent's private trail.
func TestChildModulesMatchTheEngine(t *testing.T) {
	reg, err := records.NewRegistry(config.Default().Vtiger.Business)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, name := range config.BuiltinModules {
		if m, ok := reg.ByName(name); ok && m.Visibility == records.VisibilityParent {
			want[m.Parent] = append(want[m.Parent], name)
		}
	}
	if len(want) == 0 || !maps.EqualFunc(want, activity.ChildModules, slices.Equal) {
		t.Errorf("activity.ChildModules = %v, the engine has %v", activity.ChildModules, want)
	}
}
