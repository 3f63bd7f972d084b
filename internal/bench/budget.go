package bench

import (
	"fmt"
	"slices"
	"time"
)

// Budgets are the limits a run must stay within (issue #8).
type Budgets struct {
	ColdCalls     int64         // Vtiger calls of the whole cold journey
	WarmCalls     int64         // Vtiger calls of the whole warm journey
	OverheadP50   time.Duration // median portal overhead of a warm journey request (strictly below)
	P99OverP50    float64       // load phase: p99 ≤ P99OverP50 × p50
	ListBytes     int64         // allocation of one 100-row list request (strictly below)
	MinWorkerUtil float64       // load phase is Vtiger-bound when the simulated workers are at least this busy…
	MaxCPUUtil    float64       // …or the process used less than this share of its CPUs
}

// DefaultBudgets are the budgets of issue #8.
func DefaultBudgets() Budgets {
	return Budgets{
		ColdCalls:     40,
		WarmCalls:     15,
		OverheadP50:   time.Millisecond,
		P99OverP50:    3,
		ListBytes:     2 << 20,
		MinWorkerUtil: 0.7,
		MaxCPUUtil:    0.7,
	}
}

// BudgetResult is one budget's verdict with the figure it was judged on.
type BudgetResult struct {
	Name   string `json:"name"`
	Limit  string `json:"limit"`
	Figure string `json:"figure"`
	OK     bool   `json:"ok"`
}

// Evaluate judges r against b. Every budget is always listed, so a
// missing figure (a phase that did not run) is a miss, never a silent pass.
func Evaluate(r *Report, b Budgets) []BudgetResult {
	var out []BudgetResult
	add := func(name, limit, figure string, ok bool) {
		out = append(out, BudgetResult{Name: name, Limit: limit, Figure: figure, OK: ok})
	}

	add("cold journey Vtiger calls", fmt.Sprintf("≤ %d", b.ColdCalls), fmt.Sprintf("%d %s", r.Cold.Calls, opsString(r.Cold.CallsByOp)),
		len(r.Cold.Steps) > 0 && r.Cold.Calls <= b.ColdCalls)
	add("warm journey Vtiger calls", fmt.Sprintf("≤ %d", b.WarmCalls), fmt.Sprintf("%d %s", r.Warm.Calls, opsString(r.Warm.CallsByOp)),
		len(r.Warm.Steps) > 0 && r.Warm.Calls <= b.WarmCalls)
	add("journey requests succeed", "0 failed", fmt.Sprintf("%d cold, %d warm failed%s", r.Cold.Failed, r.Warm.Failed, failedSteps(r)),
		len(r.Cold.Steps) > 0 && r.Cold.Failed == 0 && r.Warm.Failed == 0)
	add("no Vtiger login after warm-up", "0", fmt.Sprintf("%d", r.Logins.AfterWarmUp), r.Logins.AfterWarmUp == 0)
	add("never two Vtiger logins at once", "≤ 1", fmt.Sprintf("%d", r.Logins.MaxConcurrent), r.Logins.MaxConcurrent <= 1)

	for _, c := range r.Scaling {
		ok := c.Small.Status/100 == 2 && c.Large.Status/100 == 2 && c.Small.Rows < c.Large.Rows &&
			c.Small.First == c.Large.First && c.Small.Repeat == c.Large.Repeat
		add("no N+1: "+c.Name, "same calls for k rows",
			fmt.Sprintf("%d rows: %d (repeat %d) %s; %d rows: %d (repeat %d) %s", c.Small.Rows, c.Small.First, c.Small.Repeat, opsString(c.Small.ByOp),
				c.Large.Rows, c.Large.First, c.Large.Repeat, opsString(c.Large.ByOp)), ok)
	}
	if len(r.Scaling) == 0 {
		add("no N+1", "checks ran", "none ran", false)
	}

	if !r.Settings.VtigerMeasured {
		add("portal overhead p50 (warm)", "< "+b.OverheadP50.String(), "not measured: the Vtiger tap saw no calls", false)
	} else {
		p50, n := r.Overhead.P50, r.Overhead.Samples
		if n == 0 {
			p50, n = warmOverheadP50(r), len(r.Warm.Steps)
		}
		add("portal overhead p50 (warm)", "< "+b.OverheadP50.String(), fmt.Sprintf("%.3f ms over %d requests", float64(p50), n), n > 0 && p50 < ms(b.OverheadP50))
	}

	l := r.Load
	add("load phase errors", "0", fmt.Sprintf("%d of %d requests%s", l.Errors, l.Requests, samples(l.ErrorSamples)), l.Requests > 0 && l.Errors == 0)
	add("load p99 ≤ 3 × p50", fmt.Sprintf("≤ %.1f × p50", b.P99OverP50), fmt.Sprintf("p50 %.2f ms, p99 %.2f ms (%.1f×)", l.P50, l.P99, ratio(l.P99, l.P50)),
		l.Requests > 0 && float64(l.P99) <= b.P99OverP50*float64(l.P50))
	add("throughput bounded by Vtiger", fmt.Sprintf("workers ≥ %.0f%% busy or CPU < %.0f%%", 100*b.MinWorkerUtil, 100*b.MaxCPUUtil),
		fmt.Sprintf("workers %.0f%% busy, CPU %.0f%% of %d, %.3f ms CPU/request", 100*l.WorkerUtil, 100*l.CPUUtil, r.Settings.GOMAXPROCS, l.CPUPerRequest),
		l.Requests > 0 && (l.WorkerUtil >= b.MinWorkerUtil || l.CPUUtil < b.MaxCPUUtil))

	m := r.Memory
	add("100-row list allocation", fmt.Sprintf("< %.1f MB", float64(b.ListBytes)/(1<<20)),
		fmt.Sprintf("%.2f MB portal (%.2f MB with simulator), %d rows", float64(m.PortalBytes)/(1<<20), float64(m.BytesPerReq)/(1<<20), m.Rows),
		m.Runs > 0 && m.Rows >= 100 && m.PortalBytes < b.ListBytes)
	return out
}

// Passed is the exit decision: true only when every budget is met.
func Passed(results []BudgetResult) bool {
	return len(results) > 0 && !slices.ContainsFunc(results, func(b BudgetResult) bool { return !b.OK })
}

func warmOverheadP50(r *Report) Millis {
	var v []float64
	for _, s := range r.Warm.Steps {
		v = append(v, float64(s.Overhead))
	}
	return Millis(percentile(v, 0.50))
}

func failedSteps(r *Report) string {
	s := ""
	for _, j := range []struct {
		name string
		j    Journey
	}{{"cold", r.Cold}, {"warm", r.Warm}} {
		for _, st := range j.j.Steps {
			if !st.OK() {
				s += fmt.Sprintf("; %s %s → %d %s", j.name, st.Name, st.Status, st.Error)
			}
		}
	}
	return s
}

func samples(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return fmt.Sprintf(" (e.g. %s)", s[0])
}

func ratio(a, b Millis) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// opsString formats calls by operation compactly: "[query 3, retrieve 1]".
func opsString(m map[string]int64) string {
	if len(m) == 0 {
		return "[]"
	}
	s := "["
	for i, k := range sortedKeys(m) {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, m[k])
	}
	return s + "]"
}

// percentile is the nearest-rank percentile of v (v is sorted in place).
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	i := int(p*float64(len(v))+0.999999) - 1
	return v[min(max(i, 0), len(v)-1)]
}
