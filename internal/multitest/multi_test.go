package multitest

import (
	"bufio"
	"fmt"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/jobs"
	"github.com/portalcrm/vtiger-portal/internal/testutil/redistest"
)

// transports: with redis.url the instances share Redis; without it they
// have only PostgreSQL (LISTEN/NOTIFY carries the invalidations).
func transports(t *testing.T) map[string]setup {
	url, prefix := redistest.Shared(t)
	return map[string]setup{
		"redis":    {redisURL: url, redisPrefix: prefix},
		"postgres": {},
	}
}

// Sessions, and the caches behind lists and the profile, behave as one
// portal whichever instance a request lands on.
func TestThreeInstancesActAsOne(t *testing.T) {
	for name, s := range transports(t) {
		t.Run(name, func(t *testing.T) {
			c := start(t, s)
			for i := range 3 {
				r := c.expect(c.readyz(i), 200, "readyz")
				if r.body["status"] != "ready" || r.body["invalidation"] != "ok" {
					t.Fatalf("readyz on instance %d: %s", i+1, r.raw)
				}
			}

			// authPerMinute logins per e-mail, across the instances: one
			// session for every case, one more to log out.
			tok := c.login(0, anna)
			t.Run("a token issued by one works on all", func(t *testing.T) {
				c := c.in(t)
				for i := range 3 {
					c.expect(c.call(i, "GET", "/api/v1/users/my", tok, nil, ""), 200, fmt.Sprintf("profile on instance %d", i+1))
				}
			})

			t.Run("logout on one revokes on all", func(t *testing.T) {
				c := c.in(t)
				tok := c.login(2, anna)
				c.expect(c.call(1, "GET", "/api/v1/users/my", tok, nil, ""), 200, "before logout")
				c.expect(c.call(0, "GET", "/api/v1/users/my", tok, nil, ""), 200, "before logout")
				c.expect(c.call(1, "POST", "/api/v1/users/logout", tok, nil, ""), 204, "logout on instance 2")
				for i := range 3 {
					c.expect(c.call(i, "GET", "/api/v1/users/my", tok, nil, ""), 401, fmt.Sprintf("after logout, instance %d", i+1))
				}
			})

			t.Run("a ticket created on 1 is listed on 2 and 3 at the next request", func(t *testing.T) {
				c := c.in(t)
				_, before := c.tickets(0, tok)
				for i := 1; i < 3; i++ { // the other instances have the list and its count cached
					if _, n := c.tickets(i, tok); n != before {
						t.Fatalf("instance %d counts %v tickets, instance 1 %v", i+1, n, before)
					}
				}
				for round := range 3 { // repeated: one lucky ordering proves nothing
					id := c.createTicket(0, tok, fmt.Sprintf("printer on fire %d", round))
					for i := 1; i < 3; i++ {
						ids, n := c.tickets(i, tok)
						if !ids[id] || n != before+float64(round+1) {
							t.Fatalf("round %d, instance %d: ticket %s listed %v, count %v, want %v", round, i+1, id, ids[id], n, before+float64(round+1))
						}
					}
				}
			})

			t.Run("a profile change on 1 shows on 2", func(t *testing.T) {
				c := c.in(t)
				for round, title := range []string{"Head of IT", "CTO", "Head of IT again"} {
					c.expect(c.call(1, "GET", "/api/v1/users/my", tok, nil, ""), 200, "profile on instance 2 (cached)")
					c.expect(c.call(0, "PUT", "/api/v1/users/my", tok, map[string]any{"title": title}, ""), 202, "change on instance 1")
					r := c.expect(c.call(1, "GET", "/api/v1/users/my", tok, nil, ""), 200, "profile on instance 2")
					if got := findString(r.body, "title"); got != title {
						t.Fatalf("round %d: instance 2 shows title %q, want %q: %s", round, got, title, r.raw)
					}
				}
			})
		})
	}
}

// findString finds key in a JSON object or one nested object level.
func findString(m map[string]any, key string) string {
	if v, ok := m[key].(string); ok {
		return v
	}
	for _, v := range m {
		if sub, ok := v.(map[string]any); ok {
			if s, ok := sub[key].(string); ok {
				return s
			}
		}
	}
	return ""
}

// With Redis, the auth limit per e-mail is one budget for the three
// instances: three wrong passwords anywhere lock the address everywhere,
// the right password included. Without Redis each instance counts alone.
func TestAuthLimiterAcrossInstances(t *testing.T) {
	url, prefix := redistest.Shared(t)
	t.Run("redis", func(t *testing.T) {
		c := start(t, setup{redisURL: url, redisPrefix: prefix})
		for i := range authPerMinute {
			if code := c.wrongLogin(i%3, ben, ""); code != 422 {
				t.Fatalf("wrong password %d on instance %d: %d", i+1, i%3+1, code)
			}
		}
		for i := range 3 {
			if code := c.wrongLogin(i, ben, ""); code != 429 {
				t.Fatalf("instance %d after %d failures elsewhere: %d, want 429", i+1, authPerMinute, code)
			}
			r := c.call(i, "POST", "/api/v1/users/login", "", map[string]string{"email": ben, "password": password}, "")
			if r.code != 429 {
				t.Fatalf("right password on instance %d while locked: %d, want 429", i+1, r.code)
			}
		}
		c.login(0, anna) // another address is not affected
	})
	t.Run("without redis each instance counts alone", func(t *testing.T) {
		c := start(t, setup{})
		for i := range authPerMinute {
			if code := c.wrongLogin(0, ben, ""); code != 422 {
				t.Fatalf("wrong password %d: %d", i+1, code)
			}
		}
		if code := c.wrongLogin(0, ben, ""); code != 429 {
			t.Fatalf("instance 1 after %d failures: %d, want 429", authPerMinute, code)
		}
		c.login(1, ben)
	})
}

