package vtiger

import (
	"context"
	"errors"

	"strings"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// DomainError is the one place a client error becomes a domain error; the
// engine and every service over Vtiger use it. The customer-facing messages
// are generic on purpose: Vtiger's own messages and the VTQL that caused
// them stay in the wrapped cause (logs only). what names the thing looked
// up, for the 404 message.
func DomainError(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	switch {
	case IsNotFound(err):
		return &domain.Error{Code: domain.ENOTFOUND, Message: what + " not found", Err: err}
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return domain.Wrap(domain.ETIMEOUT, err, "the CRM did not answer in time, please retry")
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrClosed):
		return domain.Wrap(domain.EUNAVAILABLE, err, "the CRM is not reachable, please retry later")
	case errors.Is(err, context.Canceled):
		return domain.Wrap(domain.EUNAVAILABLE, err, "the request was cancelled")
	case errors.Is(err, ErrTooManyRows):
		return domain.Wrap(domain.EUPSTREAM, err, "too many CRM records to answer this request")
	default:
		// Bad responses, Vtiger error codes, builder errors: the CRM side
		// is at fault or misconfigured, never the customer's input (input is
		// validated before a query is built).
		return domain.Wrap(domain.EUPSTREAM, err, "the CRM answered with an error")
	}
}

// ValidID reports whether id has the webservice id shape NNxNN.
func ValidID(id string) bool { return wellFormedID.MatchString(id) }

// IDPrefix returns the module prefix of a well-formed id ("" otherwise).
func IDPrefix(id string) string {
	if !ValidID(id) {
		return ""
	}
	p, _, _ := strings.Cut(id, "x")
	return p
}

// Text returns field k trimmed, for values read as plain text: references
// may come as {"value": id} objects on some versions, empty ones as null.
func (r Record) Text(k string) string {
	if ref, ok := r[k].(map[string]any); ok {
		s, _ := ref["value"].(string)
		return s
	}
	return strings.TrimSpace(r.String(k))
}
