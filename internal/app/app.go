// Package app wires the portal together: configuration → pools →
// repositories → services → router, plus the background jobs, and takes it
// all down again in order. Main is what cmd/portal runs and what the
// end-to-end tests start on port 0.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/portalcrm/vtiger-portal/internal/config"
	deliveryhttp "github.com/portalcrm/vtiger-portal/internal/delivery/http"
	"github.com/portalcrm/vtiger-portal/internal/invalidation"
	"github.com/portalcrm/vtiger-portal/internal/mail"
	"github.com/portalcrm/vtiger-portal/internal/metrics"
	"github.com/portalcrm/vtiger-portal/internal/ratelimit"
	"github.com/portalcrm/vtiger-portal/internal/repository/postgres"
	"github.com/portalcrm/vtiger-portal/internal/service/payments/stripemock"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// Options are the process-level inputs of Main.
type Options struct {
	ConfigPath string
	Demo       bool
	Version    string
	Commit     string
	BuildTime  string
	Stdout     io.Writer
	Stderr     io.Writer
	Getenv     func(string) string
	// Test is nil in production: the seams tests and benchmarks use.
	Test *TestHooks
}

// TestHooks replace parts of the portal for tests and benchmarks. Every
// field is optional; the zero value changes nothing. New seams go here, not
// into Options.
type TestHooks struct {
	// Config is used as is instead of loading a file.
	Config *config.Config
	// Logger replaces the logger built from config.
	Logger *slog.Logger
	// SimOptions and Seed customise demo mode's simulator (benchmarks use a
	// latency like production's and a larger data set). Zero = demo defaults.
	SimOptions *vtigersim.Options
	Seed       func(*vtigersim.Server) (*vtigersim.Demo, error)
	// VtigerHTTPClient carries every webservice.php call (benchmarks wrap
	// its transport to time what the portal waits for).
	VtigerHTTPClient *http.Client
	// DemoStripeMock picks demo mode's stripe-mock: "" looks it up (PATH,
	// then $(go env GOPATH)/bin), DemoStripeMockOff runs without payments,
	// anything else is the binary's path.
	DemoStripeMock string
	// InvalidationAckWait replaces invalidation.AckWait: how long a write
	// waits for the other instances to confirm its invalidation.
	// Multi-instance tests that expect the next request on any instance to
	// see a write use a bound a loaded machine cannot exceed. Zero =
	// AckWait.
	InvalidationAckWait time.Duration
}

// hooks returns the test hooks, the zero value in production.
func (o Options) hooks() TestHooks {
	if o.Test == nil {
		return TestHooks{}
	}
	return *o.Test
}

// Main is one running portal.
type Main struct {
	opts   Options
	Config *config.Config
	Logger *slog.Logger

	DB     *postgres.DB
	Vtiger *vtiger.Client
	Mailer *mail.Mailer
	// DemoMail keeps demo mode's mails instead of sending them (nil otherwise).
	DemoMail *mail.Outbox
	Metrics  *metrics.Metrics
	Redis    *redis.Client // nil unless redis.url is set
	Bus      *invalidation.Bus

	limiter *ratelimit.Limiter // shared rate limits, with Redis

	// Demo mode only: the in-process Vtiger simulator and its data.
	Sim      *vtigersim.Server
	Demo     *vtigersim.Demo
	simHTTP  *http.Server
	services services
	// Demo mode only: stripe-mock, or why payments are off.
	stripeMock      *stripemock.Process
	demoPaymentsOff string

	httpServer  *http.Server
	listener    net.Listener
	adminServer *http.Server // /metrics on metrics.listen, when set
	router      *deliveryhttp.Server

	jobsCancel context.CancelFunc
	jobs       sync.WaitGroup
	closeOnce  sync.Once

	// stopCtx is the base of every request context; Close cancels it at the
	// shutdown deadline minus a margin, so requests still running give up
	// and are answered 503 instead of being cut.
	stopCtx    context.Context
	stopCancel context.CancelFunc
	stopping   atomic.Bool // /readyz answers 503 once Close started
}

// New loads and validates the configuration for serving; it opens nothing yet.
func New(opts Options) (*Main, error) {
	return newMain(opts, (*config.Config).ValidateForServe)
}

