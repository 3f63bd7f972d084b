package vtiger

import (
	"errors"
	"regexp"
)

// Error is Vtiger's {success:false, error:{code,message}}.
type Error struct {
	Code      string
	Message   string
	Operation string

	// malformedID is set when the call's record id was not NxM, so an
	// ACCESS_DENIED means "bad id" rather than "no such record". It is the
	// negative form so that an Error built by hand counts as well-formed.
	malformedID bool
}

func (e *Error) Error() string { return "vtiger " + e.Operation + ": " + e.Code + ": " + e.Message }

// Transport-level failures (wrapped with context; test with errors.Is).
var (
	ErrUnavailable = errors.New("vtiger: unreachable")            // connection refused/reset, DNS…
	ErrTimeout     = errors.New("vtiger: timeout")                // no answer within Timeout / ctx deadline
	ErrBadResponse = errors.New("vtiger: bad response")           // non-200, HTML, PHP fatal, undecodable JSON
	ErrEmptyString = errors.New("vtiger: empty string literal")   // VTQL cannot express ''
	ErrIdentifier  = errors.New("vtiger: invalid identifier")     // field/module name not [A-Za-z0-9_]
	ErrTooManyRows = errors.New("vtiger: query ceiling exceeded") // QueryAll over MaxQueryRows
	ErrClosed      = errors.New("vtiger: client closed")          // call after Close
)

// Vtiger error codes the client itself acts on.
const (
	CodeAccessDenied       = "ACCESS_DENIED"
	CodeInvalidID          = "INVALID_ID_ATTRIBUTE"
	CodeRecordNotFound     = "RECORD_NOT_FOUND"
	CodeInvalidSession     = "INVALID_SESSIONID"
	CodeAuthRequired       = "AUTHENTICATION_REQUIRED"
	CodeSessionExpired     = "SESSION_EXPIRED"
	CodeSessionLeftIdle    = "SESSION_LEFT_IDLE"
	CodeInvalidCredentials = "INVALID_USER_CREDENTIALS"
	CodeInvalidAuthToken   = "INVALID_AUTH_TOKEN"
)

// Error kinds reported to Observer and Stats.Errors for failures that carry
// no Vtiger code.
const (
	KindUnavailable = "UNAVAILABLE"
	KindTimeout     = "TIMEOUT"
	KindBadResponse = "BAD_RESPONSE"
	KindCanceled    = "CANCELED"
)

var wellFormedID = regexp.MustCompile(`^[0-9]+x[0-9]+$`)

// recordOps are the operations where Vtiger 8.4 answers ACCESS_DENIED (or
// INVALID_ID_ATTRIBUTE, for another module's prefix) instead of
// RECORD_NOT_FOUND when the record is missing or deleted.
var recordOps = map[string]bool{
	"retrieve": true, "revise": true, "update": true, "delete": true, "files_retrieve": true,
}

// IsNotFound reports whether err means "no such record": RECORD_NOT_FOUND, or
// ACCESS_DENIED / INVALID_ID_ATTRIBUTE answered to retrieve/revise/update/delete/files_retrieve
// (Vtiger 8.4 answers ACCESS_DENIED for a missing or deleted record).
func IsNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case CodeRecordNotFound:
		return true
	case CodeAccessDenied, CodeInvalidID:
		return recordOps[e.Operation] && !e.malformedID
	}
	return false
}

// isSessionError reports codes that mean "log in again and retry": Vtiger
// rejected the call before running it, so even a write is safe to resend.
func isSessionError(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case CodeInvalidSession, CodeAuthRequired, CodeSessionExpired, CodeSessionLeftIdle:
		return true
	}
	return false
}

// transportError is a failure with no Vtiger envelope. Its text never holds
// the request URL, which carries sessionName for GET operations.
type transportError struct {
	op     string
	kind   error // ErrUnavailable, ErrTimeout, ErrBadResponse or context.Canceled
	detail string
	cause  error // may be nil
	retry  bool  // worth retrying for an idempotent operation
}

func (e *transportError) Error() string {
	s := "vtiger " + e.op + ": " + e.kind.Error()
	if e.detail != "" {
		s += ": " + e.detail
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *transportError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// errCode names err for Observer/Stats ("" for nil).
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	switch {
	case errors.Is(err, ErrTimeout):
		return KindTimeout
	case errors.Is(err, ErrUnavailable):
		return KindUnavailable
	case errors.Is(err, ErrBadResponse):
		return KindBadResponse
	default:
		return KindCanceled
	}
}
