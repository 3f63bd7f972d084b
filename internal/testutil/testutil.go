// Package testutil holds the assertion helpers the test packages share;
// the harnesses live in its sub-packages (apptest, vtigertest, pgtest).
package testutil

import (
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// WantCode fails the test unless err carries the domain error code
// (code "" = no domain error, usually a nil err).
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}
