package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reads the pgx pool statistics at scrape time, so the values
// are current without a polling goroutine.
type poolCollector struct {
	stat func() *pgxpool.Stat

	acquired, idle, total, constructing, max *prometheus.Desc
	acquireCount, acquireDuration            *prometheus.Desc
	emptyAcquire, canceledAcquire            *prometheus.Desc
	newConns, lifetimeDestroy, idleDestroy   *prometheus.Desc
}

var _ prometheus.Collector = (*poolCollector)(nil)

func newPoolCollector(stat func() *pgxpool.Stat) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "db_pool", name), help, nil, nil)
	}
	return &poolCollector{
		stat:            stat,
		acquired:        d("acquired_conns", "Connections currently checked out of the pool."),
		idle:            d("idle_conns", "Idle connections in the pool."),
		total:           d("total_conns", "All connections in the pool (acquired, idle and being built)."),
		constructing:    d("constructing_conns", "Connections being established."),
		max:             d("max_conns", "Configured pool size."),
		acquireCount:    d("acquires_total", "Successful connection acquisitions."),
		acquireDuration: d("acquire_duration_seconds_total", "Total time spent acquiring connections."),
		emptyAcquire:    d("empty_acquires_total", "Acquisitions that had to wait because the pool was empty."),
		canceledAcquire: d("canceled_acquires_total", "Acquisitions canceled by their context."),
		newConns:        d("new_conns_total", "Connections opened."),
		lifetimeDestroy: d("max_lifetime_destroys_total", "Connections closed for exceeding their maximum lifetime."),
		idleDestroy:     d("max_idle_destroys_total", "Connections closed for exceeding their maximum idle time."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.constructing, c.max,
		c.acquireCount, c.acquireDuration, c.emptyAcquire, c.canceledAcquire,
		c.newConns, c.lifetimeDestroy, c.idleDestroy} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stat()
	if s == nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(c.acquired, float64(s.AcquiredConns()))
	gauge(c.idle, float64(s.IdleConns()))
	gauge(c.total, float64(s.TotalConns()))
	gauge(c.constructing, float64(s.ConstructingConns()))
	gauge(c.max, float64(s.MaxConns()))
	counter(c.acquireCount, float64(s.AcquireCount()))
	counter(c.acquireDuration, s.AcquireDuration().Seconds())
	counter(c.emptyAcquire, float64(s.EmptyAcquireCount()))
	counter(c.canceledAcquire, float64(s.CanceledAcquireCount()))
	counter(c.newConns, float64(s.NewConnsCount()))
	counter(c.lifetimeDestroy, float64(s.MaxLifetimeDestroyCount()))
	counter(c.idleDestroy, float64(s.MaxIdleDestroyCount()))
}
