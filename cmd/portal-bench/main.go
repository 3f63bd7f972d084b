// Command portal-bench runs the customer-journey benchmark: the portal
// in-process against a Vtiger simulator with production-like latency,
// the frontend's journey cold and warm, N+1 and memory checks and a load
// phase, judged against the budgets of issue #8. It exits 1 when a budget
// is missed and 2 when the benchmark itself could not run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/portalcrm/vtiger-portal/internal/bench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("portal-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o bench.Options
	jsonOut := fs.Bool("json", false, "print the report as JSON instead of tables")
	trace := fs.Bool("trace", false, "also print every Vtiger call (operation and VTQL) of the cold and warm journeys")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	verbose := fs.Bool("v", false, "show the portal's and the simulator's warnings")
	fs.DurationVar(&o.Duration, "duration", 10e9, "length of the load phase")
	fs.IntVar(&o.Users, "users", 50, "concurrent customers in the load phase (split over two accounts)")
	fs.IntVar(&o.Tickets, "tickets", 300, "extra tickets per account")
	fs.IntVar(&o.Invoices, "invoices", 50, "extra invoices per account")
	fs.DurationVar(&o.Latency, "latency", 20e6, "simulated Vtiger latency per call (negative: none)")
	fs.DurationVar(&o.Jitter, "jitter", 0, "± jitter around -latency (0: latency/4)")
	fs.IntVar(&o.Workers, "workers", 4, "simulated PHP workers (concurrent Vtiger calls)")
	fs.StringVar(&o.DSN, "db", bench.DefaultDSN, "PostgreSQL DSN of the benchmark database (a name containing \"bench\" is dropped and recreated)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *verbose {
		o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	o.Progress = stderr

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "portal-bench: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "portal-bench: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "portal-bench: %v\n", err)
		return 2
	}
	if *jsonOut {
		err = bench.WriteJSON(stdout, rep)
	} else {
		err = bench.WriteTable(stdout, rep)
	}
	if err == nil && *trace && !*jsonOut {
		fmt.Fprintln(stdout)
		err = bench.WriteTrace(stdout, rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "portal-bench: %v\n", err)
		return 2
	}
	if !bench.Passed(rep.Budgets) {
		for _, b := range rep.Budgets {
			if !b.OK {
				fmt.Fprintf(stderr, "portal-bench: budget missed: %s (limit %s): %s\n", b.Name, b.Limit, b.Figure)
			}
		}
		return 1
	}
	return 0
}
