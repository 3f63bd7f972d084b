package http

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// At the shutdown deadline a request that has not answered gets a complete
// JSON 503 whatever its handler does afterwards; one that already started
// its answer keeps it; one that finished is untouched.
func TestDrainOnStop(t *testing.T) {
	cases := []struct {
		name       string
		handler    func(started chan<- struct{}) http.HandlerFunc
		wantStatus int
		wantBody   string // "" = the shutdown 503 body
	}{
		{"silent until cancelled, then writes its own error", func(started chan<- struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				close(started)
				<-r.Context().Done()
				w.Header().Set("X-Late", "1")
				writeJSON(w, http.StatusInternalServerError, ErrorBody{Error: "late", Message: "late"})
			}
		}, http.StatusServiceUnavailable, ""},
		{"answer already started", func(started chan<- struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, "part one,")
				close(started)
				<-r.Context().Done()
				_, _ = io.WriteString(w, "part two")
			}
		}, http.StatusOK, "part one,part two"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			stop, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := &Server{Deps: Deps{Stop: stop}, logger: slog.New(slog.DiscardHandler)}
			started := make(chan struct{})
			h := s.drainOnStop(tt.handler(started))
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/x", nil).WithContext(stop)
			done := make(chan struct{})
			go func() { defer close(done); h.ServeHTTP(rec, req) }()
			<-started
			cancel()
			<-done
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.wantStatus, rec.Body.String())
			}
			if tt.wantBody != "" {
				if rec.Body.String() != tt.wantBody {
					t.Fatalf("body %q, want %q", rec.Body.String(), tt.wantBody)
				}
				return
			}
			var body ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Message == "" {
				t.Fatalf("503 body %q is not the JSON error: %v", rec.Body.String(), err)
			}
			if rec.Header().Get("Retry-After") == "" || rec.Header().Get("X-Late") != "" {
				t.Fatalf("503 headers %v: want Retry-After and none of the handler's late headers", rec.Header())
			}
		})
	}

	// A handler that finishes before the stop keeps its own answer and headers.
	stop, cancel := context.WithCancel(context.Background())
	s := &Server{Deps: Deps{Stop: stop}, logger: slog.New(slog.DiscardHandler)}
	rec := httptest.NewRecorder()
	s.drainOnStop(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Mine", "1") // no explicit WriteHeader: the implicit 200 carries it
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	cancel()
	if rec.Code != http.StatusOK || rec.Header().Get("X-Mine") != "1" {
		t.Fatalf("finished request: %d %v", rec.Code, rec.Header())
	}
}
