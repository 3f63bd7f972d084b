package records

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
	"github.com/portalcrm/vtiger-portal/internal/vtiger/vtigersim"
)

// fakeClock is a movable c.now for the freshness decisions.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) add(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func withClock(e *cacheEnv) *fakeClock {
	clk := &fakeClock{t: time.Now()}
	e.svc.cache.now = clk.now
	return clk
}

func vtigerCalls(e *cacheEnv) int64 {
	var n int64
	for op, c := range e.sim.Calls() {
		if op != "login" && op != "getchallenge" {
			n += c
		}
	}
	return n
}

func ticketStatus(t *testing.T, e *cacheEnv, c domain.Customer, id string) string {
	t.Helper()
	rec, err := e.svc.Get(context.Background(), c, ticketTarget(id))
	if err != nil {
		t.Fatal(err)
	}
	return rec.String("ticketstatus")
}

// The three ages of an entry: fresh (memory), stale (memory + one
// background refresh), expired (wait for Vtiger).
func TestReadFreshStaleExpired(t *testing.T) {
	e := newCacheEnv(t)
	clk := withClock(e)
	ticket := e.demo.Tickets["acme"][0]
	first := ticketStatus(t, e, e.anna, ticket)
	second := "Wait For Response"
	if first == second {
		second = "In Progress"
	}
	if err := e.sim.Set(ticket, map[string]string{"ticketstatus": second}); err != nil {
		t.Fatal(err)
	}

	e.sim.ResetCounters()
	if got := ticketStatus(t, e, e.anna, ticket); got != first {
		t.Fatalf("fresh read: %q, want the cached %q", got, first)
	}
	if n := vtigerCalls(e); n != 0 {
		t.Fatalf("fresh read cost %d Vtiger calls, want 0", n)
	}

	clk.add(e.svc.cfg.Cache.Fresh + time.Second)
	if got := ticketStatus(t, e, e.anna, ticket); got != first {
		t.Fatalf("stale read: %q, want the stale %q", got, first)
	}
	e.svc.cache.wg.Wait()
	if st := e.svc.cache.Stats(); st.Refreshes != 1 || st.Stale != 1 {
		t.Fatalf("one stale read: %d refreshes, %d stale hits; want 1 and 1", st.Refreshes, st.Stale)
	}
	e.sim.ResetCounters()
	if got := ticketStatus(t, e, e.anna, ticket); got != second {
		t.Fatalf("after the refresh: %q, want %q", got, second)
	}
	if n := vtigerCalls(e); n != 0 {
		t.Fatalf("read after the refresh cost %d calls, want 0", n)
	}

	if err := e.sim.Set(ticket, map[string]string{"ticketstatus": first}); err != nil {
		t.Fatal(err)
	}
	clk.add(e.svc.cfg.Cache.Stale + time.Second)
	if got := ticketStatus(t, e, e.anna, ticket); got != first {
		t.Fatalf("read past cache.stale: %q, want Vtiger's %q", got, first)
	}
	if n := vtigerCalls(e); n == 0 {
		t.Fatal("read past cache.stale made no Vtiger call")
	}
}

// However many readers find an entry stale, one refresh runs; they all
// get the stale value without waiting for it.
func TestStaleReadersShareOneRefresh(t *testing.T) {
	c := NewCache(CacheOptions{Fresh: time.Second, Stale: time.Hour, MaxBytes: 1 << 20})
	clk := &fakeClock{t: time.Now()}
	c.now = clk.now
	ctx := context.Background()
	key := cacheKey{kind: kindScopedList, module: "HelpDesk", scope: "a|b"}
	if _, err := c.Read(ctx, key, func(context.Context) (any, error) { return "v1", nil }); err != nil {
		t.Fatal(err)
	}
	clk.add(2 * time.Second)
	release := make(chan struct{})
	var n int
	slow := func(context.Context) (any, error) {
		n++
		<-release
		return "v2", nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			v, err := c.Read(ctx, key, slow)
			if err != nil || v != "v1" {
				t.Errorf("stale read: %v, %v; want v1 at once", v, err)
			}
		})
	}
	wg.Wait() // every reader answered while the refresh is still blocked
	close(release)
	c.wg.Wait()
	if n != 1 {
		t.Fatalf("%d refresh loads for 8 stale readers, want 1", n)
	}
	v, _ := c.Read(ctx, key, slow)
	if v != "v2" {
		t.Fatalf("after the refresh: %v, want v2", v)
	}
	if st := c.Stats(); st.Stale != 8 || st.Refreshes != 1 || st.Hits != 1 || st.Misses != 1 {
		t.Fatalf("counters %+v, want 8 stale, 1 refresh, 1 hit, 1 miss", st)
	}
}

