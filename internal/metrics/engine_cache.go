package metrics

import "github.com/prometheus/client_golang/prometheus"

// EngineCacheStats are the module engine cache's counters and size
// (records.CacheStats, mirrored so this package does not import the engine).
type EngineCacheStats struct {
	Hits, Misses, Stale, Refreshes, RefreshErrors int64
	Entries                                       int
	Bytes, MaxBytes                               uint64
}

// WatchEngineCache exposes the engine cache's stale-while-revalidate
// counters and estimated size, read at every scrape.
func (m *Metrics) WatchEngineCache(stats func() EngineCacheStats) {
	m.reg.MustRegister(newEngineCacheCollector(stats))
}

// engineCacheCollector reads the cache at scrape time (no polling).
type engineCacheCollector struct {
	stats                           func() EngineCacheStats
	reads, refreshes, refreshErrors *prometheus.Desc
	entries, bytes, maxBytes        *prometheus.Desc
}

var _ prometheus.Collector = (*engineCacheCollector)(nil)

func newEngineCacheCollector(stats func() EngineCacheStats) *engineCacheCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "engine_cache", name), help, labels, nil)
	}
	return &engineCacheCollector{
		stats:         stats,
		reads:         d("reads_total", "Customer reads by result: hit (fresh), stale (served, refresh started or running), miss (waited for Vtiger).", "result"),
		refreshes:     d("refreshes_total", "Background refreshes started by stale reads."),
		refreshErrors: d("refresh_errors_total", "Background refreshes that failed (the stale value stayed)."),
		entries:       d("entries", "Entries held (estimate)."),
		bytes:         d("bytes", "Estimated bytes held (the weigher's sum)."),
		maxBytes:      d("max_bytes", "Configured bound, cache.maxBytes."),
	}
}

func (c *engineCacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.reads, c.refreshes, c.refreshErrors, c.entries, c.bytes, c.maxBytes} {
		ch <- d
	}
}

func (c *engineCacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter(c.reads, float64(s.Hits), "hit")
	counter(c.reads, float64(s.Stale), "stale")
	counter(c.reads, float64(s.Misses), "miss")
	counter(c.refreshes, float64(s.Refreshes))
	counter(c.refreshErrors, float64(s.RefreshErrors))
	gauge(c.entries, float64(s.Entries))
	gauge(c.bytes, float64(s.Bytes))
	gauge(c.maxBytes, float64(s.MaxBytes))
}