// newMain is New with the check of what the caller needs (operator
// commands need less than serve).
func newMain(opts Options, need func(*config.Config) error) (*Main, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	cfg, warnings, err := loadConfig(opts)
	if err != nil {
		return nil, err
	}
	if opts.Demo {
		applyDemoDefaults(cfg, opts.Getenv)
		applyDemoMailDefaults(cfg, opts.hooks().Config != nil)
	}
	logger := opts.hooks().Logger
	if logger == nil {
		logger = newLogger(cfg.Log, cfg.Environment, opts.Stderr)
	}
	// Libraries that log through slog.Default (migrations) share our handler.
	slog.SetDefault(logger)
	for _, w := range warnings {
		logger.Warn("configuration", "warning", w)
	}
	if !opts.Demo {
		if err := need(cfg); err != nil {
			return nil, err
		}
	}
	stopCtx, stopCancel := context.WithCancel(context.Background())
	return &Main{opts: opts, Config: cfg, Logger: logger, stopCtx: stopCtx, stopCancel: stopCancel}, nil
}

func loadConfig(opts Options) (*config.Config, []string, error) {
	if given := opts.hooks().Config; given != nil {
		c := *given
		return &c, nil, nil
	}
	path, err := config.Resolve(opts.ConfigPath, opts.Getenv)
	if err != nil {
		return nil, nil, err
	}
	return config.Load(path, opts.Getenv)
}

func newLogger(c config.Log, env string, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		level = slog.LevelInfo
	}
	hopts := &slog.HandlerOptions{Level: level}
	format := c.Format
	if format == "" {
		format = "text"
		if env == "production" {
			format = "json"
		}
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, hopts))
	}
	return slog.New(slog.NewTextHandler(w, hopts))
}

// Run opens every dependency, starts serving and the background jobs, and
// returns; the server runs until Close.
func (m *Main) Run(ctx context.Context) (err error) {
	cfg := m.Config
	if m.opts.Demo {
		if err := m.startDemo(ctx); err != nil {
			return fmt.Errorf("demo mode: %w", err)
		}
		if err := m.startDemoPayments(ctx); err != nil {
			return fmt.Errorf("demo payments: %w", err)
		}
	}

	if err := m.openDB(ctx); err != nil {
		return err
	}

	if err := m.openRedis(ctx); err != nil {
		return err
	}

	m.Metrics = metrics.New(m.DB.Pool().Stat)
	if err := m.openVtiger(); err != nil {
		return err
	}

	m.Mailer, err = mail.New(cfg.SMTP, cfg.Email, m.Logger.With("component", "mail"), m.mailOptions()...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	m.Mailer.Start(context.WithoutCancel(ctx))

	m.newBus()
	if err := m.buildServices(ctx); err != nil {
		return err
	}
	m.shareCRMCache()
	m.Bus.Start(ctx, subscribeWait)

	if m.opts.Demo {
		if err := m.createDemoUsers(ctx); err != nil {
			return fmt.Errorf("demo users: %w", err)
		}
	}

	m.router = deliveryhttp.New(m.deps())
	addr := net.JoinHostPort(cfg.HTTP.Host, strconv.Itoa(cfg.HTTP.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	m.listener = ln
	m.httpServer = &http.Server{
		Handler:           m.router,
		ReadTimeout:       cfg.HTTP.ReadTimeout,
		ReadHeaderTimeout: min(cfg.HTTP.ReadTimeout, 10*time.Second),
		WriteTimeout:      cfg.HTTP.WriteTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return m.stopCtx },
	}
	go func() {
		if err := m.httpServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server stopped", "err", err)
		}
	}()

	if err := m.startAdmin(); err != nil {
		return err
	}

	jobsCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.jobsCancel = cancel
	m.startJobs(jobsCtx)

	m.Logger.Info("portal listening", "addr", m.URL(), "version", m.opts.Version, "demo", m.opts.Demo)
	if m.opts.Demo {
		m.printDemoBanner()
		m.printDemoPayments()
		m.printDemoMail()
	}
	return nil
}

func (m *Main) openVtiger() error {
	vc := vtiger.ConfigFrom(*m.Config)
	vc.Logger = m.Logger // the client adds component=vtiger itself
	vc.HTTPClient = m.opts.hooks().VtigerHTTPClient
	if m.Metrics != nil {
		vc.Observer = m.Metrics
	}
	c, err := vtiger.New(vc)
	if err != nil {
		return fmt.Errorf("vtiger client: %w", err)
	}
	m.Vtiger = c
	return nil
}

func (m *Main) openDB(ctx context.Context) error {
	cfg := m.Config
	if m.opts.Demo {
		if err := postgres.EnsureDatabase(ctx, cfg.DB.DSN); err != nil {
			return fmt.Errorf("create demo database: %w", err)
		}
	}
	if cfg.DB.AutoMigrate {
		if err := postgres.MigrateUp(ctx, cfg.DB.DSN); err != nil {
			return fmt.Errorf("apply migrations: %w", err)
		}
	} else if err := postgres.CheckSchema(ctx, cfg.DB.DSN); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	m.DB = db
	return nil
}

// startAdmin serves /metrics on metrics.listen, away from the public
// listener, when configured.
func (m *Main) startAdmin() error {
	addr := m.Config.Metrics.Listen
	if !m.Config.Metrics.Enabled || addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Metrics.Handler())
	m.adminServer = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := m.adminServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("metrics listener stopped", "err", err)
		}
	}()
	m.Logger.Info("metrics listening", "addr", "http://"+ln.Addr().String()+"/metrics")
	return nil
}

