package http

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/go-chi/chi/v5"
	httpSwagger "github.com/swaggo/http-swagger/v2"

	"github.com/portalcrm/vtiger-portal/documents"
)

// mountOps registers /metrics and /swagger (owned by the ops feature).
func (s *Server) mountOps(r chi.Router) {
	if s.Config.Metrics.Enabled && s.Config.Metrics.Listen == "" {
		if h, ok := MetricsHandler(s.Metrics); ok {
			r.Get("/metrics", h.ServeHTTP)
		}
	}

	ui, err := newSwaggerUI()
	if err != nil {
		// Only a broken build (spec not embedded) gets here; the API itself
		// must still come up.
		s.logger.Error("swagger UI disabled", "err", err)
		r.Get("/swagger", s.unavailable)
		r.Get("/swagger/*", s.unavailable)
		return
	}
	r.Get("/swagger", ui.ServeHTTP)
	r.Get("/swagger/*", ui.ServeHTTP)
}

// MetricsHandler returns m's exposition handler when m has one (the
// Prometheus implementation does; the no-op one does not). The application
// uses it to serve /metrics on a separate admin listener when
// metrics.listen is set.
func MetricsHandler(m Metrics) (http.Handler, bool) {
	hm, ok := m.(interface{ Handler() http.Handler })
	if !ok {
		return nil, false
	}
	h := hm.Handler()
	return h, h != nil
}

// swaggerUI serves the Swagger UI (assets embedded by http-swagger, so it
// works offline) over the spec embedded in package documents.
type swaggerUI struct {
	specJSON, specYAML []byte
	// index is the page for /swagger/ and /swagger/index.html; indexBare
	// the same page for /swagger without the slash, whose relative links
	// must name the swagger/ directory. Both stay relative so the UI also
	// works behind a proxy path prefix, and neither needs a redirect.
	index, indexBare []byte
	assets           http.Handler
}

func newSwaggerUI() (*swaggerUI, error) {
	specJSON, err := documents.FS.ReadFile("swagger.json")
	if err != nil {
		return nil, fmt.Errorf("read embedded swagger.json: %w", err)
	}
	specYAML, err := documents.FS.ReadFile("swagger.yaml")
	if err != nil {
		return nil, fmt.Errorf("read embedded swagger.yaml: %w", err)
	}
	assets := httpSwagger.Handler(
		httpSwagger.URL("doc.json"),
		httpSwagger.PersistAuthorization(true),
	)
	index, err := renderSwaggerIndex(assets)
	if err != nil {
		return nil, err
	}
	bare := bytes.ReplaceAll(index, []byte(`"./`), []byte(`"swagger/`))
	bare = bytes.ReplaceAll(bare, []byte(`url: "doc.json"`), []byte(`url: "swagger/doc.json"`))
	return &swaggerUI{specJSON: specJSON, specYAML: specYAML, index: index, indexBare: bare, assets: assets}, nil
}

// renderSwaggerIndex asks http-swagger for its index page once, so the page
// can be served for /swagger and /swagger/ instead of its redirect.
func renderSwaggerIndex(h http.Handler) ([]byte, error) {
	u := &url.URL{Path: "/swagger/index.html"}
	req := &http.Request{Method: http.MethodGet, URL: u, RequestURI: u.Path, Header: http.Header{}}
	w := &bufferResponse{header: http.Header{}}
	h.ServeHTTP(w, req)
	if w.status != 0 && w.status != http.StatusOK {
		return nil, fmt.Errorf("render swagger index: status %d", w.status)
	}
	if !bytes.Contains(w.body.Bytes(), []byte(`"./swagger-ui-bundle.js"`)) {
		return nil, fmt.Errorf("render swagger index: unexpected page layout")
	}
	return w.body.Bytes(), nil
}

type bufferResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferResponse) Header() http.Header         { return b.header }
func (b *bufferResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferResponse) WriteHeader(status int)      { b.status = status }

func (u *swaggerUI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// normalizePath dropped any trailing slash from URL.Path; the page
	// variant depends on what the browser asked for, so look at the
	// original request line.
	rest := strings.TrimPrefix(r.URL.Path, "/swagger")
	rest = strings.TrimPrefix(rest, "/")
	switch rest {
	case "":
		original := r.RequestURI
		if i := strings.IndexByte(original, '?'); i >= 0 {
			original = original[:i]
		}
		if strings.HasSuffix(original, "/") {
			writeBytes(w, "text/html; charset=utf-8", u.index)
		} else {
			writeBytes(w, "text/html; charset=utf-8", u.indexBare)
		}
	case "index.html":
		writeBytes(w, "text/html; charset=utf-8", u.index)
	case "doc.json":
		writeBytes(w, "application/json; charset=utf-8", u.specJSON)
	case "doc.yaml":
		writeBytes(w, "application/yaml; charset=utf-8", u.specYAML)
	default:
		// http-swagger picks the asset from RequestURI; give it a clean one
		// so doubled slashes or query strings cannot confuse it.
		r2 := r.Clone(r.Context())
		r2.RequestURI = "/swagger/" + path.Base(rest)
		r2.URL.RawQuery = ""
		u.assets.ServeHTTP(w, r2)
	}
}

func writeBytes(w http.ResponseWriter, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}
