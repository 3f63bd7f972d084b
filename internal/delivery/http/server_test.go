package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/config"
	"github.com/portalcrm/vtiger-portal/internal/domain"
)

func testConfig() config.Config {
	var c config.Config
	c.HTTP.MaxBodyBytes = 1 << 10
	c.HTTP.MaxUploadBytes = 4 << 10
	c.HTTP.TrustedProxies = []string{"127.0.0.1", "::1"}
	c.Limiter = config.Limiter{Enabled: true, RPS: 50, Burst: 100, AuthPerMinute: 10}
	c.CORS.TrustedOrigins = []string{"https://portal.example.com"}
	return c
}

func newTestServer(t *testing.T, mutate func(*Deps)) (*Server, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	d := Deps{Config: testConfig(), Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if mutate != nil {
		mutate(&d)
	}
	return New(d), &logs
}

func do(t *testing.T, h http.Handler, method, path string, body io.Reader, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %q", err, rec.Body.String())
	}
	return m
}

func TestPingHealthReady(t *testing.T) {
	readyErr := errors.New("db down")
	var failReady bool
	s, _ := newTestServer(t, func(d *Deps) {
		d.Ready = func(context.Context) error {
			if failReady {
				return readyErr
			}
			return nil
		}
	})
	tests := []struct {
		name, path string
		fail       bool
		status     int
		key, want  string
	}{
		{"ping", "/api/v1/ping", false, 200, "message", "active"},
		{"ping trailing slash", "/api/v1/ping/", false, 200, "message", "active"},
		{"ping double slash", "//api//v1//ping", false, 200, "message", "active"},
		{"healthz", "/healthz", false, 200, "status", "ok"},
		{"readyz ok", "/readyz", false, 200, "status", "ready"},
		{"readyz down", "/readyz", true, 503, "status", "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failReady = tt.fail
			rec := do(t, s, "GET", tt.path, nil, nil)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if got := decodeBody(t, rec)[tt.key]; got != tt.want {
				t.Fatalf("%s = %v, want %v", tt.key, got, tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	if rec := do(t, s, "GET", "/api/v1/ping", nil, nil); decodeBody(t, rec)["success"] != true {
		t.Fatalf("ping success flag missing: %s", rec.Body)
	}
}

func TestNotFoundAndMethodNotAllowedAreJSON(t *testing.T) {
	s, _ := newTestServer(t, nil)
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/no-such-route", 404},
		{"GET", "/nothing-here", 404},
		{"DELETE", "/api/v1/ping", 405},
		{"POST", "/healthz", 405},
	}
	for _, tt := range tests {
		rec := do(t, s, tt.method, tt.path, nil, nil)
		if rec.Code != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, rec.Code, tt.status)
			continue
		}
		if msg, _ := decodeBody(t, rec)["message"].(string); msg == "" {
			t.Errorf("%s %s: no message in %s", tt.method, tt.path, rec.Body)
		}
	}
}

func TestPathNormalisation(t *testing.T) {
	var seen string
	s, _ := newTestServer(t, nil)
	h := s.normalizePath(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.URL.Path }))
	tests := map[string]string{
		"/api/v1/tickets/":                   "/api/v1/tickets",
		"/api/v1//users/my/documents":        "/api/v1/users/my/documents",
		"/api/v1projects/29x1/documents":     "/api/v1/projects/29x1/documents",
		"/api/v1projects/29x1/tasks/28x2/":   "/api/v1/projects/29x1/tasks/28x2",
		"/":                                  "/",
		"/api/v1":                            "/api/v1",
		"/swagger/":                          "/swagger",
		"/api/v1/tickets/17x5/file/15x22///": "/api/v1/tickets/17x5/file/15x22",
	}
	for in, want := range tests {
		do(t, h, "GET", in, nil, nil)
		if seen != want {
			t.Errorf("%q routed as %q, want %q", in, seen, want)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	s, _ := newTestServer(t, nil)
	var got error
	h := s.limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		got = readJSON(r, &v)
		if got != nil {
			s.writeError(w, r, got)
			return
		}
		w.WriteHeader(204)
	}))
	big := `{"a":"` + strings.Repeat("x", 2<<10) + `"}`
	// Declared length over the limit: rejected before reading.
	rec := do(t, h, "POST", "/x", strings.NewReader(big), map[string]string{"Content-Type": "application/json"})
	if rec.Code != 413 {
		t.Fatalf("declared oversize: status %d, want 413", rec.Code)
	}
	// Chunked (unknown length): rejected while decoding.
	req := httptest.NewRequest("POST", "/x", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 413 || domain.ErrorCode(got) != domain.ETOOLARGE {
		t.Fatalf("streamed oversize: status %d err %v, want 413", rec.Code, got)
	}
	// A multipart body may be larger than the JSON limit.
	rec = do(t, h, "POST", "/x", strings.NewReader(strings.Repeat("y", 3<<10)), map[string]string{"Content-Type": "multipart/form-data; boundary=x"})
	if rec.Code == 413 {
		t.Fatalf("multipart within the upload limit was rejected")
	}
}

