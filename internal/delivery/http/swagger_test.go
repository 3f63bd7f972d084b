package http

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/documents"
)

// routedDeps wires every service with a value whose methods are never
// called: mount functions register their real routes only when a service
// is present, and this test just walks the router. Routes are probed once
// without a token (see the security subtest), which stops at requireAuth
// before any service method runs.
func routedDeps() Deps {
	cfg := testConfig()
	cfg.Limiter.Enabled = false // one probe per route would trip the general limit
	cfg.Limiter.AuthPerMinute = 0
	return Deps{
		Config:        cfg,
		Logger:        slog.New(slog.DiscardHandler),
		Auth:          struct{ Authenticator }{},
		Accounts:      struct{ AccountService }{},
		OTP:           struct{ OTPService }{},
		CRM:           CRM{Records: struct{ RecordService }{}, Quotes: struct{ QuoteService }{}},
		Payments:      struct{ PaymentService }{},
		Notifications: struct{ NotificationService }{},
		DemoMail:      struct{ DemoMailbox }{},
		DemoCRM:       struct{ DemoCRM }{},
		Documents:     struct{ DocumentService }{},
		Activity:      struct{ ActivityService }{},
		Idempotency:   struct{ IdempotencyStore }{},
		Stop:          context.Background(),
	}
}

// swagRoute is one (method, path) with the route pattern as written.
type swagRoute struct {
	method  string
	path    string // relative to /api/v1, as in an @Router line
	handler string // the handler function, to say where to annotate
}

func (r swagRoute) key() string { return r.method + " " + pathShape(r.path) }

var paramRe = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

// pathShape makes chi and swagger paths comparable: parameter names and
// regexps are dropped ({id:[0-9]+} and {recordId} are both {}), and a
// trailing slash does not count (normalizePath strips it before routing).
func pathShape(p string) string {
	p = paramRe.ReplaceAllString(p, "{}")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}

func pathParams(p string) []string {
	var names []string
	for _, m := range paramRe.FindAllStringSubmatch(p, -1) {
		names = append(names, m[1])
	}
	return names
}

// handlerName names the endpoint behind chi's middleware chains:
// "(*Server).register" or, for handler factories, "(*Server).crmList".
func handlerName(h http.Handler) string {
	for {
		ch, ok := h.(*chi.ChainHandler)
		if !ok {
			break
		}
		h = ch.Endpoint
	}
	v := reflect.ValueOf(h)
	if v.Kind() != reflect.Func {
		return fmt.Sprintf("%T", h)
	}
	name := runtime.FuncForPC(v.Pointer()).Name()
	name = name[strings.LastIndex(name, "/")+1:]
	name = strings.TrimPrefix(name, "http.")
	name = strings.TrimSuffix(name, "-fm")
	if i := strings.Index(name, ".func"); i > 0 {
		name = name[:i]
	}
	return name
}

func routerRoutes(t *testing.T, s *Server) []swagRoute {
	t.Helper()
	var out []swagRoute
	err := chi.Walk(s.routes(), func(method, route string, h http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodOptions || method == http.MethodHead {
			return nil
		}
		rel, ok := strings.CutPrefix(route, "/api/v1/")
		if !ok {
			return nil // /healthz, /readyz, /metrics, /swagger, static files
		}
		out = append(out, swagRoute{method: method, path: "/" + rel, handler: handlerName(h)})
		return nil
	})
	if err != nil {
		t.Fatalf("walk router: %v", err)
	}
	return out
}

type specOperation struct {
	Security   []map[string][]string `json:"security"`
	Parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
}

type specDoc struct {
	BasePath            string                              `json:"basePath"`
	SecurityDefinitions map[string]json.RawMessage          `json:"securityDefinitions"`
	Paths               map[string]map[string]specOperation `json:"paths"`
}

func loadSpec(t *testing.T) specDoc {
	t.Helper()
	b, err := documents.FS.ReadFile("swagger.json")
	if err != nil {
		t.Fatalf("embedded swagger.json: %v", err)
	}
	var doc specDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("embedded swagger.json: %v", err)
	}
	return doc
}

var specMethods = []string{"get", "put", "post", "delete", "patch"}

