package http

import (
	"context"
	"mime"
	"net/http"
	"regexp"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
	"github.com/portalcrm/vtiger-portal/internal/service/documents"
)

// DocumentService renders the printable document of an inventory record
// (internal/service/documents).
type DocumentService interface {
	PDF(ctx context.Context, c domain.Customer, module, id string) (*documents.File, error)
}

var _ DocumentService = (*documents.Service)(nil)

// pdfRoutes are the document downloads and the Vtiger module of each.
var pdfRoutes = []struct{ path, module string }{
	{"/invoices/{id}/pdf", documents.Invoice},
	{"/sales-orders/{id}/pdf", documents.SalesOrder},
	{"/quotes/{id}/pdf", documents.Quote},
}

// mountDocuments registers the PDF downloads; like every record route
// they need a logged-in customer and are scoped by the module engine.
func (s *Server) mountDocuments(r chi.Router) {
	r.Group(func(r chi.Router) {
		if s.Documents == nil {
			for _, rt := range pdfRoutes {
				r.Get(rt.path, s.unavailable)
			}
			return
		}
		r.Use(s.requireAuth)
		r.Get("/invoices/{id}/pdf", s.invoicePDF)
		r.Get("/sales-orders/{id}/pdf", s.salesOrderPDF)
		r.Get("/quotes/{id}/pdf", s.quotePDF)
	})
}

// writePDF renders the record and sends it as a download named after the
// record number.
func (s *Server) writePDF(w http.ResponseWriter, r *http.Request, module string) {
	f, err := s.Documents.PDF(r.Context(), customer(r), module, chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", contentDisposition(f.Name))
	h.Set("Content-Length", strconv.Itoa(len(f.Content)))
	h.Set("X-Content-Type-Options", "nosniff")
	// A customer's invoice must not sit in a shared cache.
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.Content)
}

var plainFileName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// contentDisposition quotes a plain name (filename="INV4.pdf", what
// browsers and download managers expect) and leaves anything else to
// mime's RFC 2231 encoding.
func contentDisposition(name string) string {
	name = sanitizeFilename(name)
	if plainFileName.MatchString(name) {
		return `attachment; filename="` + name + `"`
	}
	return mime.FormatMediaType("attachment", map[string]string{"filename": name})
}
