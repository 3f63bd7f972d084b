// Package bench is the customer-journey benchmark behind cmd/portal-bench:
// it starts the portal in-process against a latency-realistic Vtiger
// simulator, replays the frontend's journey cold and warm, loads it with
// concurrent customers and checks the figures against budgets. The numbers
// that matter most are Vtiger calls per request, because against a real
// CRM every call is tens of milliseconds of PHP; portal CPU is secondary.
package bench

import (
	"maps"
	"slices"
	"time"
)

// Report is everything one run measured; it is what -json prints, so field
// names are stable for comparing runs.
type Report struct {
	Settings  Settings         `json:"settings"`
	Cold      Journey          `json:"cold"`
	Warm      Journey          `json:"warm"`
	Overhead  Overhead         `json:"overhead"`
	Scaling   []ScalingCheck   `json:"scaling"`
	Memory    Memory           `json:"memory"`
	Load      Load             `json:"load"`
	Logins    LoginFigures     `json:"logins"`
	Cache     CacheFigures     `json:"engine_cache"`
	Freshness Freshness        `json:"freshness"`
	Mode      ModeFigures      `json:"mode"`     // this run's headline figures
	Baseline  *ModeFigures     `json:"baseline"` // the same from the cache.stale 0 run
	Budgets   []BudgetResult   `json:"budgets"`
	Startup   map[string]int64 `json:"startup_calls"` // Vtiger calls the app made on its own before the first request (warm-ups, first job runs)
	Setup     map[string]int64 `json:"setup_calls"`   // Vtiger calls spent registering and warming up users (unmeasured phases)
	Started   time.Time        `json:"started"`
	Elapsed   Millis           `json:"elapsed_ms"`
}

// Settings echo the options the figures were taken with.
type Settings struct {
	Latency        Millis `json:"latency_ms"`
	Jitter         Millis `json:"jitter_ms"`
	Workers        int    `json:"workers"`
	Sessions       int    `json:"portal_vtiger_sessions"`
	Tickets        int    `json:"tickets_per_account"`
	Invoices       int    `json:"invoices_per_account"`
	Users          int    `json:"users"`
	Accounts       int    `json:"accounts"`
	Duration       Millis `json:"duration_ms"`
	VtigerVersion  string `json:"vtiger_version"`
	GOMAXPROCS     int    `json:"gomaxprocs"`
	Fresh          Millis `json:"cache_fresh_ms"`
	Stale          Millis `json:"cache_stale_ms"`
	CacheMaxBytes  int64  `json:"cache_max_bytes"`
	VtigerMeasured bool   `json:"vtiger_time_measured"` // false: the Vtiger-time tap saw no traffic, overhead figures are meaningless
}

// Millis is a duration printed as fractional milliseconds in JSON.
type Millis float64

// ms converts a duration to Millis.
func ms(d time.Duration) Millis { return Millis(float64(d) / float64(time.Millisecond)) }

// Journey is one pass of the frontend's request sequence.
type Journey struct {
	Steps      []Step           `json:"steps"`
	Calls      int64            `json:"vtiger_calls"`
	CallsByOp  map[string]int64 `json:"vtiger_calls_by_op"`
	Latency    Millis           `json:"latency_ms"`
	VtigerTime Millis           `json:"vtiger_time_ms"`
	Logins     int64            `json:"vtiger_logins"`
	Failed     int              `json:"failed_requests"`
}

// Step is one portal request of a journey.
type Step struct {
	Name       string           `json:"name"`
	Method     string           `json:"method"`
	Path       string           `json:"path"`
	Status     int              `json:"status"`
	Error      string           `json:"error,omitempty"`
	Latency    Millis           `json:"latency_ms"`
	VtigerTime Millis           `json:"vtiger_time_ms"` // wall time with at least one Vtiger call in flight
	Overhead   Millis           `json:"overhead_ms"`    // Latency − VtigerTime
	Calls      int64            `json:"vtiger_calls"`
	CallsByOp  map[string]int64 `json:"vtiger_calls_by_op"`
	Trace      []string         `json:"vtiger_requests,omitempty"` // each call: operation and VTQL / id
}