func TestReadJSONErrors(t *testing.T) {
	type in struct {
		Email string `json:"email"`
		Size  int    `json:"size"`
	}
	tests := []struct {
		body string
		code string
	}{
		{`{"email":"a@b.c","extra":true}`, ""},
		{``, domain.EBADREQUEST},
		{`{"email":`, domain.EBADREQUEST},
		{`not json`, domain.EBADREQUEST},
		{`{"size":"ten"}`, domain.EINVALID},
		{`[1,2]`, domain.EBADREQUEST},
		{`{"email":"a"} {"email":"b"}`, domain.EBADREQUEST},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
		var v in
		err := readJSON(req, &v)
		if got := domain.ErrorCode(err); got != tt.code {
			t.Errorf("body %q: code %q, want %q (%v)", tt.body, got, tt.code, err)
		}
	}
}

func TestPanicBecomesJSON500WithoutStack(t *testing.T) {
	s, logs := newTestServer(t, nil)
	h := s.recoverPanic(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret internal detail")
	}))
	rec := do(t, h, "GET", "/boom", nil, nil)
	if rec.Code != 500 {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	if strings.Contains(body, "secret internal detail") || strings.Contains(body, "goroutine") {
		t.Fatalf("panic details leaked to the client: %s", body)
	}
	if decodeBody(t, rec)["message"] == "" {
		t.Fatal("no message")
	}
	if !strings.Contains(logs.String(), "secret internal detail") {
		t.Fatal("panic not logged")
	}
}

func TestRateLimitAnswers429WithCORSAndRetryAfter(t *testing.T) {
	s, _ := newTestServer(t, func(d *Deps) {
		d.Config.Limiter.RPS = 1
		d.Config.Limiter.Burst = 3
	})
	hdr := map[string]string{"Origin": "https://portal.example.com"}
	for i := 0; i < 3; i++ {
		if rec := do(t, s, "GET", "/api/v1/ping", nil, hdr); rec.Code != 200 {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
	}
	rec := do(t, s, "GET", "/api/v1/ping", nil, hdr)
	if rec.Code != 429 {
		t.Fatalf("status %d, want 429", rec.Code)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "https://portal.example.com" {
		t.Fatal("429 without CORS headers")
	}
	if decodeBody(t, rec)["message"] == "" {
		t.Fatal("429 without message")
	}
	// Another client IP has its own budget.
	req := httptest.NewRequest("GET", "/api/v1/ping", nil)
	req.RemoteAddr = "203.0.113.9:5555"
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("other IP limited too: %d", rec.Code)
	}
}

func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	s, _ := newTestServer(t, nil)
	var got string
	h := s.clientIPMiddleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = clientIP(r) }))
	tests := []struct {
		remote, xff, want string
	}{
		{"127.0.0.1:1234", "198.51.100.7", "198.51.100.7"},      // Apache on loopback: believed
		{"203.0.113.5:1234", "198.51.100.7", "203.0.113.5"},     // direct client: header ignored
		{"127.0.0.1:1234", "", "127.0.0.1"},                     // no header
		{"[::1]:1234", "1.2.3.4, 198.51.100.8", "198.51.100.8"}, // rightmost untrusted hop
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tt.remote
		if tt.xff != "" {
			req.Header.Set("X-Forwarded-For", tt.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got != tt.want {
			t.Errorf("remote %s xff %q: client %q, want %q", tt.remote, tt.xff, got, tt.want)
		}
	}
}

func TestCORS(t *testing.T) {
	s, _ := newTestServer(t, nil)
	pre := map[string]string{"Origin": "https://portal.example.com", "Access-Control-Request-Method": "PATCH",
		"Access-Control-Request-Headers": "authorization,content-type"}
	rec := do(t, s, "OPTIONS", "/api/v1/tickets/17x1", nil, pre)
	if rec.Code != 204 {
		t.Fatalf("preflight status %d", rec.Code)
	}
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		if !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), m) {
			t.Errorf("preflight does not allow %s", m)
		}
	}
	if !strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Error("Authorization not allowed")
	}
	pre["Origin"] = "https://evil.example"
	rec = do(t, s, "OPTIONS", "/api/v1/tickets/17x1", nil, pre)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("untrusted origin allowed")
	}
}

