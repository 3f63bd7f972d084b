package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
)

// TestRunTiny runs the whole harness with tiny settings: it keeps the
// benchmark compiling and working against the real routes, not its speed.
func TestRunTiny(t *testing.T) {
	dsn := pgtest.NewEmpty(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{Latency: -1, Duration: time.Second, Users: 4, Tickets: 110, Invoices: 3, DSN: dsn})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}

	wantSteps := []string{"login"}
	for _, s := range journeySteps {
		wantSteps = append(wantSteps, s.name)
	}
	for name, j := range map[string]Journey{"cold": rep.Cold, "warm": rep.Warm} {
		var got []string
		for _, s := range j.Steps {
			got = append(got, s.Name)
			if !s.OK() {
				t.Errorf("%s %s %s: status %d %s", name, s.Name, s.Path, s.Status, s.Error)
			}
		}
		if !slices.Equal(got, wantSteps) {
			t.Errorf("%s steps = %v, want %v", name, got, wantSteps)
		}
	}
	// The portal logs in while warming up at start, so the cold journey
	// itself may need no login; but a fresh portal must have logged in and
	// the cold journey must still call Vtiger (nothing is cached yet).
	if rep.Cold.Calls == 0 || rep.Startup["login"]+rep.Cold.Logins == 0 {
		t.Errorf("cold journey made %d Vtiger calls; start-up and cold journey made %d logins; a fresh portal must call and log in",
			rep.Cold.Calls, rep.Startup["login"]+rep.Cold.Logins)
	}
	if !rep.Settings.VtigerMeasured {
		t.Error("the Vtiger tap saw no calls: overhead figures would be meaningless")
	}
	if rep.Overhead.Passes != overheadPasses || rep.Overhead.Samples != overheadPasses*len(journeySteps) {
		t.Errorf("overhead over %d passes, %d samples; want %d passes of %d requests", rep.Overhead.Passes, rep.Overhead.Samples, overheadPasses, len(journeySteps))
	}
	if len(rep.Scaling) != 3 {
		t.Errorf("scaling checks = %d, want 3", len(rep.Scaling))
	}
	for _, c := range rep.Scaling {
		if c.Small.Rows >= c.Large.Rows {
			t.Errorf("%s: small side has %d rows, large %d; the check compares nothing", c.Name, c.Small.Rows, c.Large.Rows)
		}
	}
	if rep.Memory.Rows != 100 || rep.Memory.BytesPerReq <= 0 {
		t.Errorf("memory: %d rows, %d bytes; want a measured 100-row list", rep.Memory.Rows, rep.Memory.BytesPerReq)
	}
	if rep.Load.Requests == 0 || rep.Load.Accounts != 2 || rep.Load.Users != 4 || len(rep.Load.Routes) != len(journeySteps) {
		t.Errorf("load: %d requests, %d accounts, %d users, %d routes", rep.Load.Requests, rep.Load.Accounts, rep.Load.Users, len(rep.Load.Routes))
	}
	if len(rep.Budgets) != len(Evaluate(&Report{Scaling: rep.Scaling}, DefaultBudgets())) {
		t.Errorf("report lists %d budgets", len(rep.Budgets))
	}

	if rep.Baseline == nil || rep.Baseline.Stale != 0 || rep.Mode.Stale == 0 || rep.Baseline.LoadRequests == 0 {
		t.Errorf("modes: baseline %+v, measured %+v; want a cache.stale 0 baseline with a load phase beside the SWR run", rep.Baseline, rep.Mode)
	}
	if !rep.Freshness.OwnWrite {
		t.Errorf("own write not visible on the next request: %s", rep.Freshness.OwnWriteDetail)
	}
	if !rep.Freshness.CRMChangeSeen || rep.Freshness.CRMChangeAfter > rep.Freshness.CRMChangeLimit {
		t.Errorf("CRM-side change: seen %v after %.0f ms, limit %.0f ms", rep.Freshness.CRMChangeSeen, rep.Freshness.CRMChangeAfter, rep.Freshness.CRMChangeLimit)
	}
	if rep.Cache.Samples == 0 || rep.Cache.Hits == 0 || rep.Cache.MaxBytesSeen == 0 || int64(rep.Cache.MaxBytesSeen) > rep.Settings.CacheMaxBytes {
		t.Errorf("engine cache under load: %+v (bound %d)", rep.Cache, rep.Settings.CacheMaxBytes)
	}
	if rep.Warm.Calls > rep.Cold.Calls/2 {
		t.Errorf("warm journey %d calls, cold %d: the warm one should come from memory", rep.Warm.Calls, rep.Cold.Calls)
	}
	if testing.Verbose() {
		var tab bytes.Buffer
		_ = WriteTable(&tab, rep)
		_ = WriteTrace(&tab, rep)
		t.Log(tab.String())
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(js.Bytes(), &generic); err != nil {
		t.Fatalf("JSON report does not parse: %v", err)
	}
	for _, k := range []string{"settings", "cold", "warm", "scaling", "memory", "load", "logins", "budgets", "baseline", "mode", "freshness", "engine_cache"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("JSON report lacks %q", k)
		}
	}
	var tab bytes.Buffer
	if err := WriteTable(&tab, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"JOURNEY", "TOTAL", "N+1 CHECK", "MEMORY", "LOAD", "BUDGET", "ticket comments", "MODES"} {
		if !strings.Contains(tab.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tab.String())
		}
	}
}

