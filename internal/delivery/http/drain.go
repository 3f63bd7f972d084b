package http

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// drainOnStop keeps shutdown's promise that a request which started before
// SIGTERM gets a complete answer: when Deps.Stop is done (the shutdown
// deadline minus a margin) a request that has not written anything yet is
// answered 503 with a complete JSON body at once, and whatever its handler
// writes afterwards is dropped. A connection cut at the hard deadline would
// reach Apache as a reset; a 503 it can retry elsewhere.
//
// The handler gets its own header map, so the 503 written from the stop
// callback never races with a handler still setting headers.
func (s *Server) drainOnStop(next http.Handler) http.Handler {
	if s.Stop == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &drainWriter{w: w, header: w.Header().Clone(), stop: s.Stop}
		fired := make(chan struct{})
		stop := context.AfterFunc(s.Stop, func() {
			defer close(fired)
			dw.stopped()
		})
		returned := false
		defer func() {
			if !stop() {
				// The callback runs or ran: w must not be used once we return.
				<-fired
			}
			dw.finish(returned)
		}()
		next.ServeHTTP(dw, r)
		returned = true
	})
}

// shutdownBody is the 503 a request still running at the deadline gets.
var shutdownBody = func() []byte {
	b, _ := json.Marshal(ErrorBody{Error: "Service Unavailable",
		Message: "the server is shutting down; retry the request"})
	return append(b, '\n')
}()

type drainWriter struct {
	mu      sync.Mutex
	stop    context.Context
	w       http.ResponseWriter
	header  http.Header // the handler's; copied to w on WriteHeader
	wrote   bool        // the handler's status line went out
	cut     bool        // the 503 went out; the handler's writes are dropped
	handled bool        // the handler returned
}

func (d *drainWriter) Header() http.Header { return d.header }

// Unwrap lets http.ResponseController reach the connection, so a long CSV
// export can move its write deadline (Flush stays drainWriter's own).
func (d *drainWriter) Unwrap() http.ResponseWriter { return d.w }

func (d *drainWriter) WriteHeader(status int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeHeaderLocked(status)
}

func (d *drainWriter) writeHeaderLocked(status int) {
	if d.wrote || d.cut {
		return
	}
	// 1xx answers are informational; the final status is still to come.
	if status >= 100 && status < 200 {
		return
	}
	if status >= 500 && d.stop.Err() != nil {
		// A failure right after the stop is the stop's doing (its context
		// was cancelled before the stop callback ran): answer the
		// shutdown's 503. A success still goes out as it is.
		d.cutLocked()
		return
	}
	d.wrote = true
	dst := d.w.Header()
	clear(dst)
	for k, v := range d.header {
		dst[k] = v
	}
	d.w.WriteHeader(status)
}

func (d *drainWriter) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeHeaderLocked(http.StatusOK)
	if d.cut {
		return 0, http.ErrHandlerTimeout
	}
	return d.w.Write(p)
}

func (d *drainWriter) Flush() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeHeaderLocked(http.StatusOK)
	if d.cut {
		return
	}
	if f, ok := d.w.(http.Flusher); ok {
		f.Flush()
	}
}

// stopped answers 503 unless the handler already started its answer (a
// download in progress finishes or is cut at the hard deadline).
func (d *drainWriter) stopped() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.wrote || d.handled || d.cut {
		return
	}
	d.cutLocked()
}

func (d *drainWriter) cutLocked() {
	d.cut = true
	h := d.w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(shutdownBody)))
	h.Set("Retry-After", retryAfterUnavailable)
	h.Set("Connection", "close")
	d.w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = d.w.Write(shutdownBody)
	if f, ok := d.w.(http.Flusher); ok {
		f.Flush()
	}
}

// finish sends the handler's headers when it wrote nothing at all (the
// implicit 200). After a panic it leaves w alone for recoverPanic's 500.
func (d *drainWriter) finish(returned bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.handled = true
	if returned && !d.wrote && !d.cut {
		d.writeHeaderLocked(http.StatusOK)
	}
}