// A reader whose context ends (a request at the shutdown deadline, a
// stopped job) stops waiting for a slow load at once with a 503-class
// error; the load goes on for the others and still fills the cache.
func TestCancelledReaderLeavesTheLoad(t *testing.T) {
	c := NewCache(CacheOptions{Fresh: time.Hour, Stale: time.Hour, MaxBytes: 1 << 20})
	key := cacheKey{kind: kindScopedList, module: "HelpDesk", scope: "a|b"}
	release := make(chan struct{})
	loads := 0
	slow := func(context.Context) (any, error) {
		loads++
		<-release
		return "v1", nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan error, 1)
	go func() {
		_, err := c.Read(ctx, key, slow)
		left <- err
	}()
	patient := make(chan any, 1)
	go func() {
		time.Sleep(20 * time.Millisecond) // joins the load under way
		v, _ := c.Read(context.Background(), key, slow)
		patient <- v
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-left:
		if !errors.Is(err, domain.ErrUnavailable) || !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled reader: %v, want unavailable wrapping context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled reader is still waiting for the load")
	}
	close(release)
	if v := <-patient; v != "v1" {
		t.Fatalf("the reader that stayed got %v, want v1", v)
	}
	v, err := c.Read(context.Background(), key, slow)
	if err != nil || v != "v1" || loads != 1 {
		t.Fatalf("after the load: %v, %v, %d loads; want v1 from memory after one load", v, err, loads)
	}
}

// A write during a refresh wins: the refresh that began before it does
// not store its older answer.
func TestWriteDuringRefreshWins(t *testing.T) {
	c := NewCache(CacheOptions{Fresh: time.Second, Stale: time.Hour, MaxBytes: 1 << 20})
	clk := &fakeClock{t: time.Now()}
	c.now = clk.now
	ctx := context.Background()
	key := cacheKey{kind: kindRecord, module: "HelpDesk", id: "17x1", scope: "a|b"}
	if _, err := c.Read(ctx, key, func(context.Context) (any, error) { return "old", nil }); err != nil {
		t.Fatal(err)
	}
	clk.add(2 * time.Second)
	started, release := make(chan struct{}), make(chan struct{})
	if v, _ := c.Read(ctx, key, func(context.Context) (any, error) { close(started); <-release; return "old", nil }); v != "old" {
		t.Fatalf("stale read: %v", v)
	}
	<-started
	c.Invalidate(Change{Module: "HelpDesk", ID: "17x1"})
	close(release)
	c.wg.Wait()
	v, _ := c.Read(ctx, key, func(context.Context) (any, error) { return "new", nil })
	if v != "new" {
		t.Fatalf("read after the write: %v, want new (the pre-write refresh must not store)", v)
	}
}

