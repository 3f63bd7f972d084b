package multitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgtest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

const (
	anna, ben, carl = "anna@acme.example", "ben@globex.example", "carl@acme.example"
	password        = vtigersim.DemoPassword
	authPerMinute   = 3
)

// cluster is three portal instances on one database and one simulator.
type cluster struct {
	t  *testing.T
	p  []*apptest.Portal
	db string
}

// setup tunes a cluster: Redis (URL and prefix, "" = none) and the
// general per-IP limit.
type setup struct {
	redisURL, redisPrefix string
	burst                 int
	// between runs after instance 1 started and before 2 and 3 do.
	between func(c *cluster)
}

// start runs instance 1 in demo mode (it starts and seeds the simulator,
// migrates the database and creates the demo logins) and instances 2 and 3
// as ordinary servers pointed at the same simulator and database.
func start(t *testing.T, s setup) *cluster {
	t.Helper()
	c := &cluster{t: t, db: pgtest.NewEmpty(t)}
	if s.burst == 0 {
		s.burst = 1000
	}
	common := func(cfg *config.Config, opts *app.Options) {
		cfg.Environment = config.EnvDevelopment
		cfg.DB.DSN = c.db
		cfg.DB.AutoMigrate = true
		cfg.Redis.URL, cfg.Redis.KeyPrefix = s.redisURL, s.redisPrefix
		cfg.Limiter = config.Limiter{Enabled: true, RPS: float64(s.burst) / 60, Burst: s.burst, AuthPerMinute: authPerMinute}
		cfg.Auth.EncryptionKey = strings.Repeat("ab", 32)
		cfg.Notifications.Enabled, cfg.Notifications.Module = true, "PortalNotifications"
		// Debug level: the job runner says when it skips a job held elsewhere.
		opts.Test.Logger = slog.New(slog.NewTextHandler(opts.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		// The cases expect a write on one instance to show at the next
		// request on another: that holds once the others confirmed the
		// invalidation, which a write waits for only 100 ms in production.
		// A loaded machine must not turn a late confirmation into a
		// failure (a missing one still fails the case).
		opts.Test.InvalidationAckWait = 15 * time.Second
	}
	first := apptest.Start(t, func(cfg *config.Config, opts *app.Options) { common(cfg, opts) })
	c.p = append(c.p, first)
	if s.between != nil {
		s.between(c)
	}
	for range 2 {
		c.p = append(c.p, apptest.Start(t, func(cfg *config.Config, opts *app.Options) {
			common(cfg, opts)
			opts.Demo = false
			// `serve` validation wants a real port; port 0 is for demo mode.
			cfg.HTTP.Port = freePort(t)
			cfg.Vtiger.Connection.URL = first.Config.Vtiger.Connection.URL
			cfg.Vtiger.Connection.Username = first.Config.Vtiger.Connection.Username
			cfg.Vtiger.Connection.AccessKey = first.Config.Vtiger.Connection.AccessKey
			cfg.Vtiger.Business.CompanyID = first.Config.Vtiger.Business.CompanyID
			cfg.Vtiger.Business.DefaultUser = first.Config.Vtiger.Business.DefaultUser
		}))
	}
	return c
}

// in is the cluster as seen from subtest t (failures go to t).
func (c *cluster) in(t *testing.T) *cluster {
	cc := *c
	cc.t = t
	return &cc
}

var ipSeq atomic.Int64

// freshIP is a client address no other request used, so per-IP limits
// stay out of a case unless it means to hit them.
func freshIP() string {
	n := ipSeq.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255)
}

type resp struct {
	code int
	body map[string]any
	raw  string
}

// call is one request to instance i (0-based); ip "" is a fresh client.
func (c *cluster) call(i int, method, path, token string, body any, ip string) resp {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.p[i].URL()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ip == "" {
		ip = freshIP()
	}
	req.Header.Set("X-Forwarded-For", ip)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s on instance %d: %v", method, path, i+1, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{code: res.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (c *cluster) expect(r resp, code int, what string) resp {
	c.t.Helper()
	if r.code != code {
		c.t.Fatalf("%s: status %d, want %d: %s", what, r.code, code, r.raw)
	}
	return r
}

// login logs in on instance i and returns the token.
func (c *cluster) login(i int, email string) string {
	c.t.Helper()
	r := c.expect(c.call(i, "POST", "/api/v1/users/login", "", map[string]string{"email": email, "password": password}, ""), 201, "login "+email)
	tok, _ := r.body["token"].(string)
	if tok == "" {
		c.t.Fatalf("login answer without token: %s", r.raw)
	}
	return tok
}

// tickets lists the customer's tickets on instance i: ids and the count.
func (c *cluster) tickets(i int, token string) (ids map[string]bool, count float64) {
	c.t.Helper()
	r := c.expect(c.call(i, "GET", "/api/v1/tickets?size=100", token, nil, ""), 200, fmt.Sprintf("tickets on instance %d", i+1))
	ids = map[string]bool{}
	rows, _ := r.body["data"].([]any)
	for _, row := range rows {
		if m, ok := row.(map[string]any); ok {
			id, _ := m["id"].(string)
			ids[id] = true
		}
	}
	count, _ = r.body["count"].(float64)
	return ids, count
}

func (c *cluster) createTicket(i int, token, title string) string {
	c.t.Helper()
	r := c.expect(c.call(i, "POST", "/api/v1/tickets", token, map[string]any{"ticket_title": title, "description": "from instance " + fmt.Sprint(i+1)}, ""), 201, "create ticket")
	id, _ := r.body["id"].(string)
	if id == "" {
		c.t.Fatalf("create ticket: no id in %s", r.raw)
	}
	return id
}

// wrongLogin is a failed login for email from ip on instance i: its status.
func (c *cluster) wrongLogin(i int, email, ip string) int {
	c.t.Helper()
	return c.call(i, "POST", "/api/v1/users/login", "", map[string]string{"email": email, "password": "wrong-password"}, ip).code
}

// readyz returns instance i's readiness body.
func (c *cluster) readyz(i int) resp {
	c.t.Helper()
	return c.call(i, "GET", "/readyz", "", nil, "")
}

// eventually polls cond (an outage and a recovery take the transports a
// moment); guard only bounds a broken run.
func (c *cluster) eventually(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// metric returns the value of the exposition line starting with series on
// instance i, or 0 when it is absent.
func (c *cluster) metric(i int, series string) float64 {
	c.t.Helper()
	r := c.call(i, "GET", "/metrics", "", nil, "")
	for _, line := range strings.Split(r.raw, "\n") {
		if strings.HasPrefix(line, series+" ") {
			var v float64
			_, _ = fmt.Sscan(strings.TrimPrefix(line, series+" "), &v)
			return v
		}
	}
	return 0
}

// holdJobLock takes the advisory lock of a job on the cluster's database,
// as an instance in the middle of that job does, until the test ends.
func (c *cluster) holdJobLock(key int64) {
	c.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = conn.Close(context.Background()) })
	c.eventually("advisory lock free", func() bool {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
			c.t.Fatal(err)
		}
		return ok
	})
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
