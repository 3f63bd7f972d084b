package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// DefaultDSN is the dedicated benchmark database (dropped and recreated on
// every run, so earlier runs' users and tokens never skew the figures).
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/portal_bench?sslmode=disable"

// benchPassword is the password of every user the benchmark registers.
const benchPassword = "bench-Passw0rd-2026"

// Options configure a run; the zero value of a field means its default.
type Options struct {
	Duration time.Duration // load phase length (default 10s)
	Users    int           // concurrent customers in the load phase (default 50)
	Tickets  int           // extra tickets per account (default 300)
	Invoices int           // extra invoices per account (default 50)
	Latency  time.Duration // per Vtiger call (default 20ms; negative = none)
	Jitter   time.Duration // ± around Latency (default Latency/4)
	Workers  int           // simulated PHP workers (default 4)
	DSN      string        // benchmark database (default DefaultDSN)
	Budgets  *Budgets      // default DefaultBudgets()
	Logger   *slog.Logger  // portal and simulator logs (default: warnings to stderr)
	Progress io.Writer     // phase messages (default: discarded)
}

func (o Options) withDefaults() Options {
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Users <= 0 {
		o.Users = 50
	}
	if o.Tickets <= 0 {
		o.Tickets = 300
	}
	if o.Invoices <= 0 {
		o.Invoices = 50
	}
	switch {
	case o.Latency == 0:
		o.Latency = 20 * time.Millisecond
	case o.Latency < 0:
		o.Latency = 0
	}
	if o.Jitter == 0 {
		o.Jitter = o.Latency / 4
	}
	o.Jitter = max(o.Jitter, 0)
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.DSN == "" {
		o.DSN = DefaultDSN
	}
	if o.Budgets == nil {
		b := DefaultBudgets()
		o.Budgets = &b
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// Extra data the seed adds for the N+1 checks: a third account with a
// single contact (a one-row colleague list) and many colleagues at Globex;
// one ticket with many comments.
const (
	extraColleagues = 40
	extraComments   = 40
)

// harness is one run's state.
type harness struct {
	o     Options
	stale time.Duration // ≥ 0: cache.stale of this run
	tap   *tap
	app   *app.Main
	cl    *client

	// Filled by the seed: portal users to register, by account key.
	seedUsers []seedUser
	// Tickets for the comments check: a few comments vs many.
	fewComments, manyComments string
}

type seedUser struct {
	email, code, account string
}

// Run measures the portal twice — first with cache.stale 0 (no
// stale-while-revalidate: every customer read asks Vtiger, the baseline),
// then with the configured cache — and evaluates the budgets on the second
// against the first.
func Run(ctx context.Context, o Options) (*Report, error) {
	o = o.withDefaults()
	started := time.Now()
	fmt.Fprintf(o.Progress, "portal-bench: baseline run (cache.stale 0)\n")
	base, err := runMode(ctx, o, 0)
	if err != nil {
		return base, fmt.Errorf("baseline (cache.stale 0): %w", err)
	}
	fmt.Fprintf(o.Progress, "portal-bench: stale-while-revalidate run (cache.stale %v)\n", config.Default().Cache.Stale)
	rep, err := runMode(ctx, o, -1)
	if err != nil {
		return rep, err
	}
	b := base.Mode
	rep.Baseline = &b
	rep.Budgets = Evaluate(rep, *o.Budgets)
	rep.Started = started
	rep.Elapsed = ms(time.Since(started))
	return rep, nil
}

// runMode is one full measurement; stale ≥ 0 overrides cache.stale.
func runMode(ctx context.Context, o Options, stale time.Duration) (rep *Report, err error) {
	started := time.Now()
	h := &harness{o: o, stale: stale}
	if err := resetDatabase(ctx, o.DSN); err != nil {
		return nil, err
	}
	h.tap, err = newTap(o.Workers)
	if err != nil {
		return nil, err
	}
	defer h.tap.close()

	if err := h.start(ctx); err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if cerr := h.app.Close(cctx); cerr != nil && err == nil {
			err = fmt.Errorf("bench: stop portal: %w", cerr)
		}
	}()
	h.cl = newClient(h.app.URL(), o.Users+4)

	rep = &Report{Started: started, Settings: Settings{
		Latency: ms(o.Latency), Jitter: ms(o.Jitter), Workers: o.Workers, Sessions: h.app.Config.Vtiger.Connection.Sessions,
		Tickets: o.Tickets, Invoices: o.Invoices, Users: o.Users, Duration: ms(o.Duration), VtigerVersion: "8.4",
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}}
	rep.Settings.Fresh, rep.Settings.Stale = ms(h.app.Config.Cache.Fresh), ms(h.app.Config.Cache.Stale)
	rep.Settings.CacheMaxBytes = h.app.Config.Cache.MaxBytes
	if err := h.measure(ctx, rep); err != nil {
		return rep, err
	}
	rep.Mode = modeFigures(rep, h.tap.callMedian())
	rep.Elapsed = ms(time.Since(started))
	return rep, nil
}

func (h *harness) progress(format string, args ...any) {
	fmt.Fprintf(h.o.Progress, "portal-bench: "+format+"\n", args...)
}

// start runs the portal in demo mode with production-like settings.
func (h *harness) start(ctx context.Context) error {
	cfg := config.Default()
	cfg.Environment = config.EnvDevelopment
	cfg.HTTP.Host, cfg.HTTP.Port = "127.0.0.1", 0
	cfg.DB.DSN = h.o.DSN
	cfg.DB.AutoMigrate = true
	cfg.DB.MaxConns = 20
	// The load phase is one client IP hammering the API: the limiter would
	// measure itself, not the portal.
	cfg.Limiter.Enabled = false
	cfg.Limiter.AuthPerMinute = 0
	cfg.Email.SendWelcomeEmail = false
	cfg.Auth.EncryptionKey = strings.Repeat("5e", 32)
	cfg.Log.Level = "warn"
	if h.stale >= 0 {
		cfg.Cache.Stale = h.stale
	}
	logger := h.o.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m, err := app.New(app.Options{
		Demo: true, Version: "bench",
		Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Test: &app.TestHooks{
			Config: &cfg, Logger: logger,
			SimOptions: &vtigersim.Options{Version: "8.4", Latency: h.o.Latency, Jitter: h.o.Jitter, MaxConcurrent: h.o.Workers,
				Logger: logger.With("component", "vtigersim")},
			Seed:             h.seed,
			VtigerHTTPClient: h.tap.httpClient(cfg.Vtiger.Connection.Sessions),
			// The journey pays nothing; stripe-mock would only add a process.
			DemoStripeMock: app.DemoStripeMockOff,
		},
	})
	if err != nil {
		return fmt.Errorf("bench: configure portal: %w", err)
	}
	h.progress("starting portal (%d+%d tickets/invoices per account, latency %v ± %v, %d workers)", h.o.Tickets, h.o.Invoices, h.o.Latency, h.o.Jitter, h.o.Workers)
	if err := m.Run(ctx); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = m.Close(cctx)
		return fmt.Errorf("bench: start portal: %w", err)
	}
	h.app = m
	return nil
}

