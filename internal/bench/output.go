package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("bench: encode report: %w", err)
	}
	return nil
}

// WriteTrace writes every Vtiger call of the cold and warm journeys, per
// portal request: what to read when a call budget is missed.
func WriteTrace(w io.Writer, r *Report) error {
	for _, j := range []struct {
		name string
		j    Journey
	}{{"cold", r.Cold}, {"warm", r.Warm}} {
		for _, s := range j.j.Steps {
			if _, err := fmt.Fprintf(w, "%s %s %s: %d calls\n", j.name, s.Method, s.Path, s.Calls); err != nil {
				return fmt.Errorf("bench: write trace: %w", err)
			}
			for _, c := range s.Trace {
				fmt.Fprintf(w, "    %s\n", c)
			}
		}
	}
	return nil
}

// WriteTable writes the report as aligned text tables.
func WriteTable(out io.Writer, r *Report) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	s := r.Settings
	fmt.Fprintf(w, "Vtiger %s simulator: %.0f ms ± %.0f ms per call, %d workers, portal pool %d sessions; %d extra tickets and %d invoices per account; GOMAXPROCS %d\n\n",
		s.VtigerVersion, s.Latency, s.Jitter, s.Workers, s.Sessions, s.Tickets, s.Invoices, s.GOMAXPROCS)

	fmt.Fprintf(w, "STARTUP\tVtiger calls the portal made on its own before the first request: %d %s\n\n", sumOps(r.Startup), opsString(r.Startup))
	fmt.Fprintln(w, "JOURNEY\tstatus\tcold calls\tcold ms\twarm status\twarm calls\twarm ms\twarm vtiger ms\twarm overhead ms\twarm calls by op\tcold calls by op")
	for i, c := range r.Cold.Steps {
		var wm Step
		if i < len(r.Warm.Steps) {
			wm = r.Warm.Steps[i]
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%.1f\t%d\t%d\t%.1f\t%.1f\t%.3f\t%s\t%s\n", c.Name, c.Status, c.Calls, c.Latency,
			wm.Status, wm.Calls, wm.Latency, wm.VtigerTime, wm.Overhead, opsString(wm.CallsByOp), opsString(c.CallsByOp))
	}
	fmt.Fprintf(w, "TOTAL\t\t%d\t%.1f\t\t%d\t%.1f\t%.1f\t%.3f\t%s\t%s\n\n", r.Cold.Calls, r.Cold.Latency, r.Warm.Calls, r.Warm.Latency,
		r.Warm.VtigerTime, r.Warm.Latency-r.Warm.VtigerTime, opsString(r.Warm.CallsByOp), opsString(r.Cold.CallsByOp))

	fmt.Fprintf(w, "OVERHEAD\tportal time minus Vtiger wait per warm request: p50 %.3f ms, p90 %.3f ms (%d requests over %d passes, login excluded)\n\n",
		r.Overhead.P50, r.Overhead.P90, r.Overhead.Samples, r.Overhead.Passes)
	fmt.Fprintln(w, "N+1 CHECK\tsmall rows\tcalls (repeat)\tlarge rows\tcalls (repeat)\tsmall by op\tlarge by op")
	for _, c := range r.Scaling {
		fmt.Fprintf(w, "%s\t%d\t%d (%d)\t%d\t%d (%d)\t%s\t%s\n", c.Name, c.Small.Rows, c.Small.First, c.Small.Repeat,
			c.Large.Rows, c.Large.First, c.Large.Repeat, opsString(c.Small.ByOp), opsString(c.Large.ByOp))
	}
	m := r.Memory
	fmt.Fprintf(w, "\nMEMORY\t%s: %d rows, %.2f MB portal + %.2f MB simulator, %d allocs per request (avg of %d)\n\n",
		m.Path, m.Rows, float64(m.PortalBytes)/(1<<20), float64(m.SimBytesPerReq)/(1<<20), m.AllocsPerReq, m.Runs)

	l := r.Load
	fmt.Fprintf(w, "LOAD\t%d customers over %d accounts, %.1f s\n", l.Users, l.Accounts, float64(l.Duration)/1000)
	fmt.Fprintf(w, "requests\t%d (%.1f req/s), %d errors\n", l.Requests, l.RPS, l.Errors)
	fmt.Fprintf(w, "latency\tp50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms\n", l.P50, l.P95, l.P99, l.Max)
	fmt.Fprintf(w, "vtiger\t%d calls, %.2f per request, max %d concurrent, %d logins, workers %.0f%% busy %s\n",
		l.VtigerCalls, l.CallsPerRequest, l.MaxConcurrent, l.Logins, 100*l.WorkerUtil, opsString(l.CallsByOp))
	fmt.Fprintf(w, "cpu\t%.3f ms per request (portal + simulator + load generator), %.0f%% of %d CPUs\n\n", l.CPUPerRequest, 100*l.CPUUtil, r.Settings.GOMAXPROCS)
	fmt.Fprintln(w, "LOAD ROUTE\trequests\terrors\tp50 ms\tp95 ms")
	for _, rf := range l.Routes {
		fmt.Fprintf(w, "%s\t%d\t%d\t%.2f\t%.2f\n", rf.Name, rf.Requests, rf.Errors, rf.P50, rf.P95)
	}
	for _, e := range l.ErrorSamples {
		fmt.Fprintf(w, "error\t%s\n", e)
	}
	fmt.Fprintf(w, "\nLOGINS\t%d in total, %d after warm-up, at most %d at once\n\n", r.Logins.Total, r.Logins.AfterWarmUp, r.Logins.MaxConcurrent)

	if r.Baseline != nil {
		b, m := r.Baseline, r.Mode
		fmt.Fprintf(w, "MODES\tcache.stale 0 (baseline)\tcache.stale %.0f s, cache.fresh %.0f s\n", m.Stale/1000, m.Fresh/1000)
		rows := []struct {
			name string
			b, m string
		}{
			{"cold journey Vtiger calls", fmt.Sprint(b.ColdCalls), fmt.Sprint(m.ColdCalls)},
			{"warm journey Vtiger calls", fmt.Sprint(b.WarmCalls), fmt.Sprint(m.WarmCalls)},
			{"warm overhead p50 ms", fmt.Sprintf("%.3f", b.OverheadP50), fmt.Sprintf("%.3f", m.OverheadP50)},
			{"median Vtiger call ms", fmt.Sprintf("%.2f", b.CallMedian), fmt.Sprintf("%.2f", m.CallMedian)},
			{"load req/s", fmt.Sprintf("%.0f", b.LoadRPS), fmt.Sprintf("%.0f", m.LoadRPS)},
			{"load p50 / p99 ms", fmt.Sprintf("%.2f / %.2f", b.LoadP50, b.LoadP99), fmt.Sprintf("%.2f / %.2f", m.LoadP50, m.LoadP99)},
			{"load Vtiger calls per request", fmt.Sprintf("%.3f", b.CallsPerRequest), fmt.Sprintf("%.3f", m.CallsPerRequest)},
			{"CRM-side change visible after ms", fmt.Sprintf("%.0f", b.CRMChangeAfter), fmt.Sprintf("%.0f", m.CRMChangeAfter)},
		}
		for _, row := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\n", row.name, row.b, row.m)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "BUDGET\tlimit\tresult\tfigure")
	for _, b := range r.Budgets {
		verdict := "ok"
		if !b.OK {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", b.Name, b.Limit, verdict, b.Figure)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("bench: write table: %w", err)
	}
	return nil
}
