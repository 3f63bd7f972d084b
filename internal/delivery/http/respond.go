package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// errorStatus is the one place a domain error code becomes an HTTP status.
var errorStatus = map[string]int{
	domain.EBADREQUEST:   http.StatusBadRequest,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.EOTPREQUIRED:  http.StatusForbidden,
	domain.ENOTFOUND:     http.StatusNotFound,
	domain.ECONFLICT:     http.StatusConflict,
	domain.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	domain.EINVALID:      http.StatusUnprocessableEntity,
	domain.ERATELIMIT:    http.StatusTooManyRequests,
	domain.EUPSTREAM:     http.StatusBadGateway,
	domain.EUNAVAILABLE:  http.StatusServiceUnavailable,
	domain.ETIMEOUT:      http.StatusGatewayTimeout,
	domain.EINTERNAL:     http.StatusInternalServerError,
}

// errorTitle is the "error" key of error bodies; the earlier backend's
// titles are kept where it had one.
var errorTitle = map[string]string{
	domain.EBADREQUEST:   "Bad Request",
	domain.EUNAUTHORIZED: "Anonymous Access",
	domain.EFORBIDDEN:    "Access Not Permitted",
	domain.EOTPREQUIRED:  "OTP Required",
	domain.ENOTFOUND:     "Not Found",
	domain.ECONFLICT:     "Conflict",
	domain.ETOOLARGE:     "Too Large",
	domain.EINVALID:      "Validation Error",
	domain.ERATELIMIT:    "Too Many Requests",
	domain.EUPSTREAM:     "Bad Gateway",
	domain.EUNAVAILABLE:  "Service Unavailable",
	domain.ETIMEOUT:      "Gateway Timeout",
	domain.EINTERNAL:     "Internal Server Error",
}

// retryAfterUnavailable is the Retry-After (seconds) of every 503.
const retryAfterUnavailable = "1"

// ErrorBody is every error response: {"error","field","message"}.
type ErrorBody struct {
	Error   string `json:"error"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// StatusFor returns the HTTP status for err.
func StatusFor(err error) int {
	if s, ok := errorStatus[domain.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// writeError maps err through the table and writes the JSON body. Internal
// causes are logged, never sent.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := domain.ErrorCode(err)
	status := StatusFor(err)
	msg := domain.ErrorMessage(err)
	if status >= 500 {
		s.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
			"status", status, "code", code, "err", err, "request_id", requestID(r))
	} else {
		s.logger.DebugContext(r.Context(), "request rejected", "status", status, "code", code, "err", err)
	}
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		// Unavailable is passing by nature (a database restart, Vtiger
		// down, a shutdown): tell clients and proxies when to try again.
		w.Header().Set("Retry-After", retryAfterUnavailable)
	}
	body := ErrorBody{Error: errorTitle[code], Field: domain.ErrorField(err), Message: msg}
	if body.Error == "" {
		body.Error = http.StatusText(status)
	}
	writeJSON(w, status, body)
}

// apiHandler is an API handler that returns its failure instead of
// writing it, so every error reaches the client through writeError: one
// status table, one body shape, one log line. It returns an error only
// before it has written anything.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

// handle adapts h for the router; it is where h's error is written.
func (s *Server) handle(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// reply ends a handler with the outcome of its service call: v as the JSON
// body with status, or err for handle to write.
func reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

// replyData is reply with v inside {"data": v}.
func replyData(w http.ResponseWriter, status int, v any, err error) error {
	return reply(w, status, dataEnvelope{Data: v}, err)
}

// replySecret is reply for answers that carry a secret (a token, a TOTP
// key, recovery codes): no cache may keep them. Errors carry none, so they
// keep the default caching headers.
func replySecret(w http.ResponseWriter, status int, v any, err error) error {
	if err == nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	return reply(w, status, v, err)
}

// withBody decodes the JSON body into a T before h runs, so a handler
// names its body in its signature and a malformed body never reaches it.
func withBody[T any](h func(w http.ResponseWriter, r *http.Request, body T) error) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		body, err := decode[T](r)
		if err != nil {
			return err
		}
		return h(w, r, body)
	}
}

// decode reads the JSON body into a new T (see readJSON).
func decode[T any](r *http.Request) (T, error) {
	var v T
	err := readJSON(r, &v)
	return v, err
}

// writeJSON writes v with status. Encoding errors can only come from a bug
// in our own types, so they are not recoverable here.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v == nil || status == http.StatusNoContent {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// Envelope shapes of the API contract.
type dataEnvelope struct {
	Data any `json:"data"`
}

// ListEnvelope is {data, count, page, size}.
type ListEnvelope struct {
	Data  any `json:"data"`
	Count int `json:"count"`
	Page  int `json:"page"`
	Size  int `json:"size"`
}

func writeData(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, dataEnvelope{Data: v})
}

// readJSON decodes one JSON object from the body into dst. Unknown fields are
// ignored (the frontend sends extras, contract decision 8). Errors are domain
// errors: 400 for malformed JSON, 413 for an oversized body, 422 for a wrong type.
func readJSON(r *http.Request, dst any) error {
	if r.Body == nil {
		return domain.Errorf(domain.EBADREQUEST, "request body is empty")
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(dst); err != nil {
		var syntaxErr *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		var maxErr *http.MaxBytesError
		switch {
		case errors.As(err, &maxErr):
			return domain.Errorf(domain.ETOOLARGE, "request body must not be larger than %d bytes", maxErr.Limit)
		case errors.Is(err, io.EOF):
			return domain.Errorf(domain.EBADREQUEST, "request body is empty")
		case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
			return domain.Errorf(domain.EBADREQUEST, "request body contains malformed JSON")
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				return domain.Errorf(domain.EBADREQUEST, "request body must be a JSON object")
			}
			return domain.Invalid(field, "must be of type %s", typeErr.Type.String())
		default:
			if strings.HasPrefix(err.Error(), "json: ") {
				return domain.Errorf(domain.EBADREQUEST, "request body contains invalid JSON")
			}
			return fmt.Errorf("reading request body: %w", err)
		}
	}
	// A second value after the object is a malformed body, not an extra field.
	if dec.More() {
		return domain.Errorf(domain.EBADREQUEST, "request body must contain a single JSON object")
	}
	return nil
}