// resetDatabase drops the benchmark database so each run starts from an
// empty schema. It refuses any database whose name does not say "bench".
func resetDatabase(ctx context.Context, dsn string) error {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return errors.New("bench: -db is not a valid PostgreSQL connection string")
	}
	if !strings.Contains(cfg.Database, "bench") {
		return nil // somebody else's database: reuse it, never drop it
	}
	admin, err := postgres.ReplaceDatabase(dsn, "postgres")
	if err != nil {
		return fmt.Errorf("bench: reset database: %w", err)
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("bench: reset database: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{cfg.Database}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("bench: drop %s: %w", cfg.Database, err)
	}
	return nil
}

// seed loads the scaled demo data plus the benchmark's own customers.
func (h *harness) seed(s *vtigersim.Server) (*vtigersim.Demo, error) {
	h.tap.setSim(s)
	d, err := vtigersim.SeedScaled(s, h.o.Tickets, h.o.Invoices)
	if err != nil {
		return nil, err
	}
	now := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC).Format(time.DateTime)
	contact := func(accountID, first, last, email, code string) error {
		_, err := s.Insert("Contacts", map[string]string{
			"firstname": first, "lastname": last, "email": email, "account_id": accountID, "title": "Engineer",
			"department": "IT", "portal": "1", "code": code, "support_start_date": "2026-01-01", "support_end_date": "2099-12-31",
			"emailoptout": "0", "donotcall": "0", "notify_owner": "0", "reference": "0", "leadsource": "Existing Customer",
			"assigned_user_id": d.ManagerUserID, "createdtime": now, "modifiedtime": now, "source": "CRM",
		})
		return err
	}
	// The load users: half at Acme, half at Globex.
	for i := range h.o.Users {
		key := []string{"acme", "globex"}[i%2]
		u := seedUser{email: fmt.Sprintf("bench%03d@%s.example", i+1, key), code: fmt.Sprintf("BENCH%03d", i+1), account: key}
		if err := contact(d.Accounts[key], "Bench", fmt.Sprintf("Customer %03d", i+1), u.email, u.code); err != nil {
			return nil, fmt.Errorf("bench: seed contact: %w", err)
		}
		h.seedUsers = append(h.seedUsers, u)
	}
	for i := range extraColleagues {
		if err := contact(d.Accounts["globex"], "Colleague", fmt.Sprintf("%02d", i+1), fmt.Sprintf("colleague%02d@globex.example", i+1), ""); err != nil {
			return nil, fmt.Errorf("bench: seed colleague: %w", err)
		}
	}
	initech, err := s.Insert("Accounts", map[string]string{
		"accountname": "Initech LLC", "accounttype": "Customer", "bill_city": "Austin", "bill_country": "United States",
		"assigned_user_id": d.ManagerUserID, "createdtime": now, "modifiedtime": now, "source": "CRM",
	})
	if err != nil {
		return nil, fmt.Errorf("bench: seed account: %w", err)
	}
	d.Accounts["initech"] = initech
	solo := seedUser{email: "solo@initech.example", code: "BENCHSOLO", account: "initech"}
	if err := contact(initech, "Solo", "Customer", solo.email, solo.code); err != nil {
		return nil, fmt.Errorf("bench: seed contact: %w", err)
	}
	h.seedUsers = append(h.seedUsers, solo)

	// Two Acme tickets the journey never opens: one keeps its two seeded
	// comments, the other gets many more.
	var candidates []string
	for _, id := range d.Tickets["acme"] {
		if f, ok := s.Get(id); ok && f["parent_id"] == d.Accounts["acme"] {
			candidates = append(candidates, id)
		}
	}
	if len(candidates) < 2 {
		return nil, errors.New("bench: seed: fewer than two Acme tickets")
	}
	h.fewComments, h.manyComments = candidates[len(candidates)-2], candidates[len(candidates)-1]
	for i := range extraComments {
		id, err := s.Insert("ModComments", map[string]string{
			"commentcontent": fmt.Sprintf("Benchmark follow-up %d.", i+1), "related_to": h.manyComments, "is_private": "0",
			"creator": d.ManagerUserID, "assigned_user_id": d.ManagerUserID, "related_email_id": "0",
			"createdtime": now, "modifiedtime": now, "source": "CRM",
		})
		if err != nil {
			return nil, fmt.Errorf("bench: seed comment: %w", err)
		}
		if err := s.Relate(h.manyComments, id, "ModComments"); err != nil {
			return nil, fmt.Errorf("bench: seed comment relation: %w", err)
		}
	}
	return d, nil
}