// URL is the base URL the API is served on (useful with port 0).
func (m *Main) URL() string {
	if m.listener == nil {
		return ""
	}
	return "http://" + m.listener.Addr().String()
}

// Handler is the HTTP handler (for in-process tests and benchmarks).
func (m *Main) Handler() http.Handler { return m.router }

// closeExtra is what Close may take beyond http.shutdownTimeout for jobs,
// the mail queue, the Vtiger logout and the pools.
const closeExtra = 900 * time.Millisecond

// logoutBudget bounds the Vtiger logouts within closeExtra.
const logoutBudget = 400 * time.Millisecond

// drainMargin is how long before the shutdown deadline requests still
// running are cancelled and answered 503: long enough for them to unwind
// and their answers to be flushed before the hard deadline closes the
// connections.
func drainMargin(grace time.Duration) time.Duration {
	return min(max(grace/10, 100*time.Millisecond), time.Second)
}

// Close shuts down in order and within http.shutdownTimeout + 1 s: stop
// accepting; let in-flight requests finish until the deadline minus a
// margin, then cancel them (drainOnStop answers each 503 that had not
// answered yet) and close what is left at the deadline; stop jobs, drain
// mail, log out of Vtiger, close pools.
func (m *Main) Close(ctx context.Context) error {
	var errs []error
	m.closeOnce.Do(func() {
		m.stopping.Store(true)
		grace := m.Config.HTTP.ShutdownTimeout
		start := time.Now()
		hctx, hcancel := context.WithDeadline(ctx, start.Add(grace))
		defer hcancel()
		cctx, ccancel := context.WithDeadline(context.WithoutCancel(ctx), start.Add(grace+closeExtra))
		defer ccancel()
		soft := time.AfterFunc(grace-drainMargin(grace), m.stopCancel)
		defer soft.Stop()
		defer m.stopCancel()

		if m.httpServer != nil {
			m.Logger.Info("shutting down", "grace", grace)
			if err := m.httpServer.Shutdown(hctx); err != nil {
				// Only handlers that ignore their cancelled context get here.
				m.Logger.Warn("requests still running at the shutdown deadline; closing their connections", "err", err)
				_ = m.httpServer.Close()
			}
		}
		if m.adminServer != nil {
			if err := m.adminServer.Shutdown(hctx); err != nil {
				_ = m.adminServer.Close()
			}
		}
		if m.jobsCancel != nil {
			m.jobsCancel()
		}
		jobsDone := make(chan struct{})
		go func() { m.jobs.Wait(); close(jobsDone) }()
		select {
		case <-jobsDone:
		case <-cctx.Done():
			m.Logger.Warn("background jobs did not stop before the shutdown deadline")
		}
		if m.Bus != nil {
			m.Bus.Close()
		}
		if m.Mailer != nil {
			if err := m.Mailer.Shutdown(cctx); err != nil {
				errs = append(errs, fmt.Errorf("mail drain: %w", err))
			}
		}
		if m.Vtiger != nil {
			// Logging out is a courtesy (sessions age out on the server): a
			// Vtiger that hangs at shutdown gets logoutBudget, not the rest
			// of closeExtra, so the pools still close in time.
			vctx, vcancel := context.WithTimeout(cctx, logoutBudget)
			_ = m.Vtiger.Close(vctx)
			vcancel()
		}
		if m.DB != nil {
			m.DB.Close()
		}
		if m.Redis != nil {
			_ = m.Redis.Close()
		}
		if m.simHTTP != nil {
			// The portal's own calls are over by now; what the demo
			// simulator still holds are calls it was told to hang (fault
			// injection), which would only wait out the deadline.
			_ = m.simHTTP.Close()
		}
		m.stopDemoPayments()
		if m.httpServer != nil {
			m.Logger.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
		}
	})
	return errors.Join(errs...)
}
