package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// tap sits between the portal's Vtiger client and the simulator and
// measures how long the portal waited for Vtiger. The portal's Vtiger
// client gets the tap's HTTP client (app.TestHooks.VtigerHTTPClient): its
// transport times every webservice call from the client's side, so the
// loopback round trip counts as Vtiger time as it would against a real
// CRM, and sends it through the tap's HTTP forward proxy, which serves it
// with the simulator handler itself (still exactly one HTTP hop) and
// records it for the trace and the memory replay.
type tap struct {
	workers int

	mu         sync.Mutex
	sim        http.Handler
	inflight   int
	last       time.Time
	busy       time.Duration // wall time with at least one call in flight
	workerTime time.Duration // ∫ min(inflight, workers) dt: simulated PHP worker time in use
	calls      int64
	durations  []float64       // ms of every call, send to last byte (the simulated Vtiger call time)
	capture    *[]capturedCall // non-nil: record requests (memory measurement)
	trace      []string        // one line per call while tracing
	tracing    bool

	srv *http.Server
	ln  net.Listener
}

// capturedCall is a Vtiger request recorded for replay.
type capturedCall struct {
	method, url, contentType string
	body                     []byte
}

// tapStats is a snapshot of the tap's accumulators.
type tapStats struct {
	busy, workerTime time.Duration
	calls            int64
}

func newTap(workers int) (*tap, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen for the Vtiger tap: %w", err)
	}
	t := &tap{workers: workers, ln: ln, last: time.Now()}
	t.srv = &http.Server{Handler: t, ReadHeaderTimeout: 10 * time.Second}
	// Serve returns when closed; should the listener fail earlier, every
	// Vtiger call fails and the journey reports it, so nothing is lost here.
	go func() { _ = t.srv.Serve(ln) }()
	return t, nil
}

func (t *tap) url() *url.URL { return &url.URL{Scheme: "http", Host: t.ln.Addr().String()} }

func (t *tap) setSim(h http.Handler) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sim = h
}

// advance accrues the time since the last event; t.mu must be held.
func (t *tap) advance(now time.Time) {
	dt := now.Sub(t.last)
	if t.inflight > 0 {
		t.busy += dt
	}
	t.workerTime += time.Duration(min(t.inflight, max(t.workers, 1))) * dt
	t.last = now
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	sim := t.sim
	if t.capture != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		*t.capture = append(*t.capture, capturedCall{method: r.Method, url: r.URL.String(), contentType: r.Header.Get("Content-Type"), body: body})
	}
	if t.tracing {
		t.trace = append(t.trace, describeCall(r))
	}
	t.mu.Unlock()
	if sim == nil {
		http.Error(w, "bench tap: no simulator yet", http.StatusBadGateway)
		return
	}
	sim.ServeHTTP(w, r)
}

// describeCall summarises a webservice request for the trace: the
// operation and its main argument (the VTQL of a query).
func describeCall(r *http.Request) string {
	v := r.URL.Query()
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		// The simulator's own ParseForm is then a no-op: same values.
		if err := r.ParseForm(); err == nil {
			v = r.PostForm
		}
	}
	s := v.Get("operation")
	for _, k := range []string{"query", "id", "elementType", "relatedType", "relatedLabel"} {
		if a := v.Get(k); a != "" {
			s += " " + k + "=" + a
		}
	}
	return s
}

// setTracing turns the per-call trace on or off.
func (t *tap) setTracing(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.trace, t.tracing = nil, on
}

// takeTrace returns and clears the calls traced so far.
func (t *tap) takeTrace() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.trace
	t.trace = nil
	return out
}

func (t *tap) stats() tapStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.advance(time.Now())
	return tapStats{busy: t.busy, workerTime: t.workerTime, calls: t.calls}
}

// startCapture records every Vtiger request until stopCapture.
func (t *tap) startCapture() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.capture = &[]capturedCall{}
}

func (t *tap) stopCapture() []capturedCall {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.capture
	t.capture = nil
	if c == nil {
		return nil
	}
	return *c
}

// quiesce waits until no Vtiger call has started or been in flight for
// quiet, or until limit passes; it reports whether it got quiet.
func (t *tap) quiesce(ctx context.Context, quiet, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	last := int64(-1)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		t.mu.Lock()
		calls, idle := t.calls, t.inflight == 0
		t.mu.Unlock()
		if idle && calls == last {
			return true
		}
		last = calls
		time.Sleep(quiet)
	}
	return false
}

func (t *tap) close() { _ = t.srv.Close() }

// httpClient is the HTTP client for the portal's Vtiger client: every
// request goes through the tap, timed by timedTransport.
func (t *tap) httpClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               http.ProxyURL(t.url()),
		MaxIdleConns:        conns + 2,
		MaxIdleConnsPerHost: conns + 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: timedTransport{t: t, next: tr}}
}

// timedTransport accounts each webservice call as Vtiger time from the
// moment the client sends it until the whole answer has been read.
type timedTransport struct {
	t    *tap
	next http.RoundTripper
}

func (tt timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := tt.t.begin()
	resp, err := tt.next.RoundTrip(r)
	if err != nil {
		tt.t.end(start)
		return nil, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, t: tt.t, start: start}
	return resp, nil
}

// timedBody ends the call's accounting when the body is done: at EOF,
// on a read error or on Close, whichever comes first.
type timedBody struct {
	io.ReadCloser
	t     *tap
	start time.Time
	once  sync.Once
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(func() { b.t.end(b.start) })
	}
	return n, err
}

func (b *timedBody) Close() error {
	b.once.Do(func() { b.t.end(b.start) })
	return b.ReadCloser.Close()
}

// begin and end bracket one call in flight.
func (t *tap) begin() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.advance(now)
	t.inflight++
	t.calls++
	return now
}

func (t *tap) end(start time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.advance(now)
	t.inflight--
	t.durations = append(t.durations, float64(now.Sub(start))/float64(time.Millisecond))
}

// callMedian is the median time of every Vtiger call so far: the yardstick
// of the overhead ratio, measured in the same run as the overhead.
func (t *tap) callMedian() Millis {
	t.mu.Lock()
	v := slices.Clone(t.durations)
	t.mu.Unlock()
	return Millis(percentile(v, 0.50))
}