// measure runs the phases in an order that keeps each one honest: the cold
// journey first on the fresh app, registration only after it (it warms
// caches), the N+1 checks on keys nothing has requested yet.
func (h *harness) measure(ctx context.Context, rep *Report) error {
	sim := h.app.Sim
	demoUser := h.app.Demo.PortalUsers[0]
	anna := &customer{email: demoUser.Email, account: "acme"}
	h.fallbackIDs(anna)

	// The app warms caches and runs its jobs' first round in the
	// background at start; let that finish so the journey's figures are
	// the journey's own, and report it apart.
	if !h.tap.quiesce(ctx, 300*time.Millisecond, 15*time.Second) {
		h.progress("the portal kept calling Vtiger in the background; cold figures include that traffic")
	}
	rep.Startup = sim.Calls()
	h.progress("cold journey")
	rep.Cold = h.journey(ctx, anna, vtigersim.DemoPassword)
	loginsAfterCold := sim.Logins()
	h.progress("warm journey")
	rep.Warm = h.journey(ctx, anna, vtigersim.DemoPassword)
	rep.Settings.VtigerMeasured = h.tap.stats().calls > 0
	afterWarm := rep.Warm.Logins
	rep.Overhead = h.overhead(ctx, anna, rep.Warm, &afterWarm)

	h.progress("registering %d customers", len(h.seedUsers))
	before := sim.Calls()
	loginsBefore := sim.Logins()
	users, solo, err := h.register(ctx)
	if err != nil {
		return err
	}
	setupLogins := sim.Logins() - loginsBefore

	h.progress("N+1 checks")
	loginsBefore = sim.Logins()
	rep.Scaling = h.scaling(ctx, anna, solo, users)
	h.progress("memory")
	rep.Memory = h.memory(ctx, anna)
	afterWarm += sim.Logins() - loginsBefore

	h.progress("load warm-up (%d customers)", len(users))
	loginsBefore = sim.Logins()
	h.warmUp(ctx, users)
	setupLogins += sim.Logins() - loginsBefore
	rep.Setup = diffOps(before, sim.Calls())

	total := loginsAfterCold + rep.Warm.Logins + setupLogins + (afterWarm - rep.Warm.Logins)
	maxConc := sim.ConcurrentLogins()
	h.progress("load phase: %d customers for %v", len(users), h.o.Duration)
	stopSampling := h.sampleCache()
	rep.Load = h.load(ctx, users)
	rep.Cache = stopSampling()
	h.progress("freshness: own write, CRM-side change")
	rep.Freshness = h.freshness(ctx, anna, rep.Cold)
	rep.Logins = LoginFigures{
		Total:         total + rep.Load.Logins,
		AfterWarmUp:   afterWarm + rep.Load.Logins,
		MaxConcurrent: max(maxConc, sim.ConcurrentLogins()),
	}
	accounts := map[string]bool{}
	for _, u := range users {
		accounts[u.account] = true
	}
	rep.Settings.Accounts = len(accounts)
	return nil
}