// Each background job runs on one instance at a time: while one instance
// holds a job (the test plays that instance, holding the job's advisory
// lock), the other two skip it, and still run their other jobs.
func TestJobsRunOnce(t *testing.T) {
	const imports = `portal_job_runs_total{job="notification-import",result="ok"}`
	c := start(t, setup{between: func(c *cluster) {
		c.eventually("instance 1 runs the import at start", func() bool { return c.metric(0, imports) >= 1 })
		c.holdJobLock(jobs.KeyNotificationImport)
	}})
	for i := 1; i < 3; i++ {
		c.eventually(fmt.Sprintf("instance %d skips the held job", i+1), func() bool {
			return logged(c.p[i].Logs.String(), "job skipped, running elsewhere", "job="+jobs.NameNotificationImport)
		})
		c.eventually(fmt.Sprintf("instance %d runs its token clean-up", i+1), func() bool {
			return c.metric(i, `portal_job_runs_total{job="token-cleanup",result="ok"}`) >= 1
		})
		if n := c.metric(i, imports); n != 0 {
			t.Fatalf("instance %d ran the notification import %v times while another held it", i+1, n)
		}
	}
}

func logged(logs string, parts ...string) bool {
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(sc.Text(), p)
		}
		if ok {
			return true
		}
	}
	return false
}

// Redis stopped mid-run: every request is still served, the per-IP limit
// is off and the auth limits count per instance; when Redis returns,
// /readyz says so, the limits are shared again and so are invalidations.
func TestRedisStoppedMidRun(t *testing.T) {
	srv := redistest.Start(t)
	const burst = 5
	c := start(t, setup{redisURL: srv.URL(), redisPrefix: "outage:", burst: burst})
	tok := c.login(0, anna)
	ping := func(i int, ip string) int { return c.call(i, "GET", "/api/v1/ping", "", nil, ip).code }

	// Before: one per-IP budget for the three instances.
	for n := range burst {
		if code := ping(n%3, "192.0.2.10"); code != 200 {
			t.Fatalf("ping %d: %d", n+1, code)
		}
	}
	if code := ping(2, "192.0.2.10"); code != 429 {
		t.Fatalf("ping %d from one IP across the instances: %d, want 429", burst+1, code)
	}

	srv.Stop()

	for i := range 3 {
		c.expect(c.call(i, "GET", "/api/v1/users/my", tok, nil, ""), 200, fmt.Sprintf("profile on instance %d, Redis down", i+1))
		r := c.expect(c.readyz(i), 200, "readyz, Redis down")
		if r.body["status"] != "degraded" || r.body["redis"] != "unavailable" {
			t.Fatalf("readyz on instance %d with Redis down: %s", i+1, r.raw)
		}
		c.eventually("the lost subscription shows in readyz", func() bool {
			return c.readyz(i).body["invalidation"] == "unavailable"
		})
	}
	// The per-IP limit fails open.
	for n := range 2 * burst {
		if code := ping(0, "192.0.2.11"); code != 200 {
			t.Fatalf("ping %d from one IP, Redis down: %d, want 200 (fail open)", n+1, code)
		}
	}
	// The auth limit falls back to each instance's own count.
	const victim = "nobody@acme.example"
	for n := range authPerMinute {
		if code := c.wrongLogin(0, victim, ""); code != 422 {
			t.Fatalf("wrong login %d on instance 1, Redis down: %d", n+1, code)
		}
	}
	if code := c.wrongLogin(0, victim, ""); code != 429 {
		t.Fatalf("instance 1 after %d failures, Redis down: %d, want 429 (local limit)", authPerMinute, code)
	}
	if code := c.wrongLogin(1, victim, ""); code != 422 {
		t.Fatalf("instance 2 counts alone while Redis is down: %d, want 422", code)
	}
	if !logged(c.p[0].Logs.String(), "level=WARN", "redis unavailable: rate limits count per instance") {
		t.Fatal("the outage is not in instance 1's log")
	}
	// A write while the bus is down: instance 2 cannot hear it now, but
	// drops its caches when it subscribes again.
	_, before := c.tickets(1, tok)
	id := c.createTicket(0, tok, "written during the outage")

	srv.Resume()

	c.eventually("readyz ready again", func() bool {
		for i := range 3 {
			r := c.readyz(i)
			if r.body["status"] != "ready" || r.body["redis"] != "ok" || r.body["invalidation"] != "ok" {
				return false
			}
		}
		return true
	})
	if ids, n := c.tickets(1, tok); !ids[id] || n != before+1 {
		t.Fatalf("instance 2 after re-subscribing: ticket listed %v, count %v, want %v", ids[id], n, before+1)
	}
	// Shared limits again (the restarted Redis starts empty).
	const second = "someone@acme.example"
	for n := range authPerMinute {
		if code := c.wrongLogin(n%3, second, ""); code != 422 {
			t.Fatalf("after recovery, wrong login %d: %d", n+1, code)
		}
	}
	for i := range 3 {
		if code := c.wrongLogin(i, second, ""); code != 429 {
			t.Fatalf("after recovery, instance %d: %d, want 429 (shared again)", i+1, code)
		}
	}
	// And invalidations reach the others at once again.
	_, before = c.tickets(2, tok)
	id = c.createTicket(0, tok, "written after the outage")
	if ids, n := c.tickets(2, tok); !ids[id] || n != before+1 {
		t.Fatalf("instance 3 after recovery: ticket listed %v, count %v, want %v", ids[id], n, before+1)
	}
}
