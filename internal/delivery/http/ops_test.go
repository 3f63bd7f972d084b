package http

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/documents"
	"github.com/portalcrm/vtiger-portal/internal/metrics"
)

// The Prometheus implementation is what the application plugs in here.
var _ Metrics = (*metrics.Metrics)(nil)
var _ activityFailures = (*metrics.Metrics)(nil)

// opsGet does a real HTTP round trip, so RequestURI is what a browser sends.
func opsGet(t *testing.T, srv *httptest.Server, method, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, string(b)
}

func TestOpsMetricsEndpoint(t *testing.T) {
	tests := []struct {
		name    string
		enabled bool
		listen  string
		noProm  bool // leave Deps.Metrics nil (the no-op sink has no handler)
		want    int
	}{
		{name: "enabled on the main listener", enabled: true, want: http.StatusOK},
		{name: "disabled", enabled: false, want: http.StatusNotFound},
		{name: "on a separate admin listener", enabled: true, listen: "127.0.0.1:9090", want: http.StatusNotFound},
		{name: "no Prometheus sink wired", enabled: true, noProm: true, want: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New(nil)
			s, _ := newTestServer(t, func(d *Deps) {
				d.Config.Metrics.Enabled = tt.enabled
				d.Config.Metrics.Listen = tt.listen
				if !tt.noProm {
					d.Metrics = m
				}
			})
			srv := httptest.NewServer(s)
			defer srv.Close()
			resp, body := opsGet(t, srv, http.MethodGet, "/metrics")
			if resp.StatusCode != tt.want {
				t.Fatalf("GET /metrics = %d, want %d\n%s", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusOK && !strings.Contains(body, "go_goroutines") {
				t.Errorf("/metrics body is not the Prometheus exposition:\n%.300s", body)
			}
		})
	}
}

// The series must be keyed by the route pattern: raw paths (ids, trailing
// slashes) would give every record its own time series.
func TestOpsMetricsUseRoutePatterns(t *testing.T) {
	m := metrics.New(nil)
	s, _ := newTestServer(t, func(d *Deps) {
		d.Config.Metrics.Enabled = true
		d.Metrics = m
	})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, p := range []string{"/api/v1/ping", "/api/v1/ping/", "/no/such/page-12345"} {
		opsGet(t, srv, http.MethodGet, p)
	}
	_, body := opsGet(t, srv, http.MethodGet, "/metrics")
	for _, want := range []string{
		`portal_http_requests_total{method="GET",route="/api/v1/ping",status="200"} 2`,
		`portal_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "page-12345") {
		t.Error("a raw request path leaked into a metric label")
	}
}

func TestMetricsHandlerHelper(t *testing.T) {
	if _, ok := MetricsHandler(noMetrics{}); ok {
		t.Error("the no-op sink claims a handler")
	}
	h, ok := MetricsHandler(metrics.New(nil))
	if !ok || h == nil {
		t.Fatal("the Prometheus sink has no handler")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Errorf("handler answered %d:\n%.300s", rec.Code, rec.Body.String())
	}
}

func TestOpsSwaggerUI(t *testing.T) {
	s, _ := newTestServer(t, nil)
	srv := httptest.NewServer(s)
	defer srv.Close()
	specJSON, err := documents.FS.ReadFile("swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	specYAML, err := documents.FS.ReadFile("swagger.yaml")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		method, path string
		status       int
		ctype        string
		contains     string // substring of the body
		exact        []byte // whole body, when set
	}{
		// The bare path must point its relative links into swagger/.
		{"GET", "/swagger", 200, "text/html", `src="swagger/swagger-ui-bundle.js"`, nil},
		{"GET", "/swagger/", 200, "text/html", `src="./swagger-ui-bundle.js"`, nil},
		{"GET", "/swagger/index.html", 200, "text/html", `src="./swagger-ui-bundle.js"`, nil},
		{"GET", "/swagger/", 200, "text/html", `url: "doc.json"`, nil},
		{"GET", "/swagger", 200, "text/html", `url: "swagger/doc.json"`, nil},
		{"GET", "/swagger/doc.json", 200, "application/json", "", specJSON},
		{"GET", "/swagger/doc.yaml", 200, "application/yaml", "", specYAML},
		{"GET", "/swagger/swagger-ui.css", 200, "text/css", ".swagger-ui", nil},
		{"GET", "/swagger/swagger-ui-bundle.js", 200, "application/javascript", "SwaggerUIBundle", nil},
		{"GET", "/swagger/swagger-ui-standalone-preset.js", 200, "application/javascript", "", nil},
		{"GET", "/swagger/favicon-32x32.png", 200, "image/png", "", nil},
		{"GET", "/swagger//swagger-ui.css?v=2", 200, "text/css", ".swagger-ui", nil},
		{"GET", "/swagger/no-such-asset.js", 404, "", "", nil},
		{"POST", "/swagger/doc.json", 405, "application/json", "Method Not Allowed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := opsGet(t, srv, tt.method, tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (Location %q)\n%.300s", resp.StatusCode, tt.status, resp.Header.Get("Location"), body)
			}
			if ct := resp.Header.Get("Content-Type"); tt.ctype != "" && !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type = %q, want %s", ct, tt.ctype)
			}
			if tt.contains != "" && !strings.Contains(body, tt.contains) {
				t.Errorf("body lacks %q:\n%.400s", tt.contains, body)
			}
			if tt.exact != nil && body != string(tt.exact) {
				t.Errorf("body (%d bytes) differs from the embedded file (%d bytes)", len(body), len(tt.exact))
			}
		})
	}

	var spec struct {
		BasePath string         `json:"basePath"`
		Info     map[string]any `json:"info"`
	}
	if err := json.Unmarshal(specJSON, &spec); err != nil {
		t.Fatalf("embedded swagger.json: %v", err)
	}
	if spec.BasePath != "/api/v1" || spec.Info["title"] != "Vtiger Customer Portal API" {
		t.Errorf("embedded spec basePath %q, title %v: regenerate with make swagger", spec.BasePath, spec.Info["title"])
	}
}
