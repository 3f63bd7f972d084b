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
// VtigerHTTPClient) and holds every webservice call of one operation until
// the test opens it: a test that needs a request to be "still running"
// holds it there instead of hoping a latency outlasts a loaded machine.
type vtigerGate struct {
	op      string
	entered chan struct{} // one value per held call (buffered; extra calls do not block on it)
	open    chan struct{} // closed by Open: held and later calls go through
	once    sync.Once
}

func newVtigerGate(op string) *vtigerGate {
	return &vtigerGate{op: op, entered: make(chan struct{}, 64), open: make(chan struct{})}
}

// Client is the HTTP client to give the portal.
func (g *vtigerGate) Client() *http.Client { return &http.Client{Transport: g} }

// Open lets the held calls, and every later one, through.
func (g *vtigerGate) Open() { g.once.Do(func() { close(g.open) }) }

func (g *vtigerGate) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.URL.Query().Get("operation")
	if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		if form, err := url.ParseQuery(string(b)); err == nil && form.Get("operation") != "" {
			op = form.Get("operation")
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	if op == g.op {
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
