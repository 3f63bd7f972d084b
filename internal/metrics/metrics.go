// Package metrics is the portal's Prometheus instrumentation: HTTP requests
// by route pattern, Vtiger webservice calls, cache hits and misses,
// background job runs and PostgreSQL pool statistics, all on a private
// registry exposed by Handler.
//
// A private registry (rather than prometheus.DefaultRegisterer) keeps tests
// and several Metrics values in one process independent, and makes the
// exposed series exactly what this package declares.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

const namespace = "portal"

// Metrics holds every portal series and the registry they live on. The zero
// value is not usable; build one with New. All methods are safe for
// concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	vtigerCalls    *prometheus.CounterVec
	vtigerDuration *prometheus.HistogramVec

	cacheRequests *prometheus.CounterVec

	jobRuns     *prometheus.CounterVec
	jobDuration *prometheus.HistogramVec

	activityFailures  prometheus.Counter
	paymentMismatches prometheus.Counter
}

// New builds the metrics on a fresh registry. poolStat, when not nil, is
// read at every scrape for the PostgreSQL pool gauges (pass
// db.Pool().Stat); nil leaves the pool series out.
func New(poolStat func() *pgxpool.Stat) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests by method, chi route pattern and status code.",
		}, []string{"method", "route", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency by method and chi route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		vtigerCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "vtiger", Name: "calls_total",
			Help: `Vtiger webservice calls by operation and error code ("" = success).`,
		}, []string{"operation", "error_code"}),
		vtigerDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "vtiger", Name: "call_duration_seconds",
			Help:    "Vtiger webservice call latency by operation.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		cacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "cache", Name: "requests_total",
			Help: "Cache lookups by cache name and result (hit or miss).",
		}, []string{"cache", "result"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "job", Name: "runs_total",
			Help: "Background job runs by job name and result (ok or error).",
		}, []string{"job", "result"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "job", Name: "duration_seconds",
			Help:    "Background job run time by job name.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300},
		}, []string{"job"}),
		activityFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "activity", Name: "record_failures_total",
			Help: "Portal writes whose activity-trail entry could not be stored (the write itself succeeded).",
		}),
		paymentMismatches: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "payments", Name: "amount_mismatch_total",
			Help: "Signed payment_intent.succeeded events whose amount_received or currency did not match the stored payment (not marked paid).",
		}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration,
		m.vtigerCalls, m.vtigerDuration,
		m.cacheRequests,
		m.jobRuns, m.jobDuration,
		m.activityFailures,
		m.paymentMismatches,
	)
	if poolStat != nil {
		m.reg.MustRegister(newPoolCollector(poolStat))
	}
	return m
}

// Registry returns the private registry, for callers that add their own
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveHTTP records one request. route must be the router's pattern
// ("/api/v1/tickets/{id}", or "unmatched" for 404s), never the raw path,
// or every record id becomes its own series.
func (m *Metrics) ObserveHTTP(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(method, route).Observe(d.Seconds())
}

// ObserveCall records one Vtiger webservice call; errCode is "" on success.
func (m *Metrics) ObserveCall(operation string, d time.Duration, errCode string) {
	m.vtigerCalls.WithLabelValues(operation, errCode).Inc()
	m.vtigerDuration.WithLabelValues(operation).Observe(d.Seconds())
}

// CacheHit counts a lookup of cache name that found its entry.
func (m *Metrics) CacheHit(name string) { m.cacheRequests.WithLabelValues(name, "hit").Inc() }

// CacheMiss counts a lookup of cache name that had to load its entry.
func (m *Metrics) CacheMiss(name string) { m.cacheRequests.WithLabelValues(name, "miss").Inc() }

// JobRun records one run of background job name.
func (m *Metrics) JobRun(name string, ok bool, d time.Duration) {
	result := "ok"
	if !ok {
		result = "error"
	}
	m.jobRuns.WithLabelValues(name, result).Inc()
	m.jobDuration.WithLabelValues(name).Observe(d.Seconds())
}

// ActivityRecordFailed counts an activity-trail entry that was not stored.
func (m *Metrics) ActivityRecordFailed() { m.activityFailures.Inc() }

// httpObserver mirrors the delivery layer's Metrics interface; importing
// that package here would drag the whole HTTP layer into every user of
// metrics, so the method set is matched instead (ops_test.go in the
// delivery package asserts the real interface).
type httpObserver interface {
	ObserveHTTP(method, route string, status int, d time.Duration)
}

// CacheObserver is what a cache reports to; services declare the same
// method set on their side.
type CacheObserver interface {
	CacheHit(name string)
	CacheMiss(name string)
}

// JobObserver is what a background job runner reports to.
type JobObserver interface {
	JobRun(name string, ok bool, d time.Duration)
}

var (
	_ httpObserver    = (*Metrics)(nil)
	_ vtiger.Observer = (*Metrics)(nil)
	_ CacheObserver   = (*Metrics)(nil)
	_ JobObserver     = (*Metrics)(nil)
)

// PaymentAmountMismatch counts a succeeded intent whose amount or currency
// did not match its payment row.
func (m *Metrics) PaymentAmountMismatch() { m.paymentMismatches.Inc() }
