package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portalcrm/vtiger-portal/internal/metrics"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
)

// scrape fetches the exposition text over real HTTP, as Prometheus would.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape status = %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want the text exposition format", ct)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read scrape: %v", err)
	}
	return string(b)
}

func TestMetricsExposeObservations(t *testing.T) {
	m := metrics.New(nil)
	m.ObserveHTTP("GET", "/api/v1/tickets/{id}", 200, 30*time.Millisecond)
	m.ObserveHTTP("GET", "/api/v1/tickets/{id}", 200, 40*time.Millisecond)
	m.ObserveHTTP("GET", "", 404, time.Millisecond)
	m.ObserveCall("query", 120*time.Millisecond, "")
	m.ObserveCall("retrieve", 5*time.Millisecond, "ACCESS_DENIED")
	m.CacheHit("describe")
	m.CacheHit("describe")
	m.CacheMiss("describe")
	m.JobRun("token_cleanup", true, time.Second)
	m.JobRun("token_cleanup", false, time.Second)

	body := scrape(t, m)
	tests := []struct {
		name string
		line string // a full sample line, value included
	}{
		{"http counter by route pattern", `portal_http_requests_total{method="GET",route="/api/v1/tickets/{id}",status="200"} 2`},
		{"404 without a pattern is unmatched", `portal_http_requests_total{method="GET",route="unmatched",status="404"} 1`},
		{"http histogram count", `portal_http_request_duration_seconds_count{method="GET",route="/api/v1/tickets/{id}"} 2`},
		{"http histogram bucket", `portal_http_request_duration_seconds_bucket{method="GET",route="/api/v1/tickets/{id}",le="0.05"} 2`},
		{"vtiger success", `portal_vtiger_calls_total{error_code="",operation="query"} 1`},
		{"vtiger error", `portal_vtiger_calls_total{error_code="ACCESS_DENIED",operation="retrieve"} 1`},
		{"vtiger duration", `portal_vtiger_call_duration_seconds_count{operation="query"} 1`},
		{"cache hits", `portal_cache_requests_total{cache="describe",result="hit"} 2`},
		{"cache misses", `portal_cache_requests_total{cache="describe",result="miss"} 1`},
		{"job ok", `portal_job_runs_total{job="token_cleanup",result="ok"} 1`},
		{"job error", `portal_job_runs_total{job="token_cleanup",result="error"} 1`},
		{"job duration", `portal_job_duration_seconds_sum{job="token_cleanup"} 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !hasLine(body, tt.line) {
				t.Errorf("scrape lacks %s\n--- scrape (portal_ lines) ---\n%s", tt.line, portalLines(body))
			}
		})
	}
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes"} {
		if !strings.Contains(body, "\n"+name+" ") {
			t.Errorf("scrape lacks Go runtime series %s", name)
		}
	}
	if strings.Contains(body, "portal_db_pool_") {
		t.Error("pool series exposed although no pool stat func was given")
	}
}

func TestMetricsAreIndependentPerInstance(t *testing.T) {
	a, b := metrics.New(nil), metrics.New(nil)
	a.CacheHit("x")
	if strings.Contains(scrape(t, b), `portal_cache_requests_total{cache="x"`) {
		t.Error("an observation on one Metrics leaked into another's registry")
	}
}

func TestPoolCollectorReadsLiveStats(t *testing.T) {
	dsn := pgtest.NewEmpty(t)
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 3
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}

	m := metrics.New(pool.Stat)
	body := scrape(t, m)
	for _, line := range []string{
		"portal_db_pool_acquired_conns 1",
		"portal_db_pool_max_conns 3",
		"portal_db_pool_total_conns 1",
		"portal_db_pool_acquires_total 1",
	} {
		if !hasLine(body, line) {
			t.Errorf("with one connection held, scrape lacks %q\n%s", line, portalLines(body))
		}
	}

	conn.Release()
	body = scrape(t, m)
	for _, line := range []string{"portal_db_pool_acquired_conns 0", "portal_db_pool_idle_conns 1"} {
		if !hasLine(body, line) {
			t.Errorf("after release, scrape lacks %q\n%s", line, portalLines(body))
		}
	}
}

func hasLine(body, line string) bool {
	for l := range strings.Lines(body) {
		if strings.TrimRight(l, "\n") == line {
			return true
		}
	}
	return false
}

func portalLines(body string) string {
	var b strings.Builder
	for l := range strings.Lines(body) {
		if strings.HasPrefix(l, "portal_") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// The engine cache's counters and size are read at scrape time.
func TestEngineCacheSeries(t *testing.T) {
	m := metrics.New(nil)
	s := metrics.EngineCacheStats{Hits: 7, Misses: 2, Stale: 3, Refreshes: 1, RefreshErrors: 1, Entries: 4, Bytes: 5000, MaxBytes: 64 << 20}
	m.WatchEngineCache(func() metrics.EngineCacheStats { return s })
	body := scrape(t, m)
	for _, line := range []string{
		`portal_engine_cache_reads_total{result="hit"} 7`,
		`portal_engine_cache_reads_total{result="miss"} 2`,
		`portal_engine_cache_reads_total{result="stale"} 3`,
		"portal_engine_cache_refreshes_total 1",
		"portal_engine_cache_refresh_errors_total 1",
		"portal_engine_cache_entries 4",
		"portal_engine_cache_bytes 5000",
		"portal_engine_cache_max_bytes 6.7108864e+07",
	} {
		if !hasLine(body, line) {
			t.Errorf("scrape lacks %q\n%s", line, portalLines(body))
		}
	}
	s.Hits = 8
	if !hasLine(scrape(t, m), `portal_engine_cache_reads_total{result="hit"} 8`) {
		t.Error("a later scrape does not read the current counters")
	}
}
