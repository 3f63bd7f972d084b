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

	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(js.Bytes(), &generic); err != nil {
		t.Fatalf("JSON report does not parse: %v", err)
	}
	for _, k := range []string{"settings", "cold", "warm", "scaling", "memory", "load", "logins", "budgets"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("JSON report lacks %q", k)
		}
	}
	var tab bytes.Buffer
	if err := WriteTable(&tab, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"JOURNEY", "TOTAL", "N+1 CHECK", "MEMORY", "LOAD", "BUDGET", "ticket comments"} {
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
			s = append(s, Step{Name: "x", Status: 200, Calls: calls, Overhead: 0.4})
		}
		return s
	}
	probe := func(rows int) Probe { return Probe{Rows: rows, Status: 200, First: 1, Repeat: 1} }
	return &Report{
		Settings: Settings{VtigerMeasured: true, GOMAXPROCS: 2},
		Cold:     Journey{Steps: steps(2), Calls: 32},
		Warm:     Journey{Steps: steps(0), Calls: 8},
		Scaling:  []ScalingCheck{{Name: "tickets", Small: probe(10), Large: probe(50)}},
		Memory:   Memory{Rows: 100, Runs: 5, BytesPerReq: 1 << 20, PortalBytes: 1 << 20},
		Load:     Load{Requests: 1000, P50: 30, P99: 80, WorkerUtil: 0.95, CPUUtil: 0.2},
		Logins:   LoginFigures{Total: 4, MaxConcurrent: 1},
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(r *Report)
		missed []string // budgets expected to miss; nil = all met
	}{
		{"all met", func(*Report) {}, nil},
		{"cold calls", func(r *Report) { r.Cold.Calls = 41 }, []string{"cold journey Vtiger calls"}},
		{"warm calls", func(r *Report) { r.Warm.Calls = 16 }, []string{"warm journey Vtiger calls"}},
		{"journey failure", func(r *Report) { r.Warm.Failed = 1; r.Warm.Steps[3].Status = 404 }, []string{"journey requests succeed"}},
		{"login after warm-up", func(r *Report) { r.Logins.AfterWarmUp = 1 }, []string{"no Vtiger login after warm-up"}},
		{"concurrent logins", func(r *Report) { r.Logins.MaxConcurrent = 2 }, []string{"never two Vtiger logins at once"}},
		{"n+1", func(r *Report) { r.Scaling[0].Large.First = 51 }, []string{"no N+1: tickets"}},
		{"n+1 on repeat", func(r *Report) { r.Scaling[0].Large.Repeat = 50 }, []string{"no N+1: tickets"}},
		{"no scaling checks", func(r *Report) { r.Scaling = nil }, []string{"no N+1"}},
		{"overhead", func(r *Report) {
			for i := range r.Warm.Steps {
				r.Warm.Steps[i].Overhead = 1.5
			}
		}, []string{"portal overhead p50 (warm)"}},
		{"overhead over passes", func(r *Report) { r.Overhead = Overhead{Passes: 5, Samples: 75, P50: 1.01} }, []string{"portal overhead p50 (warm)"}},
		{"overhead unmeasured", func(r *Report) { r.Settings.VtigerMeasured = false }, []string{"portal overhead p50 (warm)"}},
		{"load errors", func(r *Report) { r.Load.Errors = 1 }, []string{"load phase errors"}},
		{"no load", func(r *Report) { r.Load = Load{} }, []string{"load phase errors", "load p99 ≤ 3 × p50", "throughput bounded by Vtiger"}},
		{"tail latency", func(r *Report) { r.Load.P99 = 91 }, []string{"load p99 ≤ 3 × p50"}},
		{"cpu bound", func(r *Report) { r.Load.WorkerUtil, r.Load.CPUUtil = 0.3, 0.95 }, []string{"throughput bounded by Vtiger"}},
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