// overheadPasses is how many warm journeys the overhead median is taken over.
const overheadPasses = 5

// overhead repeats the warm journey (without login: password hashing is
// deliberate CPU, not overhead) and takes the median portal overhead over
// every request of every pass, the first warm pass included.
func (h *harness) overhead(ctx context.Context, cu *customer, warm Journey, logins *int64) Overhead {
	var v []float64
	for _, s := range warm.Steps {
		if s.Name != "login" {
			v = append(v, float64(s.Overhead))
		}
	}
	for range overheadPasses - 1 {
		j := h.journey(ctx, cu, "")
		*logins += j.Logins
		for _, s := range j.Steps {
			v = append(v, float64(s.Overhead))
		}
	}
	o := Overhead{Passes: overheadPasses, Samples: len(v)}
	o.P90 = Millis(percentile(v, 0.90))
	o.P50 = Millis(percentile(v, 0.50))
	return o
}

// fallbackIDs presets detail ids from the seed, for when a list fails.
func (h *harness) fallbackIDs(c *customer) {
	d := h.app.Demo
	first := func(ids []string) string {
		if len(ids) == 0 {
			return "0x0"
		}
		return ids[0]
	}
	c.ticket, c.invoice, c.project = first(d.Tickets[c.account]), first(d.Invoices[c.account]), first(d.Projects[c.account])
}

