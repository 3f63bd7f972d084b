package app_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// vtigerGate sits in the portal's Vtiger HTTP client (app.TestHooks.
// VtigerHTTPClient) and holds every webservice call of one operation (and,
// with match, only those whose parameters match) until the test opens it:
// a test that needs a request to be "still running" holds it there instead
// of hoping a latency outlasts a loaded machine.
type vtigerGate struct {
	op      string
	match   func(url.Values) bool // nil: every call of op
	entered chan struct{}         // one value per held call (buffered; extra calls do not block on it)
	open    chan struct{}         // closed by Open: held and later calls go through
	once    sync.Once
}

func newVtigerGate(op string, match ...func(url.Values) bool) *vtigerGate {
	g := &vtigerGate{op: op, entered: make(chan struct{}, 64), open: make(chan struct{})}
	if len(match) > 0 {
		g.match = match[0]
	}
	return g
}

// Client is the HTTP client to give the portal.
func (g *vtigerGate) Client() *http.Client { return &http.Client{Transport: g} }

// Open lets the held calls, and every later one, through.
func (g *vtigerGate) Open() { g.once.Do(func() { close(g.open) }) }

func (g *vtigerGate) RoundTrip(r *http.Request) (*http.Response, error) {
	params := r.URL.Query()
	if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		if form, err := url.ParseQuery(string(b)); err == nil {
			for k, v := range form {
				params[k] = v // $_REQUEST: POST overrides GET
			}
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	if params.Get("operation") == g.op && (g.match == nil || g.match(params)) {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		select {
		case <-g.open:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}
