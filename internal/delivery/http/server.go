// Package http is the portal's HTTP delivery layer: the chi router, the
// middleware chain, the /api/v1 handlers of the API contract, and the one
// table that maps domain errors to statuses (respond.go).
//
// Each feature lives in its own file with the small service interface it
// consumes (users.go, otp.go, crm.go, payments.go, notifications.go); the
// application wires real services into Deps.
package http

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/config"
)

// Deps is everything the router needs. Nil services leave their routes
// answering 503, so partial wiring (tests, `portal migrate`) stays safe.
type Deps struct {
	Config        config.Config
	Logger        *slog.Logger
	Ready         func(ctx context.Context) error // readiness: Postgres (and friends) reachable
	Auth          Authenticator
	Accounts      AccountService
	OTP           OTPService
	CRM           CRM
	Payments      PaymentService
	Notifications NotificationService
	Documents     DocumentService  // PDF downloads
	Activity      ActivityService  // nil: writes are not recorded, /activity answers 503
	Metrics       Metrics          // optional
	Idempotency   IdempotencyStore // nil: Idempotency-Key is ignored
	Version       string
	// DemoMail, set only in demo mode, serves GET /demo/mail.
	DemoMail DemoMailbox
	// DemoCRM, set only in demo mode, serves POST /demo/tickets/{id}/answer.
	DemoCRM DemoCRM
	// Stop, when set, is done at the shutdown deadline minus a margin:
	// requests still running then are answered 503 (drain.go).
	Stop context.Context
	// SharedLimiter, when set (redis.url), counts the rate limits across
	// instances; nil keeps every limit in process.
	SharedLimiter SharedLimiter
	// Optional are dependencies the portal keeps serving without (Redis):
	// /readyz names each one's state and says "degraded" when one fails,
	// but still answers 200 so a balancer keeps the instance.
	Optional map[string]func(ctx context.Context) error
}

// Server holds the router and its dependencies.
type Server struct {
	Deps
	logger  *slog.Logger
	handler http.Handler
}

// New builds the HTTP handler.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = noMetrics{}
	}
	s := &Server{Deps: d, logger: d.Logger}
	s.handler = s.normalizePath(s.routes())
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(s.requestIDMiddleware)
	r.Use(s.clientIPMiddleware())
	r.Use(s.accessLog)
	r.Use(s.recoverPanic)
	r.Use(s.cors)
	r.Use(s.drainOnStop)
	r.Use(s.rateLimit())
	r.Use(s.limitBody)

	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	s.mountOps(r)
	s.mountDemo(r)

	r.Route("/api/v1", func(r chi.Router) {
		r.NotFound(s.notFound)
		r.MethodNotAllowed(s.methodNotAllowed)
		r.Use(s.recordActivity)
		r.Get("/ping", s.ping)
		s.mountUsers(r)
		s.mountOTP(r)
		s.mountCRM(r)
		s.mountPayments(r)
		s.mountNotifications(r)
		s.mountDocuments(r)
		s.mountQuotes(r)
		s.mountActivity(r)
	})
	s.mountStatic(r)
	return r
}

var multiSlash = regexp.MustCompile(`/{2,}`)

// normalizePath runs before routing: it collapses repeated slashes, repairs
// `/api/v1projects/...` (the upload widget concatenates without a slash,
// contract quirk 4) and drops a trailing slash, so every route answers
// `/x` and `/x/` directly, never with a redirect (contract decision 5).
func (s *Server) normalizePath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		orig := p
		if strings.Contains(p, "//") {
			p = multiSlash.ReplaceAllString(p, "/")
		}
		if strings.HasPrefix(p, "/api/v1") && len(p) > len("/api/v1") && p[len("/api/v1")] != '/' {
			p = "/api/v1/" + p[len("/api/v1"):]
		}
		if len(p) > 1 && strings.HasSuffix(p, "/") {
			p = strings.TrimRight(p, "/")
			if p == "" {
				p = "/"
			}
		}
		if p != orig {
			r.URL.Path = p
			r.URL.RawPath = ""
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusNotFound, ErrorBody{Error: "Not Found", Message: "the requested resource could not be found"})
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{Error: "Method Not Allowed",
		Message: "the " + r.Method + " method is not supported for this resource"})
}

func (s *Server) unavailable(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: "Service Unavailable", Message: "this feature is not configured"})
}

// PingResponse is {success, message}.
type PingResponse struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			s.logger.WarnContext(r.Context(), "not ready", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "message": "a dependency is not reachable"})
			return
		}
	}
	body := map[string]string{"status": "ready"}
	for name, check := range s.Optional {
		if err := check(r.Context()); err != nil {
			s.logger.WarnContext(r.Context(), "degraded", "dependency", name, "err", err)
			body[name] = "unavailable"
			body["status"] = "degraded"
			continue
		}
		body[name] = "ok"
	}
	writeJSON(w, http.StatusOK, body)
}