// OK reports a 2xx answer.
func (s Step) OK() bool { return s.Status >= 200 && s.Status < 300 }

// Overhead is the portal's own time per warm journey request (latency
// minus the time it waited for Vtiger), over several warm passes because
// one pass is too few samples on a busy machine.
type Overhead struct {
	Passes  int    `json:"passes"`
	Samples int    `json:"samples"`
	P50     Millis `json:"p50_ms"`
	P90     Millis `json:"p90_ms"`
}

// ScalingCheck compares the Vtiger calls of one request for a small and a
// large result (k rows): equal counts mean no per-row calls (no N+1).
type ScalingCheck struct {
	Name  string `json:"name"`
	Small Probe  `json:"small"`
	Large Probe  `json:"large"`
}

// Probe is one side of a ScalingCheck. First is the first request for that
// key (caches for the key cold), Repeat the same request again.
type Probe struct {
	Path   string           `json:"path"`
	Rows   int              `json:"rows"`
	Status int              `json:"status"`
	First  int64            `json:"first_calls"`
	Repeat int64            `json:"repeat_calls"`
	ByOp   map[string]int64 `json:"first_calls_by_op"`
}

// Memory is the allocation of one in-process list request.
type Memory struct {
	Path           string `json:"path"`
	Rows           int    `json:"rows"`
	Runs           int    `json:"runs"`
	BytesPerReq    int64  `json:"bytes_per_request"`     // whole process, simulator included
	SimBytesPerReq int64  `json:"sim_bytes_per_request"` // the simulator's share, measured by replaying its calls
	PortalBytes    int64  `json:"portal_bytes_per_request"`
	AllocsPerReq   int64  `json:"allocs_per_request"`
}

// Load is the concurrent phase.
type Load struct {
	Users           int              `json:"users"`
	Accounts        int              `json:"accounts"`
	Duration        Millis           `json:"duration_ms"`
	Requests        int64            `json:"requests"`
	Errors          int64            `json:"errors"`
	ErrorSamples    []string         `json:"error_samples,omitempty"`
	RPS             float64          `json:"requests_per_second"`
	P50             Millis           `json:"p50_ms"`
	P95             Millis           `json:"p95_ms"`
	P99             Millis           `json:"p99_ms"`
	Max             Millis           `json:"max_ms"`
	VtigerCalls     int64            `json:"vtiger_calls"`
	CallsByOp       map[string]int64 `json:"vtiger_calls_by_op"`
	CallsPerRequest float64          `json:"vtiger_calls_per_request"`
	MaxConcurrent   int64            `json:"max_concurrent_vtiger_calls"`
	Logins          int64            `json:"vtiger_logins"`
	WorkerUtil      float64          `json:"vtiger_worker_utilisation"` // share of simulated PHP worker time in use
	CPUPerRequest   Millis           `json:"cpu_per_request_ms"`        // process user+sys CPU / requests (portal, simulator and load generator)
	CPUUtil         float64          `json:"cpu_utilisation"`           // process CPU / (wall × GOMAXPROCS)
	Routes          []RouteFigures   `json:"routes"`
}

// RouteFigures are the load phase's latencies of one journey step.
type RouteFigures struct {
	Name     string `json:"name"`
	Requests int64  `json:"requests"`
	Errors   int64  `json:"errors"`
	P50      Millis `json:"p50_ms"`
	P95      Millis `json:"p95_ms"`
}

// LoginFigures are the Vtiger login counters over the run.
type LoginFigures struct {
	Total         int64 `json:"total"`
	AfterWarmUp   int64 `json:"after_warm_up"` // warm journey, checks and load phase
	MaxConcurrent int64 `json:"max_concurrent"`
}

// addOps adds b into a (allocating a when nil) and returns a.
func addOps(a, b map[string]int64) map[string]int64 {
	if a == nil {
		a = map[string]int64{}
	}
	for k, v := range b {
		a[k] += v
	}
	return a
}

// diffOps is after − before, without zero entries.
func diffOps(before, after map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func sumOps(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func sortedKeys(m map[string]int64) []string {
	return slices.Sorted(maps.Keys(m))
}