// goodReport is a synthetic run that meets every default budget.
func goodReport() *Report {
	steps := func(calls int64) []Step {
		var s []Step
		for range 16 {
			s = append(s, Step{Name: "x", Status: 200, Calls: calls, Overhead: 0.3})
		}
		return s
	}
	probe := func(rows int) Probe { return Probe{Rows: rows, Status: 200, First: 1, Repeat: 1} }
	return &Report{
		Settings:  Settings{VtigerMeasured: true, GOMAXPROCS: 2, CacheMaxBytes: 64 << 20},
		Cold:      Journey{Steps: steps(1), Calls: 18},
		Warm:      Journey{Steps: steps(0), Calls: 1},
		Scaling:   []ScalingCheck{{Name: "tickets", Small: probe(10), Large: probe(50)}},
		Memory:    Memory{Rows: 100, Runs: 5, BytesPerReq: 1 << 20, PortalBytes: 1 << 20},
		Load:      Load{Requests: 100000, P50: 2, P99: 30, RPS: 5000, VtigerCalls: 1000, CallsPerRequest: 0.01},
		Logins:    LoginFigures{Total: 4, MaxConcurrent: 1},
		Mode:      ModeFigures{CallMedian: 20},
		Baseline:  &ModeFigures{LoadRPS: 230},
		Freshness: Freshness{OwnWrite: true, CRMChangeSeen: true, CRMChangeAfter: 10100, CRMChangeLimit: 10600},
		Cache:     CacheFigures{Samples: 10, MaxBytesSeen: 3 << 20},
	}
}

