package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// ModeFigures are one run's headline figures; the report carries them for
// the measured mode and for the cache.stale 0 baseline side by side.
type ModeFigures struct {
	Fresh           Millis  `json:"cache_fresh_ms"`
	Stale           Millis  `json:"cache_stale_ms"`
	ColdCalls       int64   `json:"cold_journey_vtiger_calls"`
	WarmCalls       int64   `json:"warm_journey_vtiger_calls"`
	OverheadP50     Millis  `json:"warm_overhead_p50_ms"`
	CallMedian      Millis  `json:"vtiger_call_median_ms"`
	LoadRequests    int64   `json:"load_requests"`
	LoadRPS         float64 `json:"load_rps"`
	LoadP50         Millis  `json:"load_p50_ms"`
	LoadP99         Millis  `json:"load_p99_ms"`
	CallsPerRequest float64 `json:"load_vtiger_calls_per_request"`
	CRMChangeAfter  Millis  `json:"crm_change_visible_after_ms"`
}

func modeFigures(r *Report, callMedian Millis) ModeFigures {
	return ModeFigures{Fresh: r.Settings.Fresh, Stale: r.Settings.Stale, ColdCalls: r.Cold.Calls, WarmCalls: r.Warm.Calls,
		OverheadP50: r.Overhead.P50, CallMedian: callMedian, LoadRequests: r.Load.Requests, LoadRPS: r.Load.RPS,
		LoadP50: r.Load.P50, LoadP99: r.Load.P99, CallsPerRequest: r.Load.CallsPerRequest, CRMChangeAfter: r.Freshness.CRMChangeAfter}
}

// CacheFigures are the engine cache's counters after the load phase and
// the largest estimated size sampled during it.
type CacheFigures struct {
	MaxBytesSeen  uint64 `json:"max_bytes_seen"`
	MaxBytes      uint64 `json:"max_bytes"` // cache.maxBytes
	Entries       int    `json:"entries"`
	Hits          int64  `json:"hits"`
	Stale         int64  `json:"stale_hits"`
	Misses        int64  `json:"misses"`
	Refreshes     int64  `json:"refreshes"`
	RefreshErrors int64  `json:"refresh_errors"`
	Samples       int    `json:"samples"`
}

// sampleCache samples the engine cache's size until the returned stop.
func (h *harness) sampleCache() (stop func() CacheFigures) {
	var (
		mu   sync.Mutex
		f    CacheFigures
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	take := func() {
		s := h.app.EngineCacheStats()
		mu.Lock()
		defer mu.Unlock()
		f.MaxBytesSeen = max(f.MaxBytesSeen, s.Bytes)
		f.MaxBytes, f.Entries = s.MaxBytes, s.Entries
		f.Hits, f.Stale, f.Misses, f.Refreshes, f.RefreshErrors = s.Hits, s.Stale, s.Misses, s.Refreshes, s.RefreshErrors
		f.Samples++
	}
	wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				take()
			}
		}
	})
	return func() CacheFigures {
		close(done)
		wg.Wait()
		take()
		mu.Lock()
		defer mu.Unlock()
		return f
	}
}

// Freshness are the two visibility assertions: a customer's own write is
// on the very next read; a change made in the CRM shows within
// cache.fresh plus one refresh.
type Freshness struct {
	OwnWrite       bool   `json:"own_write_visible_next_request"`
	OwnWriteDetail string `json:"own_write_detail,omitempty"`
	CRMChangeSeen  bool   `json:"crm_change_seen"`
	CRMChangeAfter Millis `json:"crm_change_visible_after_ms"`
	CRMChangeLimit Millis `json:"crm_change_limit_ms"` // cache.fresh + one refresh
	CRMChangePolls int    `json:"crm_change_polls"`
}

// freshPoll is how often the CRM-side check re-reads the ticket.
const freshPoll = 50 * time.Millisecond

// freshness runs the visibility checks as Anna on her journey's ticket.
func (h *harness) freshness(ctx context.Context, anna *customer, cold Journey) Freshness {
	var f Freshness
	path := "/tickets/" + anna.ticket
	status := func() (string, result) {
		r := h.cl.do(ctx, http.MethodGet, path, anna.token, nil)
		var rec struct {
			Status string `json:"ticketstatus"`
		}
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(r.body, &env) == nil && len(env.Data) > 0 {
			_ = json.Unmarshal(env.Data, &rec)
		} else {
			_ = json.Unmarshal(r.body, &rec)
		}
		return rec.Status, r
	}

	// Own write: the status flips through the portal, the next read shows it.
	before, r := status()
	if !r.ok() {
		f.OwnWriteDetail = fmt.Sprintf("GET %s: %d %s", path, r.status, r.problem())
		return f
	}
	want := "Closed"
	if before == want {
		want = "Open"
	}
	if r := h.cl.do(ctx, http.MethodPatch, path, anna.token, map[string]string{"ticketstatus": want}); !r.ok() {
		f.OwnWriteDetail = fmt.Sprintf("PATCH %s: %d %s", path, r.status, r.problem())
		return f
	}
	got, _ := status()
	f.OwnWrite = got == want
	if !f.OwnWrite {
		f.OwnWriteDetail = fmt.Sprintf("status %q after setting %q (was %q)", got, want, before)
	}

	// CRM-side change: the simulator's store changes under the portal.
	crm := "In Progress"
	if err := h.app.Sim.Set(anna.ticket, map[string]string{"ticketstatus": crm}); err != nil {
		f.OwnWriteDetail += "; simulator: " + err.Error()
		return f
	}
	oneRefresh := time.Duration(0)
	for _, s := range cold.Steps {
		if s.Name == "ticket" {
			oneRefresh = time.Duration(float64(s.Latency) * float64(time.Millisecond))
		}
	}
	limit := h.app.Config.Cache.Fresh + max(2*oneRefresh, 500*time.Millisecond) + freshPoll
	if h.app.Config.Cache.Stale == 0 {
		limit = max(2*oneRefresh, 500*time.Millisecond) + freshPoll
	}
	f.CRMChangeLimit = ms(limit)
	start := time.Now()
	for time.Since(start) < limit+30*time.Second && ctx.Err() == nil {
		f.CRMChangePolls++
		if s, _ := status(); s == crm {
			f.CRMChangeSeen = true
			f.CRMChangeAfter = ms(time.Since(start))
			break
		}
		time.Sleep(freshPoll)
	}
	return f
}