// register signs every seeded customer up through the API and logs them
// in, two at a time (password hashing is deliberately slow).
func (h *harness) register(ctx context.Context) (users []*customer, solo *customer, err error) {
	out := make([]*customer, len(h.seedUsers))
	errs := make([]error, len(h.seedUsers))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, su := range h.seedUsers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r := h.cl.do(ctx, http.MethodPost, "/users/", "", map[string]any{
				"email": su.email, "code": su.code, "password": benchPassword, "confirmPassword": benchPassword, "terms": true,
			})
			if !r.ok() {
				errs[i] = fmt.Errorf("bench: register %s: %d %s", su.email, r.status, r.problem())
				return
			}
			tok, r := h.cl.login(ctx, su.email, benchPassword)
			if tok == "" {
				errs[i] = fmt.Errorf("bench: log in %s: %d %s", su.email, r.status, r.problem())
				return
			}
			c := &customer{email: su.email, token: tok, account: su.account}
			h.fallbackIDs(c)
			out[i] = c
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	for _, c := range out {
		if c.account == "initech" {
			solo = c
		} else {
			users = append(users, c)
		}
	}
	return users, solo, nil
}

// scaling runs the N+1 checks: each pair first (cold key), then again.
func (h *harness) scaling(ctx context.Context, anna, solo *customer, users []*customer) []ScalingCheck {
	var globex *customer
	for _, u := range users {
		if u.account == "globex" {
			globex = u
			break
		}
	}
	if globex == nil {
		globex = anna
	}
	type side struct {
		who  *customer
		path string
	}
	pairs := []struct {
		name         string
		small, large side
	}{
		{"ticket list (size 10 vs 50)", side{anna, "/tickets/?page=1&size=10&sort=ticket_no"}, side{anna, "/tickets/?page=1&size=50&sort=ticket_no"}},
		{"colleagues (/users/all)", side{solo, "/users/all"}, side{globex, "/users/all"}},
		{"ticket comments", side{anna, "/tickets/" + h.fewComments + "/comments"}, side{anna, "/tickets/" + h.manyComments + "/comments"}},
	}
	probe := func(s side) (int64, map[string]int64, result) {
		before := h.app.Sim.Calls()
		r := h.cl.do(ctx, http.MethodGet, s.path, s.who.token, nil)
		ops := diffOps(before, h.app.Sim.Calls())
		return sumOps(ops), ops, r
	}
	var out []ScalingCheck
	for _, p := range pairs {
		c := ScalingCheck{Name: p.name}
		for _, x := range []struct {
			pr *Probe
			s  side
		}{{&c.Small, p.small}, {&c.Large, p.large}} {
			n, ops, r := probe(x.s)
			*x.pr = Probe{Path: x.s.path, Status: r.status, First: n, ByOp: ops, Rows: listLen(r.body)}
		}
		c.Small.Repeat, _, _ = probe(p.small)
		c.Large.Repeat, _, _ = probe(p.large)
		out = append(out, c)
	}
	return out
}

// memory measures one in-process 100-row list request, and the
// simulator's share of it by replaying the Vtiger calls it made.
func (h *harness) memory(ctx context.Context, anna *customer) Memory {
	const runs = 5
	m := Memory{Path: "/api/v1/tickets/?page=1&size=100&sort=-ticket_no", Runs: runs}
	handler := h.app.Handler()
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, m.Path, nil)
		req.Header.Set("Authorization", "Bearer "+anna.token)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}
	h.tap.startCapture()
	rec := serve() // also warms what a repeat request would find warm
	calls := h.tap.stopCapture()
	m.Rows = listLen(rec.Body.Bytes())

	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	for range runs {
		serve()
	}
	runtime.ReadMemStats(&b)
	m.BytesPerReq = int64(b.TotalAlloc-a.TotalAlloc) / runs
	m.AllocsPerReq = int64(b.Mallocs-a.Mallocs) / runs

	runtime.GC()
	runtime.ReadMemStats(&a)
	for range runs {
		for _, c := range calls {
			req := httptest.NewRequestWithContext(ctx, c.method, c.url, strings.NewReader(string(c.body)))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			h.app.Sim.ServeHTTP(httptest.NewRecorder(), req)
		}
	}
	runtime.ReadMemStats(&b)
	m.SimBytesPerReq = int64(b.TotalAlloc-a.TotalAlloc) / runs
	m.PortalBytes = max(m.BytesPerReq-m.SimBytesPerReq, 0)
	return m
}
