package crm

import (
	"context"
	"errors"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// mapErr is the one place a vtiger client error becomes a domain error. The
// customer-facing messages are generic on purpose: Vtiger's own messages
// and the VTQL that caused them stay in the wrapped cause (logs only).
// what names the thing looked up, for the 404 message.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	switch {
	case vtiger.IsNotFound(err):
		return &domain.Error{Code: domain.ENOTFOUND, Message: what + " not found", Err: err}
	case errors.Is(err, vtiger.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return domain.Wrap(domain.ETIMEOUT, err, "the CRM did not answer in time, please retry")
	case errors.Is(err, vtiger.ErrUnavailable), errors.Is(err, vtiger.ErrClosed):
		return domain.Wrap(domain.EUNAVAILABLE, err, "the CRM is not reachable, please retry later")
	case errors.Is(err, context.Canceled):
		return domain.Wrap(domain.EUNAVAILABLE, err, "the request was cancelled")
	case errors.Is(err, vtiger.ErrTooManyRows):
		return domain.Wrap(domain.EUPSTREAM, err, "too many CRM records to answer this request")
	default:
		// Bad responses, Vtiger error codes, builder errors: the CRM side
		// is at fault or misconfigured, never the customer's input (input is
		// validated before a query is built).
		return domain.Wrap(domain.EUPSTREAM, err, "the CRM answered with an error")
	}
}
