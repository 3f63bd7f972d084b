package bench

import (
	"fmt"
	"slices"
	"time"
)

// Budgets are the limits a run must stay within (issues #8 and #13).
type Budgets struct {
	ColdCalls       int64   // Vtiger calls of the whole cold journey
	WarmCalls       int64   // Vtiger calls inside the requests of the warm journey
	OverheadRatio   float64 // median portal overhead of a warm request ≤ this × the median simulated Vtiger call
	LoadCallsPerReq float64 // load phase: Vtiger calls per portal request
	LoadP99         time.Duration
	ThroughputX     float64 // load throughput ≥ this × the cache.stale 0 baseline of the same run
	ListBytes       int64   // allocation of one 100-row list request (strictly below)
}

// DefaultBudgets are the budgets of issue #13 (issue #8's list allocation).
func DefaultBudgets() Budgets {
	return Budgets{
		ColdCalls:       20,
		WarmCalls:       2,
		OverheadRatio:   0.02,
		LoadCallsPerReq: 0.05,
		LoadP99:         50 * time.Millisecond,
		ThroughputX:     10,
		ListBytes:       2 << 20,
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

	callMedian := r.Mode.CallMedian
	if !r.Settings.VtigerMeasured || callMedian <= 0 {
		add("portal overhead p50 (warm) / median Vtiger call", fmt.Sprintf("≤ %.0f %%", 100*b.OverheadRatio), "not measured: the Vtiger tap saw no calls", false)
	} else {
		p50, n := r.Overhead.P50, r.Overhead.Samples
		if n == 0 {
			p50, n = warmOverheadP50(r), len(r.Warm.Steps)
		}
		add("portal overhead p50 (warm) / median Vtiger call", fmt.Sprintf("≤ %.0f %%", 100*b.OverheadRatio),
			fmt.Sprintf("%.3f ms / %.2f ms = %.1f %% over %d requests", float64(p50), float64(callMedian), 100*ratio(p50, callMedian), n),
			n > 0 && float64(p50) <= b.OverheadRatio*float64(callMedian))
	}

	l := r.Load
	add("load phase errors", "0", fmt.Sprintf("%d of %d requests%s", l.Errors, l.Requests, samples(l.ErrorSamples)), l.Requests > 0 && l.Errors == 0)
	add("load Vtiger calls per request", fmt.Sprintf("≤ %.2f", b.LoadCallsPerReq), fmt.Sprintf("%.3f (%d calls, %d requests)", l.CallsPerRequest, l.VtigerCalls, l.Requests),
		l.Requests > 0 && l.CallsPerRequest <= b.LoadCallsPerReq)
	add("load p99", "≤ "+b.LoadP99.String(), fmt.Sprintf("p50 %.2f ms, p99 %.2f ms", l.P50, l.P99), l.Requests > 0 && float64(l.P99) <= float64(ms(b.LoadP99)))
	if r.Baseline == nil {
		add("load throughput vs cache.stale 0", fmt.Sprintf("≥ %.0f×", b.ThroughputX), "no baseline run", false)
	} else {
		add("load throughput vs cache.stale 0", fmt.Sprintf("≥ %.0f×", b.ThroughputX),
			fmt.Sprintf("%.0f req/s vs %.0f req/s (%.1f×)", l.RPS, r.Baseline.LoadRPS, l.RPS/max(r.Baseline.LoadRPS, 1e-9)),
			l.Requests > 0 && r.Baseline.LoadRPS > 0 && l.RPS >= b.ThroughputX*r.Baseline.LoadRPS)
	}
	f := r.Freshness
	add("own write visible", "next request", fmt.Sprintf("%v %s", f.OwnWrite, f.OwnWriteDetail), f.OwnWrite)
	add("CRM-side change visible", fmt.Sprintf("≤ cache.fresh + one refresh (%.0f ms)", float64(f.CRMChangeLimit)),
		fmt.Sprintf("after %.0f ms (%d reads)", float64(f.CRMChangeAfter), f.CRMChangePolls), f.CRMChangeSeen && f.CRMChangeAfter <= f.CRMChangeLimit)
	c := r.Cache
	add("engine cache memory under load", fmt.Sprintf("≤ cache.maxBytes (%d)", r.Settings.CacheMaxBytes),
		fmt.Sprintf("%.2f MB at most, %d entries; %d hits, %d stale, %d misses, %d refreshes (%d failed)",
			float64(c.MaxBytesSeen)/(1<<20), c.Entries, c.Hits, c.Stale, c.Misses, c.Refreshes, c.RefreshErrors),
		c.Samples > 0 && int64(c.MaxBytesSeen) <= r.Settings.CacheMaxBytes)

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