type fakeAuth map[string]*domain.Session

func (f fakeAuth) Authenticate(_ context.Context, token string) (*domain.Session, error) {
	if s, ok := f[token]; ok {
		return s, nil
	}
	return nil, &domain.Error{Code: domain.EUNAUTHORIZED, Message: "invalid or expired token"}
}

func TestAuthMiddleware(t *testing.T) {
	s, _ := newTestServer(t, func(d *Deps) {
		d.Auth = fakeAuth{
			"good":    {Customer: domain.Customer{ContactID: "12x1"}},
			"pending": {Customer: domain.Customer{ContactID: "12x2"}, OTPPending: true},
		}
	})
	r := chi.NewRouter()
	r.With(s.requireAuth).Get("/p", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, customer(r)) })
	r.With(s.requireAuthAllowOTPPending).Get("/v", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	tests := []struct {
		path, header string
		status       int
		errTitle     string
	}{
		{"/p", "", 401, "Anonymous Access"},
		{"/p", "Basic abc", 401, "Anonymous Access"},
		{"/p", "Bearer ", 401, "Anonymous Access"},
		{"/p", "Bearer nope", 401, "Anonymous Access"},
		{"/p", "Bearer good", 200, ""},
		{"/p", "Bearer pending", 403, "OTP Required"},
		{"/v", "Bearer pending", 204, ""},
	}
	for _, tt := range tests {
		rec := do(t, r, "GET", tt.path, nil, map[string]string{"Authorization": tt.header})
		if rec.Code != tt.status {
			t.Errorf("%s %q: status %d, want %d", tt.path, tt.header, rec.Code, tt.status)
			continue
		}
		if tt.errTitle != "" {
			b := decodeBody(t, rec)
			if b["error"] != tt.errTitle || b["message"] == "" {
				t.Errorf("%s %q: body %v", tt.path, tt.header, b)
			}
			if tt.errTitle == "OTP Required" && b["field"] != "otp_verified" {
				t.Errorf("OTP body field %v", b["field"])
			}
		}
	}
}

func TestStaticDirServesSPAWithFallback(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(writeFile(dir+"/index.html", "<html>app</html>"))
	must(writeFile(dir+"/app.js", "console.log(1)"))
	s, _ := newTestServer(t, func(d *Deps) { d.Config.HTTP.StaticDir = dir })
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/", 200, "<html>app</html>"},
		{"/app.js", 200, "console.log(1)"},
		{"/app/tickets/17x3", 200, "<html>app</html>"},
		{"/api/v1/nope", 404, "Not Found"},
	}
	if rec := do(t, s, "GET", "/../../etc/passwd", nil, nil); strings.Contains(rec.Body.String(), "root:") {
		t.Errorf("path traversal served %q", rec.Body.String())
	}
	for _, tt := range tests {
		rec := do(t, s, "GET", tt.path, nil, nil)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("%s: %d %q", tt.path, rec.Code, rec.Body.String())
		}
	}
}

func writeFile(path, content string) error {
	return osWriteFile(path, []byte(content))
}

var _ = time.Second
