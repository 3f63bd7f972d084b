package vtiger_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/testutil/vtigertest"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

const simKey = "simTestKey-42"

func newSim(t testing.TB, opts vtigersim.Options) (*vtigersim.Server, string) {
	t.Helper()
	if opts.Users == nil {
		opts.Users = map[string]string{"admin": simKey}
	}
	b := vtigertest.Serve(t, opts)
	return b.Sim, b.URL
}

func newSimClient(t testing.TB, url string, mod func(*vtiger.Config)) *vtiger.Client {
	t.Helper()
	cfg := vtigertest.SimConfig(url, nil)
	cfg.AccessKey, cfg.PoolSize, cfg.RetryBackoff = simKey, 4, time.Millisecond
	if mod != nil {
		mod(&cfg)
	}
	c, err := vtiger.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func insertFaqs(t testing.TB, sim *vtigersim.Server, n int, category string) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for i := range n {
		id, err := sim.Insert("Faq", map[string]string{
			"question": fmt.Sprintf("Question %04d", i), "faq_answer": "Answer", "faqstatus": "Published",
			"faqcategories": category,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestSimOperations(t *testing.T) {
	sim, url := newSim(t, vtigersim.Options{})
	c := newSimClient(t, url, nil)
	ctx := context.Background()

	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	uid, err := c.UserID(ctx)
	if err != nil || uid != "19x1" {
		t.Fatalf("UserID = %q, %v", uid, err)
	}
	if sim.Logins() != 1 {
		t.Fatalf("logins = %d, want 1 (lazy, reused)", sim.Logins())
	}
	types, err := c.ListTypes(ctx)
	if err != nil || !contains(types, "HelpDesk") {
		t.Fatalf("ListTypes = %v, %v", types, err)
	}
	mod, err := c.Describe(ctx, "HelpDesk")
	if err != nil || mod.Field("ticket_title") == nil || mod.IDPrefix == "" {
		t.Fatalf("Describe = %+v, %v", mod, err)
	}

	// Create with characters that need care on the way in and out.
	title := `O'Brien's "printer" <b>50%</b> \ 日本`
	ticket, err := c.Create(ctx, "HelpDesk", map[string]any{
		"ticket_title": title, "ticketstatus": "Open", "ticketpriorities": "Normal", "assigned_user_id": uid,
		"description": "line1\nline2\x01",
	})
	if err != nil {
		t.Fatal(err)
	}
	id := ticket.String("id")
	if !strings.HasPrefix(id, mod.IDPrefix+"x") || ticket.String("ticket_title") != title {
		t.Fatalf("created %v", ticket)
	}
	got, err := c.Retrieve(ctx, id)
	if err != nil || got.String("ticket_title") != title || got.String("description") != "line1\nline2\x01" {
		t.Fatalf("Retrieve = %v, %v", got, err)
	}

	rows, err := c.Query(ctx, vtiger.NewSelect("ticket_title").From("HelpDesk").Where(vtiger.Eq("ticket_title", title)))
	if err != nil || len(rows) != 1 || rows[0].String("id") != id {
		t.Fatalf("Query by title = %v, %v", rows, err)
	}
	rows, err = c.Query(ctx, vtiger.NewSelect().From("HelpDesk").Where(vtiger.Contains("ticket_title", `50%</b> \`)))
	if err != nil || len(rows) != 1 {
		t.Fatalf("Query Contains = %v, %v", rows, err)
	}
	rows, err = c.Query(ctx, vtiger.NewSelect().From("HelpDesk").Where(vtiger.Contains("ticket_title", "50_")))
	if err != nil || len(rows) != 0 {
		t.Fatalf("Contains treated _ as a wildcard: %v, %v", rows, err)
	}

	revised, err := c.Revise(ctx, map[string]any{"id": id, "ticketstatus": "Closed"})
	if err != nil || revised.String("ticketstatus") != "Closed" || revised.String("ticket_title") != title {
		t.Fatalf("Revise = %v, %v", revised, err)
	}
	got["ticketpriorities"] = "High"
	updated, err := c.Update(ctx, got)
	if err != nil || updated.String("ticketpriorities") != "High" {
		t.Fatalf("Update = %v, %v", updated, err)
	}
	if stored, _ := sim.Get(id); stored["ticketpriorities"] != "High" {
		t.Fatalf("stored = %v", stored)
	}

	// Documents: multipart upload, relation, files_retrieve.
	content := []byte("%PDF-1.4 fake\x00\xff bytes")
	doc, err := c.CreateDocument(ctx, map[string]any{"notes_title": "Manual", "assigned_user_id": uid},
		"manual.pdf", "application/pdf", content)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddRelated(ctx, id, doc.String("id"), "Documents"); err != nil {
		t.Fatal(err)
	}
	related, err := c.RetrieveRelated(ctx, id, "Documents", "Documents")
	if err != nil || len(related) != 1 || related[0].String("id") != doc.String("id") {
		t.Fatalf("RetrieveRelated = %v, %v", related, err)
	}
	related, err = c.QueryRelated(ctx, vtiger.NewSelect("notes_title").From("Documents").Where(vtiger.Eq("notes_title", "Manual")), id, "Documents")
	if err != nil || len(related) != 1 {
		t.Fatalf("QueryRelated = %v, %v", related, err)
	}
	doc, err = c.Retrieve(ctx, doc.String("id"))
	if err != nil || doc.String("imageattachmentids") == "" {
		t.Fatalf("document = %v, %v", doc, err)
	}
	files, err := c.RetrieveFiles(ctx, strings.Split(doc.String("imageattachmentids"), ",")[0])
	if err != nil || len(files) != 1 {
		t.Fatalf("RetrieveFiles = %v, %v", files, err)
	}
	if f := files[0]; f.Name != "manual.pdf" || f.MIMEType != "application/pdf" || string(f.Content) != string(content) || f.Size != int64(len(content)) {
		t.Fatalf("file = %+v", f)
	}

	if err := c.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = c.Retrieve(ctx, id)
	if !vtiger.IsNotFound(err) {
		t.Fatalf("Retrieve deleted = %v, want not found", err)
	}
	_, err = c.Retrieve(ctx, "garbage")
	if err == nil || vtiger.IsNotFound(err) {
		t.Fatalf("Retrieve(garbage) = %v, want a non-not-found error", err)
	}

	// Every operation went through one session: no extra logins.
	if sim.Logins() != 1 {
		t.Errorf("logins = %d", sim.Logins())
	}
}

func TestSimNotFoundOn7x(t *testing.T) {
	_, url := newSim(t, vtigersim.Options{Version: "7.x"})
	c := newSimClient(t, url, nil)
	_, err := c.Retrieve(context.Background(), "17x999999")
	var ve *vtiger.Error
	if !errors.As(err, &ve) || !vtiger.IsNotFound(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestSimReloginAfterExpiry(t *testing.T) {
	const pool = 4
	sim, url := newSim(t, vtigersim.Options{Latency: time.Millisecond})
	insertFaqs(t, sim, 3, "General")
	c := newSimClient(t, url, func(c *vtiger.Config) { c.PoolSize = pool })
	ctx := context.Background()

	run := func() {
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range 100 {
			wg.Go(func() {
				if _, err := c.Query(ctx, vtiger.NewSelect().From("Faq")); err != nil {
					failed.Add(1)
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	run() // cold start: at most one login per slot
	if n := sim.Logins(); n < 1 || n > pool {
		t.Fatalf("cold start logins = %d, want 1..%d", n, pool)
	}
	sim.ResetCounters()
	sim.ExpireSessions()
	run()
	if n := sim.Logins(); n < 1 || n > pool {
		t.Fatalf("logins after expiry = %d, want 1..%d", n, pool)
	}
	if n := sim.ConcurrentLogins(); n > 1 {
		t.Fatalf("%d logins ran at once", n)
	}
	if n := sim.MaxConcurrentSeen(); n > pool {
		t.Fatalf("simulator saw %d concurrent calls, pool is %d", n, pool)
	}
	if s := c.Stats(); s.MaxConcurrent > pool || s.Errors[vtiger.CodeInvalidSession] == 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestSimPoolBoundsConcurrency(t *testing.T) {
	const pool = 3
	sim, url := newSim(t, vtigersim.Options{Latency: 2 * time.Millisecond})
	ids := insertFaqs(t, sim, 1, "General")
	c := newSimClient(t, url, func(c *vtiger.Config) { c.PoolSize = pool })
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if _, err := c.Retrieve(context.Background(), ids[0]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := sim.MaxConcurrentSeen(); n > pool {
		t.Fatalf("simulator saw %d concurrent calls, pool is %d", n, pool)
	}
	if n := sim.ConcurrentLogins(); n > 1 {
		t.Fatalf("%d logins ran at once", n)
	}
	if n := sim.Logins(); n > pool {
		t.Fatalf("%d logins for a pool of %d", n, pool)
	}
}

func TestSimRetries(t *testing.T) {
	sim, url := newSim(t, vtigersim.Options{})
	ids := insertFaqs(t, sim, 1, "General")
	c := newSimClient(t, url, func(c *vtiger.Config) { c.MaxRetries = 2 })
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil { // log in first: faults hit the next calls of any operation
		t.Fatal(err)
	}

	t.Run("read retried on 500", func(t *testing.T) {
		sim.ResetCounters()
		sim.InjectFault(vtigersim.FaultHTTP500, 2)
		if _, err := c.Retrieve(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		if n := sim.Calls()["retrieve"]; n != 3 {
			t.Fatalf("retrieve sent %d times, want 3", n)
		}
	})
	t.Run("read gives up after MaxRetries", func(t *testing.T) {
		sim.ResetCounters()
		sim.InjectFault(vtigersim.FaultHTTP500, 3)
		_, err := c.Retrieve(ctx, ids[0])
		if !errors.Is(err, vtiger.ErrBadResponse) || !strings.Contains(err.Error(), "HTTP 500") {
			t.Fatalf("err = %v", err)
		}
		if n := sim.Calls()["retrieve"]; n != 3 {
			t.Fatalf("retrieve sent %d times, want 3", n)
		}
	})
	t.Run("write never retried", func(t *testing.T) {
		sim.ResetCounters()
		sim.InjectFault(vtigersim.FaultHTTP500, 1)
		_, err := c.Create(ctx, "Faq", map[string]any{"question": "q", "faq_answer": "a", "faqstatus": "Draft"})
		if !errors.Is(err, vtiger.ErrBadResponse) {
			t.Fatalf("err = %v", err)
		}
		if n := sim.Calls()["create"]; n != 1 {
			t.Fatalf("create sent %d times, want 1", n)
		}
		for _, op := range []func() error{
			func() error { _, err := c.Revise(ctx, map[string]any{"id": ids[0], "faqstatus": "Draft"}); return err },
			func() error { return c.Delete(ctx, ids[0]) },
			func() error { return c.AddRelated(ctx, ids[0], ids[0], "Documents") },
		} {
			sim.InjectFault(vtigersim.FaultHTTP500, 1)
			if err := op(); !errors.Is(err, vtiger.ErrBadResponse) {
				t.Fatalf("err = %v", err)
			}
		}
		calls := sim.Calls()
		if calls["revise"] != 1 || calls["delete"] != 1 || calls["add_related"] != 1 {
			t.Fatalf("writes retried: %v", calls)
		}
		if _, ok := sim.Get(ids[0]); !ok {
			t.Fatal("record deleted despite the failure")
		}
	})
	t.Run("write retried once on lost session", func(t *testing.T) {
		sim.ResetCounters()
		sim.InjectFault(vtigersim.FaultInvalidSession, 1)
		r, err := c.Create(ctx, "Faq", map[string]any{"question": "after relogin", "faq_answer": "a", "faqstatus": "Draft"})
		if err != nil {
			t.Fatal(err)
		}
		if n := sim.Calls()["create"]; n != 2 {
			t.Fatalf("create sent %d times, want 2", n)
		}
		if sim.Logins() != 1 {
			t.Fatalf("logins = %d, want 1", sim.Logins())
		}
		if rows, err := c.Query(ctx, vtiger.NewSelect().From("Faq").Where(vtiger.Eq("question", "after relogin"))); err != nil || len(rows) != 1 || rows[0].String("id") != r.String("id") {
			t.Fatalf("created %d records (%v), want exactly 1", len(rows), err)
		}
	})
	t.Run("failed re-login is reported and retried later", func(t *testing.T) {
		sim.ResetCounters()
		// Faults hit calls in order: the retrieve loses its session, then the
		// getchallenge of the re-login fails too.
		sim.InjectFault(vtigersim.FaultInvalidSession, 2)
		_, err := c.Retrieve(ctx, ids[0])
		var ve *vtiger.Error
		if !errors.As(err, &ve) || ve.Code != vtiger.CodeInvalidSession || !strings.Contains(err.Error(), "re-login failed") {
			t.Fatalf("err = %v", err)
		}
		if calls := sim.Calls(); calls["retrieve"] != 1 || calls["getchallenge"] != 1 || calls["login"] != 0 {
			t.Fatalf("calls = %v", calls)
		}
		// The slot was left without a session; the next call logs in afresh.
		if _, err := c.Retrieve(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		if sim.Logins() != 1 {
			t.Fatalf("logins = %d", sim.Logins())
		}
	})
	t.Run("html error page", func(t *testing.T) {
		sim.InjectFault(vtigersim.FaultHTML, 3)
		_, err := c.Query(ctx, vtiger.NewSelect().From("Faq"))
		if !errors.Is(err, vtiger.ErrBadResponse) || !strings.Contains(err.Error(), "Fatal error") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("php notice tolerated", func(t *testing.T) {
		sim.InjectFault(vtigersim.FaultPHPNotice, 1)
		if _, err := c.Retrieve(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSimTimeout(t *testing.T) {
	sim, url := newSim(t, vtigersim.Options{})
	ids := insertFaqs(t, sim, 1, "General")
	c := newSimClient(t, url, func(c *vtiger.Config) { c.Timeout = 50 * time.Millisecond; c.MaxRetries = 0 })
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	sim.InjectFault(vtigersim.FaultTimeout, 1)
	_, err := c.Retrieve(ctx, ids[0])
	if !errors.Is(err, vtiger.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Config.Timeout: err = %v", err)
	}

	// The caller's deadline counts too, also for a write.
	c2 := newSimClient(t, url, func(c *vtiger.Config) { c.Timeout = time.Minute })
	if err := c2.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	sim.InjectFault(vtigersim.FaultTimeout, 1)
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = c2.Create(dctx, "Faq", map[string]any{"question": "q", "faq_answer": "a", "faqstatus": "Draft"})
	if !errors.Is(err, vtiger.ErrTimeout) {
		t.Fatalf("ctx deadline: err = %v", err)
	}

	// Cancellation is reported as such, not as an outage.
	sim.InjectFault(vtigersim.FaultTimeout, 1)
	cctx, ccancel := context.WithCancel(ctx)
	go func() { time.Sleep(20 * time.Millisecond); ccancel() }()
	_, err = c2.Retrieve(cctx, ids[0])
	if !errors.Is(err, context.Canceled) || errors.Is(err, vtiger.ErrUnavailable) {
		t.Fatalf("canceled: err = %v", err)
	}
}

func TestSimUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := newSimClient(t, "http://"+addr, nil)
	err = c.Ping(context.Background())
	if !errors.Is(err, vtiger.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if got := c.Stats().Calls["getchallenge"]; got != 3 {
		t.Fatalf("getchallenge tried %d times, want 1 + 2 retries", got)
	}
}

func TestSimBadCredentials(t *testing.T) {
	sim, url := newSim(t, vtigersim.Options{})
	c := newSimClient(t, url, func(c *vtiger.Config) { c.AccessKey = "wrong" })
	err := c.Ping(context.Background())
	var ve *vtiger.Error
	if !errors.As(err, &ve) || ve.Code != vtiger.CodeInvalidCredentials {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error leaks the access key: %v", err)
	}
	// One retry with a fresh challenge (the token may have been replaced by
	// another process), then give up.
	if n := sim.Calls()["login"]; n != 2 {
		t.Fatalf("login sent %d times, want 2", n)
	}
}

func TestSimQueryAll(t *testing.T) {
	sim, url := newSim(t, vtigersim.Options{})
	want := insertFaqs(t, sim, 250, "Paging")
	insertFaqs(t, sim, 7, "Other")
	c := newSimClient(t, url, nil)
	ctx := context.Background()
	q := vtiger.NewSelect("question").From("Faq").Where(vtiger.Eq("faqcategories", "Paging")).OrderBy("question", false)

	sim.ResetCounters()
	rows, err := c.QueryAll(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	seen := map[string]bool{}
	for i, r := range rows {
		seen[r.String("id")] = true
		if r.String("question") != fmt.Sprintf("Question %04d", i) {
			t.Fatalf("row %d = %v (order lost)", i, r)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("%d distinct ids", len(seen))
	}
	if n := sim.Calls()["query"]; n != 3 {
		t.Fatalf("%d queries, want 3 pages", n)
	}

	if _, err := c.QueryAll(ctx, q, 200); !errors.Is(err, vtiger.ErrTooManyRows) {
		t.Fatalf("ceiling: err = %v", err)
	}
	if _, err := c.QueryAll(ctx, vtiger.NewSelect().From("Faq").Limit(0, 10), 0); !errors.Is(err, vtiger.ErrInvalidQuery) {
		t.Fatalf("LIMIT accepted: %v", err)
	}
	// Query is capped at one page by the server.
	rows, err = c.Query(ctx, q)
	if err != nil || len(rows) != vtiger.PageSize {
		t.Fatalf("Query = %d rows, %v", len(rows), err)
	}
}

func TestSimCount(t *testing.T) {
	for _, tt := range []struct {
		version      string
		firstQueries int64 // count(*), or count(*) + the paging fallback
		laterQueries int64
	}{
		{"7.x", 1, 1},
		{"8.4", 1 + 3, 3}, // 230 rows = pages of 100, 100, 30; the fallback is remembered
	} {
		t.Run(tt.version, func(t *testing.T) {
			sim, url := newSim(t, vtigersim.Options{Version: tt.version})
			insertFaqs(t, sim, 230, "Counted")
			insertFaqs(t, sim, 5, "Other")
			c := newSimClient(t, url, nil)
			ctx := context.Background()
			q := vtiger.NewSelect("question").From("Faq").Where(vtiger.Eq("faqcategories", "Counted")).OrderBy("question", true).Limit(0, 5)

			sim.ResetCounters()
			n, err := c.Count(ctx, q)
			if err != nil || n != 230 {
				t.Fatalf("Count = %d, %v", n, err)
			}
			if got := sim.Calls()["query"]; got != tt.firstQueries {
				t.Fatalf("first Count sent %d queries, want %d", got, tt.firstQueries)
			}
			sim.ResetCounters()
			if n, err := c.Count(ctx, q); err != nil || n != 230 {
				t.Fatalf("second Count = %d, %v", n, err)
			}
			if got := sim.Calls()["query"]; got != tt.laterQueries {
				t.Fatalf("second Count sent %d queries, want %d", got, tt.laterQueries)
			}
			if n, err := c.Count(ctx, vtiger.NewSelect().From("Faq").Where(vtiger.Eq("faqcategories", "Nothing"))); err != nil || n != 0 {
				t.Fatalf("empty Count = %d, %v", n, err)
			}
		})
	}
}

type recordingObserver struct {
	mu     sync.Mutex
	events map[string]int
	codes  map[string]int
}

func (o *recordingObserver) ObserveCall(op string, d time.Duration, code string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events[op]++
	if code != "" {
		o.codes[code]++
	}
}

func TestSimObserverAndClose(t *testing.T) {
	sim, url := newSim(t, vtigersim.Options{Latency: time.Millisecond})
	ids := insertFaqs(t, sim, 1, "General")
	obs := &recordingObserver{events: map[string]int{}, codes: map[string]int{}}
	c := newSimClient(t, url, func(c *vtiger.Config) { c.Observer = obs; c.PoolSize = 2 })
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() { _, _ = c.Retrieve(ctx, ids[0]) })
	}
	wg.Wait()
	_, _ = c.Retrieve(ctx, "17x999999")

	logins := sim.Logins()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retrieve(ctx, ids[0]); !errors.Is(err, vtiger.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	calls := sim.Calls()
	if calls["logout"] != logins {
		t.Fatalf("%d logouts for %d sessions", calls["logout"], logins)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	for op, n := range calls {
		if int64(obs.events[op]) != n {
			t.Errorf("observer saw %d %s calls, simulator %d", obs.events[op], op, n)
		}
	}
	if obs.codes[vtiger.CodeAccessDenied] != 1 {
		t.Errorf("codes = %v", obs.codes)
	}
	st := c.Stats()
	if st.Calls["retrieve"] != 7 || st.Errors[vtiger.CodeAccessDenied] != 1 || st.Logins != logins {
		t.Errorf("stats = %+v", st)
	}
}

func BenchmarkClientQuery(b *testing.B) {
	sim, url := newSim(b, vtigersim.Options{})
	ids := insertFaqs(b, sim, 20, "Bench")
	c := newSimClient(b, url, nil)
	ctx := context.Background()
	q := vtiger.NewSelect("question", "faqstatus").From("Faq").Where(vtiger.Eq("id", ids[7]))
	if _, err := c.Query(ctx, q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Query(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// Identical concurrent queries are one Vtiger call even without any cache
// above the client; each caller gets rows it may change alone.
func TestSimIdenticalQueriesCollapse(t *testing.T) {
	sim, url := newSim(t, vtigersim.Options{Latency: 50 * time.Millisecond})
	c := newSimClient(t, url, func(c *vtiger.Config) { c.PoolSize = 4 })
	insertFaqs(t, sim, 3, "General")
	ctx := context.Background()
	if _, err := c.QueryRaw(ctx, "SELECT id FROM Faq LIMIT 0, 1;"); err != nil { // log in first
		t.Fatal(err)
	}
	sim.ResetCounters()
	const n = 8
	results := make([][]vtiger.Record, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rows, err := c.Query(ctx, vtiger.NewSelect("question").From("Faq"))
			if err != nil {
				t.Error(err)
			}
			results[i] = rows
		})
	}
	wg.Wait()
	if got := sim.Calls()["query"]; got != 1 {
		t.Fatalf("%d identical concurrent queries made %d calls, want 1", n, got)
	}
	for i, rows := range results {
		if len(rows) != 3 {
			t.Fatalf("caller %d got %d rows, want 3", i, len(rows))
		}
	}
	results[0][0]["question"] = "changed by caller 0"
	for i := 1; i < n; i++ {
		if results[i][0]["question"] == "changed by caller 0" {
			t.Fatalf("caller %d shares its rows with caller 0", i)
		}
	}
	// Different VTQL is a different call.
	sim.ResetCounters()
	for _, q := range []string{"SELECT id FROM Faq;", "SELECT question FROM Faq;"} {
		if _, err := c.QueryRaw(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if got := sim.Calls()["query"]; got != 2 {
		t.Fatalf("two different queries made %d calls, want 2", got)
	}
}

// WarmSessions logs the whole pool in, so concurrent first calls need no
// login of their own.
func TestSimWarmSessions(t *testing.T) {
	const pool = 3
	sim, url := newSim(t, vtigersim.Options{Latency: 20 * time.Millisecond})
	c := newSimClient(t, url, func(c *vtiger.Config) { c.PoolSize = pool })
	ctx := context.Background()
	if err := c.WarmSessions(ctx); err != nil {
		t.Fatal(err)
	}
	if got := sim.Logins(); got != pool {
		t.Fatalf("WarmSessions made %d logins, want %d", got, pool)
	}
	var wg sync.WaitGroup
	for i := range pool {
		wg.Go(func() {
			if _, err := c.QueryRaw(ctx, fmt.Sprintf("SELECT id FROM Faq LIMIT %d, 1;", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := sim.Logins(); got != pool {
		t.Fatalf("after %d concurrent calls: %d logins, want still %d", pool, got, pool)
	}
}