// TestSwaggerMatchesRouter keeps documents/swagger.json and the router in
// step: every /api/v1 route is documented, every documented operation is
// routed, path parameters are declared, and an operation carries
// @Security Bearer exactly when its route demands a token. Failures
// list what to add or remove (see /work/team/SWAG.md for the format); run
// `make swagger` after editing annotations.
func TestSwaggerMatchesRouter(t *testing.T) {
	d := routedDeps()
	dv := reflect.ValueOf(d)
	for i := range dv.NumField() {
		f := dv.Type().Field(i)
		// Metrics and SharedLimiter register no routes of their own.
		if f.Type.Kind() == reflect.Interface && f.Name != "Metrics" && f.Name != "SharedLimiter" && dv.Field(i).IsNil() {
			t.Fatalf("routedDeps leaves Deps.%s nil, so its routes would not register: add it", f.Name)
		}
	}
	s := New(d)
	routes := routerRoutes(t, s)
	spec := loadSpec(t)
	if spec.BasePath != "/api/v1" {
		t.Fatalf("swagger.json basePath = %q, want /api/v1 (docs.go @BasePath)", spec.BasePath)
	}

	routed := map[string]swagRoute{}
	for _, r := range routes {
		if strings.Contains(r.path, "*") {
			t.Errorf("route %s %s is a wildcard (a nil service placeholder?); the spec cannot describe it", r.method, r.path)
			continue
		}
		routed[r.key()] = r
	}
	documented := map[string]swagRoute{}
	ops := map[string]specOperation{}
	for p, item := range spec.Paths {
		for m, op := range item {
			if !slices.Contains(specMethods, m) {
				continue
			}
			r := swagRoute{method: strings.ToUpper(m), path: p}
			documented[r.key()] = r
			ops[r.key()] = op
		}
	}

	t.Run("routes", func(t *testing.T) {
		var missing, stale, params []string
		for k, r := range routed {
			doc, ok := documented[k]
			if !ok {
				missing = append(missing, fmt.Sprintf("  @Router %s [%s]   // %s", r.path, strings.ToLower(r.method), r.handler))
				continue
			}
			if rp, dp := pathParams(r.path), pathParams(doc.path); !slices.Equal(rp, dp) {
				params = append(params, fmt.Sprintf("  %s %s: router names the path parameters %v, the spec %v (%s)", r.method, doc.path, rp, dp, r.handler))
			}
		}
		for k, d := range documented {
			if _, ok := routed[k]; !ok {
				stale = append(stale, fmt.Sprintf("  @Router %s [%s]", d.path, strings.ToLower(d.method)))
			}
			declared := map[string]bool{}
			for _, p := range ops[k].Parameters {
				if p.In == "path" {
					declared[p.Name] = true
				}
			}
			for _, name := range pathParams(d.path) {
				if !declared[name] {
					params = append(params, fmt.Sprintf("  %s %s: add @Param %s path string true \"...\"", d.method, d.path, name))
				}
			}
		}
		report(t, "routes not in documents/swagger.json — annotate these handlers, then run make swagger", missing)
		report(t, "documented operations with no route — fix or delete these @Router lines", stale)
		report(t, "path parameters that do not match", params)
	})

	t.Run("security", func(t *testing.T) {
		var problems []string
		for k, op := range ops {
			for _, req := range op.Security {
				for name := range req {
					if _, ok := spec.SecurityDefinitions[name]; !ok {
						problems = append(problems, fmt.Sprintf("  %s %s: @Security %s is not defined, use @Security Bearer", documented[k].method, documented[k].path, name))
					}
				}
			}
		}
		for k, r := range routed {
			op, ok := ops[k]
			if !ok {
				continue // reported by the routes subtest
			}
			secured := probeNeedsToken(t, s, r)
			// An undefined scheme name is reported above; any requirement
			// counts as "documented as secured" here.
			documentedSecured := len(op.Security) > 0
			switch {
			case secured && !documentedSecured:
				problems = append(problems, fmt.Sprintf("  %s %s needs a token: add @Security Bearer (%s)", r.method, r.path, r.handler))
			case !secured && documentedSecured:
				problems = append(problems, fmt.Sprintf("  %s %s needs no token: drop @Security (%s)", r.method, r.path, r.handler))
			}
		}
		report(t, "security annotations that do not match the router", problems)
	})
}

// probeNeedsToken sends the route one request without Authorization: the
// auth middleware answers 401 naming the header before any handler or
// service runs. Public handlers get the same empty request and may fail
// in their own way (their stub service panics into a 500), which is fine:
// only the 401 from the middleware counts.
func probeNeedsToken(t *testing.T, s *Server, r swagRoute) bool {
	t.Helper()
	p := paramRe.ReplaceAllString(r.path, "1")
	req := httptest.NewRequest(r.method, "/api/v1"+p, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		return false
	}
	var body ErrorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	return body.Field == "Authorization" && strings.Contains(body.Message, "Bearer")
}

func report(t *testing.T, title string, lines []string) {
	t.Helper()
	if len(lines) == 0 {
		return
	}
	slices.Sort(lines)
	t.Errorf("%s (%d):\n%s", title, len(lines), strings.Join(lines, "\n"))
}
