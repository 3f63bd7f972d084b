package http

import (
	"net/http"
	"testing"
)

func TestCRMSmoke(t *testing.T) {
	e := newCRMEnv(t)
	r := e.do("anna", http.MethodGet, "/tickets/", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Raw)
	}
	t.Logf("%s", r.Raw[:min(len(r.Raw), 1500)])
}
