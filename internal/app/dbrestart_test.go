package app_test

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/app"
	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/testutil/apptest"
	"github.com/portalcrm/vtiger-portal/internal/testutil/pgcluster"
)

// statusCounts is a concurrent histogram of response statuses.
type statusCounts struct {
	mu sync.Mutex
	m  map[int]int
}

func (s *statusCounts) add(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[code]++
}

func (s *statusCounts) snapshot() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]int, len(s.m))
	for k, v := range s.m {
		out[k] = v
	}
	return out
}

// A PostgreSQL restart is an outage, not a bug: while requests hit the
// portal in a loop, the database is stopped (fast: sessions terminated with
// 57P01; immediate: crash-style) and started again. No request gets a 500;
// requests get 503 with Retry-After while it is down, and the portal
// recovers on its own once it is back.
func TestDatabaseRestartAnswers503Never500(t *testing.T) {
	cluster := pgcluster.Start(t)
	s := apptest.Start(t, func(c *config.Config, _ *app.Options) {
		c.DB.DSN = cluster.DSN("portal")
		c.DB.ConnectTimeout = time.Second
		c.DB.QueryTimeout = 2 * time.Second
	})
	base := s.URL() + "/api/v1"
	token := login(t, base, "anna@acme.example")

	counts := &statusCounts{m: map[int]int{}}
	var lastOK atomic.Int64 // unix nanos of the last 200
	var missingRetryAfter atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	// Every path needs PostgreSQL: the token check, and the notifications
	// themselves; /readyz pings it.
	paths := []string{"/api/v1/notifications", "/api/v1/users/my", "/readyz"}
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := paths[(w+i)%len(paths)]
				req, _ := http.NewRequest("GET", s.URL()+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("GET %s: %v", path, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				counts.add(resp.StatusCode)
				switch {
				case resp.StatusCode == 200:
					lastOK.Store(time.Now().UnixNano())
				case resp.StatusCode == 503 && path != "/readyz" && resp.Header.Get("Retry-After") == "":
					missingRetryAfter.Add(1)
				}
			}
		}()
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30s; statuses so far %v", what, counts.snapshot())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	okSince := func(t0 time.Time) func() bool {
		return func() bool { return lastOK.Load() > t0.UnixNano() }
	}
	waitFor("first answers", okSince(time.Now()))

	for _, mode := range []string{"fast", "immediate"} {
		before := counts.snapshot()[503]
		cluster.Stop(mode)
		waitFor("503s while the database is "+mode+"-stopped", func() bool { return counts.snapshot()[503] >= before+20 })
		cluster.Start()
		waitFor("recovery after the "+mode+" restart", okSince(time.Now()))
	}
	close(stop)
	wg.Wait()

	got := counts.snapshot()
	t.Logf("statuses: %v", got)
	for code, n := range got {
		if code != 200 && code != 503 {
			t.Errorf("%d responses with status %d; a database restart must answer only 200 or 503", n, code)
		}
	}
	if n := missingRetryAfter.Load(); n > 0 {
		t.Errorf("%d API 503s without Retry-After", n)
	}
}
