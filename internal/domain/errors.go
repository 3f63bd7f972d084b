// Package domain holds the portal's entity types and its error vocabulary.
// It imports only the standard library so every layer can depend on it.
package domain

import (
	"errors"
	"fmt"
)

// Error codes. The delivery layer maps each code to exactly one HTTP status
// (see internal/delivery/http/respond.go); nothing else decides statuses.
const (
	EINTERNAL     = "internal"     // 500: a bug or an unexpected failure
	EBADREQUEST   = "bad_request"  // 400: malformed request (bad JSON, missing body)
	EUNAUTHORIZED = "unauthorized" // 401: no or invalid credentials
	EFORBIDDEN    = "forbidden"    // 403: authenticated but not allowed
	EOTPREQUIRED  = "otp_required" // 403: token has not passed TOTP validation
	ENOTFOUND     = "not_found"    // 404: missing, or outside the customer's scope
	ECONFLICT     = "conflict"     // 409: state conflict
	ETOOLARGE     = "too_large"    // 413: body or upload over the limit
	EINVALID      = "invalid"      // 422: validation failed (Field names the input)
	ERATELIMIT    = "rate_limited" // 429
	EUPSTREAM     = "upstream"     // 502: Vtiger (or Stripe) answered garbage or an error
	EUNAVAILABLE  = "unavailable"  // 503: Vtiger (or another dependency) unreachable
	ETIMEOUT      = "timeout"      // 504: dependency did not answer in time
)

// Error is the portal's domain error. Message is safe to show to a customer;
// Err (optional) carries the internal cause for logs and is never shown.
type Error struct {
	Code    string
	Message string
	Field   string // input field a validation error refers to, if any
	Err     error  // internal cause; unwrap-able, never rendered
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, domain.ErrNotFound) match any *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is; they match any *Error with the same code.
var (
	ErrNotFound     = &Error{Code: ENOTFOUND}
	ErrForbidden    = &Error{Code: EFORBIDDEN}
	ErrUnauthorized = &Error{Code: EUNAUTHORIZED}
	ErrInvalid      = &Error{Code: EINVALID}
	ErrConflict     = &Error{Code: ECONFLICT}
	ErrUnavailable  = &Error{Code: EUNAVAILABLE}
	ErrUpstream     = &Error{Code: EUPSTREAM}
	ErrTimeout      = &Error{Code: ETIMEOUT}
	ErrTooLarge     = &Error{Code: ETOOLARGE}
	ErrOTPRequired  = &Error{Code: EOTPREQUIRED}
)

// Errorf builds an *Error with a customer-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error whose message is customer-safe and whose cause is kept for logs.
func Wrap(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Invalid is a validation error about one input field (422).
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound is the 404 answer; records outside the customer's scope use it too,
// so the two cases are indistinguishable.
func NotFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Message: what + " not found"}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the customer-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "internal server error"
}

// ErrorField returns the input field an error refers to, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