// A failing refresh keeps the stale value and counts the error.
func TestRefreshErrorKeepsStale(t *testing.T) {
	e := newCacheEnv(t)
	clk := withClock(e)
	ctx := context.Background()
	before, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(e.svc.cfg.Cache.Fresh + time.Second)
	fails := 0
	c := e.svc.cache
	key := cacheKey{kind: kindStats, scope: "x"}
	c.Set(ctx, key, 1, time.Hour) // unrelated entry: a failed refresh must not touch it
	got, err := c.Read(ctx, cacheKey{kind: kindScopedList, module: "HelpDesk", scope: scopeOf(e.anna), detail: "probe"}, func(context.Context) (any, error) {
		fails++
		return nil, errors.New("boom")
	})
	if err == nil || got != nil || fails != 1 {
		t.Fatalf("miss with a failing load: %v, %v (%d loads)", got, err, fails)
	}
	// Now the real list entry is stale; make its refresh fail.
	e.sim.InjectFault(vtigersim.FaultHTTP500, 50)
	again, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Size: 5})
	if err != nil {
		t.Fatalf("stale read with Vtiger failing: %v", err)
	}
	c.wg.Wait()
	if again.Count != before.Count || c.Stats().RefreshErrors == 0 {
		t.Fatalf("stale read: count %d (want %d), refresh errors %d", again.Count, before.Count, c.Stats().RefreshErrors)
	}
	if _, ok := c.Peek(key); !ok {
		t.Fatal("a failed refresh dropped an unrelated entry")
	}
}

// cache.stale 0 is the portal before SWR: every customer read asks Vtiger.
func TestStaleZeroAlwaysAsksVtiger(t *testing.T) {
	e := newCacheEnv(t, func(c *config.Config) { c.Cache.Stale = 0 })
	ticket := e.demo.Tickets["acme"][0]
	first := ticketStatus(t, e, e.anna, ticket)
	next := "In Progress"
	if first == next {
		next = "Wait For Response"
	}
	if err := e.sim.Set(ticket, map[string]string{"ticketstatus": next}); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetCounters()
	if got := ticketStatus(t, e, e.anna, ticket); got != next {
		t.Fatalf("cache.stale 0: %q, want Vtiger's %q at once", got, next)
	}
	if vtigerCalls(e) == 0 {
		t.Fatal("cache.stale 0: the read made no Vtiger call")
	}
}

