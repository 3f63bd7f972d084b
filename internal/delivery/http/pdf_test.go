package http

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"INV4.pdf", `attachment; filename="INV4.pdf"`},
		{"SO-12_2026.pdf", `attachment; filename="SO-12_2026.pdf"`},
		{`evil"; x=.pdf`, `attachment; filename="evil x=.pdf"`},
		{"Rechnung ü.pdf", `attachment; filename*=utf-8''Rechnung%20%C3%BC.pdf`},
	} {
		if got := contentDisposition(tc.name); got != tc.want {
			t.Errorf("contentDisposition(%q) = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// Without a document service the PDF routes say so (503), they do not 404
// as if the route did not exist, nor panic.
func TestPDFRoutesUnavailableWithoutService(t *testing.T) {
	srv := New(Deps{Config: testConfig(), Logger: slog.New(slog.DiscardHandler)})
	for _, p := range []string{"/api/v1/invoices/7x1/pdf", "/api/v1/sales-orders/6x1/pdf", "/api/v1/quotes/4x1/pdf/"} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("GET %s: %d %s, want 503", p, rec.Code, rec.Body)
		}
	}
}
