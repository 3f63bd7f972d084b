package http

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/records"
	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// QuoteService applies a customer's decision on a quote (the module
// engine: stage change, comment, mail to the CRM user).
type QuoteService interface {
	AcceptQuote(ctx context.Context, c domain.Customer, id, comment string) (vtiger.Record, error)
	RejectQuote(ctx context.Context, c domain.Customer, id, comment string) (vtiger.Record, error)
}

var _ QuoteService = (*records.Engine)(nil)

// quoteDecisionInput is the optional body of accept and reject.
type quoteDecisionInput struct {
	Comment string `json:"comment" example:"Please deliver in March." maxLength:"2000"`
}

// mountQuotes registers accept and reject; like GET /quotes/{id} they need
// a logged-in customer and are scoped by the module engine.
func (s *Server) mountQuotes(r chi.Router) {
	r.Group(func(r chi.Router) {
		if s.CRM.Quotes == nil {
			r.Post("/quotes/{id}/accept", s.unavailable)
			r.Post("/quotes/{id}/reject", s.unavailable)
			return
		}
		r.Use(s.requireAuth)
		r.Post("/quotes/{id}/accept", s.acceptQuote)
		r.Post("/quotes/{id}/reject", s.rejectQuote)
	})
}

// quoteDecision reads the optional body and applies decide.
func (s *Server) quoteDecision(w http.ResponseWriter, r *http.Request,
	decide func(ctx context.Context, c domain.Customer, id, comment string) (vtiger.Record, error)) {
	var in quoteDecisionInput
	if err := readOptionalJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	rec, err := decide(r.Context(), customer(r), chi.URLParam(r, "id"), in.Comment)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeData(w, http.StatusOK, rec)
}

// readOptionalJSON is readJSON for a body that may be left out: no body,
// or one of only white space, leaves dst as it is.
func readOptionalJSON(r *http.Request, dst any) error {
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return domain.Errorf(domain.ETOOLARGE, "request body must not be larger than %d bytes", maxErr.Limit)
		}
		return domain.Wrap(domain.EBADREQUEST, err, "request body could not be read")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return readJSON(r, dst)
}