// The customer's own writes show on the very next read, within cache.fresh.
func TestOwnWritesVisibleAtOnce(t *testing.T) {
	e := newCacheEnv(t)
	withClock(e) // time stands still: everything cached stays fresh
	ctx := context.Background()
	ticket := e.demo.Tickets["acme"][0]
	list := func() ListResult {
		t.Helper()
		res, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	before := list()
	if _, err := e.svc.Statistics(ctx, e.anna); err != nil {
		t.Fatal(err)
	}
	statuses := e.svc.cfg.Vtiger.Business.Tickets.CustomerStatuses
	status := statuses[0]
	if ticketStatus(t, e, e.anna, ticket) == status {
		status = statuses[len(statuses)-1]
	}
	if _, err := e.svc.SetTicketStatus(ctx, e.anna, ticket, status); err != nil {
		t.Fatal(err)
	}
	if got := ticketStatus(t, e, e.anna, ticket); got != status {
		t.Fatalf("record after own status change: %q, want %q", got, status)
	}
	after := list()
	i := slices.IndexFunc(after.Data, func(r vtiger.Record) bool { return r.String("id") == ticket })
	if i < 0 || after.Data[i].String("ticketstatus") != status {
		t.Fatalf("list after own status change does not show %q", status)
	}
	if _, err := e.svc.CreateTicket(ctx, e.anna, TicketInput{Title: "swr own write"}); err != nil {
		t.Fatal(err)
	}
	if got := list(); got.Count != before.Count+1 {
		t.Fatalf("list count after own create %d, want %d", got.Count, before.Count+1)
	}
	docs, err := e.svc.Documents(ctx, e.anna, ticketTarget(ticket), ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UploadDocument(ctx, e.anna, ticketTarget(ticket), Upload{Name: "swr.txt", MIME: "text/plain", Content: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	docs2, err := e.svc.Documents(ctx, e.anna, ticketTarget(ticket), ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if docs2.Count != docs.Count+1 {
		t.Fatalf("documents after own upload %d, want %d", docs2.Count, docs.Count+1)
	}
}

// A change made in the CRM shows within cache.fresh plus one refresh,
// real clock: the bound is generous, the poll ends as soon as it shows.
func TestCRMChangeShowsAfterFreshPlusRefresh(t *testing.T) {
	const fresh = 50 * time.Millisecond
	e := newCacheEnv(t, func(c *config.Config) { c.Cache.Fresh = fresh })
	ticket := e.demo.Tickets["acme"][0]
	first := ticketStatus(t, e, e.anna, ticket)
	next := "In Progress"
	if first == next {
		next = "Wait For Response"
	}
	if err := e.sim.Set(ticket, map[string]string{"ticketstatus": next}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second) // fresh + one refresh, with room for a loaded machine
	for ticketStatus(t, e, e.anna, ticket) != next {
		if time.Now().After(deadline) {
			t.Fatalf("the CRM-side status %q did not show within %s", next, 10*time.Second)
		}
		time.Sleep(fresh / 2)
	}
	if e.svc.cache.Stats().Refreshes == 0 {
		t.Fatal("the change showed without a background refresh")
	}
}

// The size bound holds: filling the cache far past maxBytes keeps its
// estimated size under it.
func TestCacheBoundedBySize(t *testing.T) {
	c := NewCache(CacheOptions{Fresh: time.Minute, Stale: time.Hour, MaxBytes: 1 << 20})
	row := vtiger.Record{"id": "17x1", "ticket_title": string(make([]byte, 1000))}
	for i := range 5000 {
		c.Set(context.Background(), cacheKey{kind: kindRecord, id: itoa(i), scope: "a|b"}, row, time.Hour)
	}
	c.store.CleanUp()
	st := c.Stats()
	if st.Bytes > 1<<20 || st.Entries >= 5000 || st.Entries == 0 {
		t.Fatalf("after 5000 × ~1 KB: %d bytes in %d entries, bound %d", st.Bytes, st.Entries, st.MaxBytes)
	}
}

// Start-up warm-up fills the shared entries exactly as the first request
// would have: the same currency record as a retrieve, no call afterwards.
func TestWarmUpMatchesFirstRequest(t *testing.T) {
	ctx := context.Background()
	cold := newCacheEnv(t)
	want, err := cold.svc.List(ctx, cold.anna, Target{Module: "Invoice"}, ListParams{Size: 5})
	if err != nil || len(want.Data) == 0 {
		t.Fatalf("invoices: %v", err)
	}
	warm := newCacheEnv(t)
	if err := warm.svc.WarmUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := warm.svc.Statistics(ctx, warm.anna); err != nil { // the list count, as on the dashboard
		t.Fatal(err)
	}
	warm.sim.ResetCounters()
	got, err := warm.svc.List(ctx, warm.anna, Target{Module: "Invoice"}, ListParams{Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	if n := warm.sim.Calls()["retrieve"]; n != 0 {
		t.Fatalf("invoice list after warm-up retrieved %d times (currency), want 0", n)
	}
	for i := range want.Data {
		w, g := want.Data[i]["currency"], got.Data[i]["currency"]
		if !reflect.DeepEqual(w, g) {
			t.Fatalf("currency of %s: warm-up %v, retrieve %v", want.Data[i].String("id"), g, w)
		}
	}
	warm.sim.ResetCounters()
	if _, err := warm.svc.Company(ctx); err != nil {
		t.Fatal(err)
	}
	if n := vtigerCalls(warm); n != 0 {
		t.Fatalf("company after warm-up cost %d calls", n)
	}
}

// A list whose total is unknown costs one query when its page lies in the
// first window: the window gives the page and the count.
func TestFirstWindowAnswersPageAndCount(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	all, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Size: 100, Sort: "ticket_no"})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newCacheEnv(t)
	e2.sim.ResetCounters()
	page, err := e2.svc.List(ctx, e2.anna, Target{Module: "HelpDesk"}, ListParams{Page: 2, Size: 2, Sort: "ticket_no"})
	if err != nil {
		t.Fatal(err)
	}
	if n := e2.sim.Calls()["query"]; n != 1+1 { // the account's contacts (scope), the window
		t.Fatalf("cold page 2 made %d queries, want 2 (scope + window)", n)
	}
	if page.Count != all.Count || len(page.Data) != 2 ||
		page.Data[0].String("id") != all.Data[2].String("id") || page.Data[1].String("id") != all.Data[3].String("id") {
		t.Fatalf("page 2 of 2: count %d (want %d), rows %v", page.Count, all.Count, page.Data)
	}
}

// The dashboard scan's window serves exactly the default list it read:
// the same rows in the same order as asking Vtiger, and only for the
// scope it was read in.
func TestScanWindowServesTheDefaultList(t *testing.T) {
	ctx := context.Background()
	ref := newCacheEnv(t, func(c *config.Config) { c.Cache.Stale = 0 })
	want, err := ref.svc.List(ctx, ref.anna, Target{Module: "HelpDesk"}, ListParams{Page: 2, Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	benWant, err := ref.svc.List(ctx, ref.ben, Target{Module: "HelpDesk"}, ListParams{Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	e := newCacheEnv(t)
	if _, err := e.svc.Statistics(ctx, e.anna); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetCounters()
	got, err := e.svc.List(ctx, e.anna, Target{Module: "HelpDesk"}, ListParams{Page: 2, Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n := vtigerCalls(e); n != 0 {
		t.Fatalf("default list after the dashboard cost %d calls, want 0", n)
	}
	ids := func(r ListResult) []string {
		var out []string
		for _, x := range r.Data {
			out = append(out, x.String("id"))
		}
		return out
	}
	if !slices.Equal(ids(got), ids(want)) || got.Count != want.Count {
		t.Fatalf("from the window: %v (count %d); from Vtiger: %v (count %d)", ids(got), got.Count, ids(want), want.Count)
	}
	if !reflect.DeepEqual(got.Data[0], want.Data[0]) {
		t.Fatalf("window row differs from Vtiger's:\n%v\n%v", got.Data[0], want.Data[0])
	}
	ben, err := e.svc.List(ctx, e.ben, Target{Module: "HelpDesk"}, ListParams{Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(ben), ids(benWant)) {
		t.Fatalf("Ben after Anna's dashboard: %v, want his own %v", ids(ben), ids(benWant))
	}
}

// The reader's own comments are signed with the session's name: what
// AddComment answered is what the thread shows.
func TestOwnCommentsSignedFromSession(t *testing.T) {
	e := newCacheEnv(t)
	ctx := context.Background()
	ticket := e.demo.Tickets["acme"][0]
	added, err := e.svc.AddComment(ctx, e.anna, ticketTarget(ticket), "signed by the session")
	if err != nil {
		t.Fatal(err)
	}
	page, err := e.svc.Comments(ctx, e.anna, ticketTarget(ticket), ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	thread := page.Data
	i := slices.IndexFunc(thread, func(r vtiger.Record) bool { return r.String("commentcontent") == "signed by the session" })
	if i < 0 {
		t.Fatal("own comment missing from the thread")
	}
	if got, want := thread[i]["author"], added["author"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("thread author %v, AddComment answered %v", got, want)
	}
	if a := thread[i]["author"].(Author); a.FirstName != e.anna.FirstName || a.ID != e.anna.ContactID {
		t.Fatalf("author %+v, want Anna", a)
	}
}

// What a load learns on the side (a scan's count) is not stored when a
// write happened since the load began: the writer's next read recounts.
func TestSideEffectsOfAPreWriteLoadAreDropped(t *testing.T) {
	c := NewCache(CacheOptions{Fresh: time.Minute, Stale: time.Hour, MaxBytes: 1 << 20})
	ctx := context.Background()
	count := cacheKey{kind: kindCount, module: "HelpDesk", detail: "q"}
	_, err := c.Read(ctx, cacheKey{kind: kindStats, scope: "a|b"}, func(ctx context.Context) (any, error) {
		c.Invalidate(Change{Module: "HelpDesk"}) // a write lands while the scan runs
		c.Set(ctx, count, 41, time.Hour)
		return 1, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Peek(count); ok {
		t.Fatalf("count %v learned before the write was kept", v)
	}
	c.Set(ctx, count, 42, time.Hour) // outside any load: stored
	if v, ok := c.Peek(count); !ok || v != 42 {
		t.Fatalf("count outside a load: %v, %v", v, ok)
	}
}
