package bench

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// warmUp runs one unmeasured journey per customer, all at once: it fills
// the per-customer caches and the Vtiger session pool, and picks each
// customer's detail ids from its own lists.
func (h *harness) warmUp(ctx context.Context, users []*customer) {
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			for _, s := range journeySteps {
				runStep(ctx, h.cl, u, s)
			}
		})
	}
	wg.Wait()
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load has every customer loop the journey (without login) until the
// duration is over; requests in flight then finish and count.
func (h *harness) load(ctx context.Context, users []*customer) Load {
	sim := h.app.Sim
	sim.ResetCounters() // MaxConcurrentSeen has no other reset
	calls0, tap0, cpu0 := sim.Calls(), h.tap.stats(), cpuTime()
	start := time.Now()
	deadline := start.Add(h.o.Duration)

	type worker struct {
		lat    [][]float64 // by step
		errs   []int64
		sample []string
	}
	ws := make([]worker, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		w := &ws[i]
		w.lat = make([][]float64, len(journeySteps))
		w.errs = make([]int64, len(journeySteps))
		// Stagger the starting step so the customers do not move in lockstep.
		k := i % len(journeySteps)
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				s := journeySteps[k]
				t0 := time.Now()
				path, r := runStep(ctx, h.cl, u, s)
				w.lat[k] = append(w.lat[k], float64(time.Since(t0))/float64(time.Millisecond))
				if !r.ok() {
					w.errs[k]++
					if len(w.sample) < 3 {
						w.sample = append(w.sample, fmt.Sprintf("%s %s → %d %s", http.MethodGet, path, r.status, r.problem()))
					}
				}
				k = (k + 1) % len(journeySteps)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	tap1 := h.tap.stats()
	ops := diffOps(calls0, sim.Calls())

	l := Load{Users: len(users), Duration: ms(wall), CallsByOp: ops, VtigerCalls: sumOps(ops),
		MaxConcurrent: sim.MaxConcurrentSeen(), Logins: sim.Logins()}
	accounts := map[string]bool{}
	for _, u := range users {
		accounts[u.account] = true
	}
	l.Accounts = len(accounts)
	var all []float64
	for si, s := range journeySteps {
		var v []float64
		rf := RouteFigures{Name: s.name}
		for _, w := range ws {
			v = append(v, w.lat[si]...)
			rf.Errors += w.errs[si]
		}
		rf.Requests = int64(len(v))
		all = append(all, v...)
		rf.P95 = Millis(percentile(v, 0.95))
		rf.P50 = Millis(percentile(v, 0.50))
		l.Routes = append(l.Routes, rf)
		l.Errors += rf.Errors
	}
	for _, w := range ws {
		l.ErrorSamples = append(l.ErrorSamples, w.sample...)
		if len(l.ErrorSamples) >= 5 {
			l.ErrorSamples = l.ErrorSamples[:5]
			break
		}
	}
	l.Requests = int64(len(all))
	l.P99 = Millis(percentile(all, 0.99))
	l.P95 = Millis(percentile(all, 0.95))
	l.P50 = Millis(percentile(all, 0.50))
	l.Max = Millis(percentile(all, 1))
	if wall > 0 {
		l.RPS = float64(l.Requests) / wall.Seconds()
		l.WorkerUtil = float64(tap1.workerTime-tap0.workerTime) / (float64(wall) * float64(max(h.o.Workers, 1)))
		l.CPUUtil = float64(cpu) / (float64(wall) * float64(runtime.GOMAXPROCS(0)))
	}
	if l.Requests > 0 {
		l.CallsPerRequest = float64(l.VtigerCalls) / float64(l.Requests)
		l.CPUPerRequest = ms(cpu / time.Duration(l.Requests))
	}
	return l
}