func TestEvaluate(t *testing.T) {
	const overhead = "portal overhead p50 (warm) / median Vtiger call"
	tests := []struct {
		name   string
		mutate func(r *Report)
		missed []string // budgets expected to miss; nil = all met
	}{
		{"all met", func(*Report) {}, nil},
		{"cold calls", func(r *Report) { r.Cold.Calls = 21 }, []string{"cold journey Vtiger calls"}},
		{"warm calls", func(r *Report) { r.Warm.Calls = 3 }, []string{"warm journey Vtiger calls"}},
		{"journey failure", func(r *Report) { r.Warm.Failed = 1; r.Warm.Steps[3].Status = 404 }, []string{"journey requests succeed"}},
		{"login after warm-up", func(r *Report) { r.Logins.AfterWarmUp = 1 }, []string{"no Vtiger login after warm-up"}},
		{"concurrent logins", func(r *Report) { r.Logins.MaxConcurrent = 2 }, []string{"never two Vtiger logins at once"}},
		{"n+1", func(r *Report) { r.Scaling[0].Large.First = 51 }, []string{"no N+1: tickets"}},
		{"n+1 on repeat", func(r *Report) { r.Scaling[0].Large.Repeat = 50 }, []string{"no N+1: tickets"}},
		{"no scaling checks", func(r *Report) { r.Scaling = nil }, []string{"no N+1"}},
		{"overhead", func(r *Report) {
			for i := range r.Warm.Steps {
				r.Warm.Steps[i].Overhead = 0.5 // 2.5 % of a 20 ms call
			}
		}, []string{overhead}},
		{"overhead over passes", func(r *Report) { r.Overhead = Overhead{Passes: 5, Samples: 75, P50: 0.41} }, []string{overhead}},
		{"overhead ratio follows the call time", func(r *Report) { r.Mode.CallMedian = 10 }, []string{overhead}},
		{"overhead unmeasured", func(r *Report) { r.Settings.VtigerMeasured = false }, []string{overhead}},
		{"load errors", func(r *Report) { r.Load.Errors = 1 }, []string{"load phase errors"}},
		{"no load", func(r *Report) { r.Load = Load{} }, []string{"load phase errors", "load Vtiger calls per request", "load p99", "load throughput vs cache.stale 0"}},
		{"calls per request", func(r *Report) { r.Load.CallsPerRequest = 0.06 }, []string{"load Vtiger calls per request"}},
		{"tail latency", func(r *Report) { r.Load.P99 = 51 }, []string{"load p99"}},
		{"throughput", func(r *Report) { r.Load.RPS = 2299 }, []string{"load throughput vs cache.stale 0"}},
		{"no baseline", func(r *Report) { r.Baseline = nil }, []string{"load throughput vs cache.stale 0"}},
		{"own write", func(r *Report) { r.Freshness.OwnWrite = false }, []string{"own write visible"}},
		{"crm change late", func(r *Report) { r.Freshness.CRMChangeAfter = 10601 }, []string{"CRM-side change visible"}},
		{"crm change unseen", func(r *Report) { r.Freshness.CRMChangeSeen = false }, []string{"CRM-side change visible"}},
		{"cache memory", func(r *Report) { r.Cache.MaxBytesSeen = 64<<20 + 1 }, []string{"engine cache memory under load"}},
		{"cache unsampled", func(r *Report) { r.Cache.Samples = 0 }, []string{"engine cache memory under load"}},
		{"memory", func(r *Report) { r.Memory.PortalBytes = 2 << 20 }, []string{"100-row list allocation"}},
		{"memory list too short", func(r *Report) { r.Memory.Rows = 20 }, []string{"100-row list allocation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := goodReport()
			tt.mutate(r)
			res := Evaluate(r, DefaultBudgets())
			var missed []string
			for _, b := range res {
				if !b.OK {
					missed = append(missed, b.Name)
				}
			}
			if tt.missed == nil {
				if len(missed) > 0 || !Passed(res) {
					t.Fatalf("missed %v, want every budget met", missed)
				}
				return
			}
			if !slices.Equal(missed, tt.missed) {
				t.Fatalf("missed %v, want exactly %v", missed, tt.missed)
			}
			if Passed(res) {
				t.Fatal("Passed = true with a budget missed; the exit code would be 0")
			}
		})
	}
	if Passed(nil) {
		t.Error("Passed(nil) = true; a run without budgets must not pass")
	}
}

func TestPercentile(t *testing.T) {
	tests := []struct {
		v    []float64
		p    float64
		want float64
	}{
		{nil, 0.5, 0},
		{[]float64{5}, 0.99, 5},
		{[]float64{4, 1, 3, 2}, 0.5, 2},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.95, 10},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9, 9},
		{[]float64{3, 1, 2}, 1, 3},
	}
	for _, tt := range tests {
		if got := percentile(slices.Clone(tt.v), tt.p); got != tt.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tt.v, tt.p, got, tt.want)
		}
	}
}
