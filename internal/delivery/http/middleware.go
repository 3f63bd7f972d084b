package http

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
)

// Metrics receives one observation per request, keyed by the chi route
// pattern (never the raw path, which would explode cardinality).
type Metrics interface {
	ObserveHTTP(method, route string, status int, d time.Duration)
}

type noMetrics struct{}

func (noMetrics) ObserveHTTP(string, string, int, time.Duration) {}

func (s *Server) requestIDMiddleware(next http.Handler) http.Handler {
	return middleware.RequestID(next)
}

func requestID(r *http.Request) string { return middleware.GetReqID(r.Context()) }

// clientIPMiddleware believes X-Forwarded-For only from configured trusted
// proxies (Apache on loopback by default); anyone else's header is ignored,
// so rate limits keyed on the client IP cannot be dodged by spoofing it.
func (s *Server) clientIPMiddleware() func(http.Handler) http.Handler {
	proxies := s.Config.HTTP.TrustedProxies
	if len(proxies) == 0 {
		return middleware.ClientIPFromRemoteAddr
	}
	prefixes := make([]string, 0, len(proxies))
	for _, p := range proxies {
		if !strings.Contains(p, "/") {
			if strings.Contains(p, ":") {
				p += "/128"
			} else {
				p += "/32"
			}
		}
		prefixes = append(prefixes, p)
	}
	return middleware.ClientIPFromXFF(prefixes...)
}

func clientIP(r *http.Request) string {
	if ip := middleware.GetClientIP(r.Context()); ip != "" {
		return ip
	}
	// A trusted proxy that sent no X-Forwarded-For is itself the client.
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return "unknown"
}

func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		d := time.Since(start)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		s.Metrics.ObserveHTTP(r.Method, route, status, d)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.logger.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("latency", d),
			slog.String("ip", clientIP(r)),
			slog.String("request_id", requestID(r)),
		)
	})
}

// recoverPanic turns a panic into a JSON 500 without internals; the stack
// goes to the log only.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if rec := recover(); rec != nil {
				if rec == http.ErrAbortHandler {
					panic(rec)
				}
				s.logger.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(rec),
					"stack", string(debug.Stack()), "request_id", requestID(r))
				w.Header().Set("Connection", "close")
				writeJSON(w, http.StatusInternalServerError, ErrorBody{Error: "Internal Server Error",
					Message: "the server encountered a problem and could not process your request"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// cors answers trusted origins only (contract decision 1). It runs before
// the rate limiter so a 429 still carries the headers and the browser can
// read it instead of reporting a CORS failure.
func (s *Server) cors(next http.Handler) http.Handler {
	origins := s.Config.CORS.TrustedOrigins
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin != "" && slices.Contains(origins, origin) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", "Retry-After, Content-Disposition, Idempotent-Replayed")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.Header().Add("Vary", "Access-Control-Request-Method")
				w.Header().Add("Vary", "Access-Control-Request-Headers")
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Requested-With, Idempotency-Key")
				w.Header().Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimit is the general per-IP limit: burst requests per burst/rps
// seconds, keyed on the trusted client IP.
func (s *Server) rateLimit() func(http.Handler) http.Handler {
	l := s.Config.Limiter
	if !l.Enabled || l.RPS <= 0 || l.Burst <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	window := time.Duration(math.Ceil(float64(l.Burst)/l.RPS*1000)) * time.Millisecond
	if window < time.Second {
		window = time.Second
	}
	return s.limiter("ip", l.Burst, window, keyByIP, failOpen)
}

func keyByIP(r *http.Request) (string, error) { return clientIP(r), nil }

// SharedLimiter counts requests across instances (Redis). An error means
// the count could not be taken; the limiter's onDown decides what then.
type SharedLimiter interface {
	Allow(ctx context.Context, key string, n int, window time.Duration) (allowed bool, retryAfter time.Duration, err error)
}

// onDown is what a limiter does while the shared counter is unavailable.
type onDown int

const (
	// failOpen serves the request uncounted: the general limit protects
	// capacity, and an outage of Redis must not become one of the portal.
	failOpen onDown = iota
	// failLocal counts in process like a single instance: the auth limits
	// guard passwords and codes, so they never go away entirely.
	failLocal
)

// limiter is n requests per window and key. With a SharedLimiter the
// budget is shared by every instance under name (which keeps the budgets
// of different routes apart); without one it is newLimiter, in process.
func (s *Server) limiter(name string, n int, window time.Duration, key httprate.KeyFunc, down onDown) func(http.Handler) http.Handler {
	local := newLimiter(n, window, key)
	if s.SharedLimiter == nil {
		return local
	}
	return func(next http.Handler) http.Handler {
		fallback := local(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, err := key(r)
			if err != nil {
				k = "unknown"
			}
			if len(k) > 128 {
				k = "sha:" + shortHash(k) // the key is client input; keep Redis keys small
			}
			ok, retry, err := s.SharedLimiter.Allow(r.Context(), name+"|"+k, n, window)
			switch {
			case err != nil && down == failOpen:
				next.ServeHTTP(w, r)
			case err != nil:
				fallback.ServeHTTP(w, r)
			case !ok:
				tooManyRequests(w, retry)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// newLimiter builds an in-process httprate limiter that answers 429 as
// JSON with Retry-After.
func newLimiter(n int, window time.Duration, key httprate.KeyFunc) func(http.Handler) http.Handler {
	return httprate.LimitBy(n, window, key,
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			tooManyRequests(w, window)
		}))
}

// tooManyRequests answers 429; Retry-After is whole seconds, at least 1,
// unless the limiter already set it.
func tooManyRequests(w http.ResponseWriter, retry time.Duration) {
	if w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(retry.Seconds())))))
	}
	writeJSON(w, http.StatusTooManyRequests, ErrorBody{Error: "Too Many Requests",
		Message: "rate limit exceeded, retry later"})
}

// limitBody caps request bodies: uploads (multipart) get MaxUploadBytes plus
// room for the multipart framing, everything else MaxBodyBytes.
func (s *Server) limitBody(next http.Handler) http.Handler {
	jsonLimit := s.Config.HTTP.MaxBodyBytes
	uploadLimit := s.Config.HTTP.MaxUploadBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			limit := jsonLimit
			if isMultipart(r) {
				limit = uploadLimit + 64<<10
			}
			if limit > 0 {
				if r.ContentLength > limit {
					writeJSON(w, http.StatusRequestEntityTooLarge, ErrorBody{Error: "Too Large",
						Message: fmt.Sprintf("request body must not be larger than %d bytes", limit)})
					return
				}
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// isMultipart reports a multipart body; media types are case-insensitive,
// as the upload handlers' parser (mime.ParseMediaType) reads them.
func isMultipart(r *http.Request) bool {
	return len(r.Header.Get("Content-Type")) >= len("multipart/") &&
		strings.EqualFold(r.Header.Get("Content-Type")[:len("multipart/")], "multipart/")
}

type ctxKey int

const sessionKey ctxKey = iota

func withValue(r *http.Request, k ctxKey, v any) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), k, v))
}
