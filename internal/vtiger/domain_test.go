package vtiger

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

func TestDomainError(t *testing.T) {
	cases := []struct {
		err  error
		code string
	}{
		{&Error{Code: "RECORD_NOT_FOUND", Operation: "retrieve"}, domain.ENOTFOUND},
		{ErrTimeout, domain.ETIMEOUT},
		{ErrUnavailable, domain.EUNAVAILABLE},
		{ErrBadResponse, domain.EUPSTREAM},
		{&Error{Code: "INTERNAL_SERVER_ERROR", Message: "SELECT * FROM x"}, domain.EUPSTREAM},
		{domain.Invalid("f", "bad"), domain.EINVALID},
		{ErrClosed, domain.EUNAVAILABLE},
		{ErrTooManyRows, domain.EUPSTREAM},
		{fmt.Errorf("wrapped: %w", ErrTimeout), domain.ETIMEOUT},
		{context.DeadlineExceeded, domain.ETIMEOUT},
		{context.Canceled, domain.EUNAVAILABLE},
	}
	for _, c := range cases {
		got := DomainError(c.err, "record")
		if domain.ErrorCode(got) != c.code {
			t.Errorf("DomainError(%v) = %v", c.err, got)
		}
		if msg := domain.ErrorMessage(got); c.code == domain.EUPSTREAM && (msg == "" || strings.Contains(msg, "SELECT")) {
			t.Errorf("unsafe message %q", msg)
		}
	}
}

func TestRecordText(t *testing.T) {
	r := Record{"s": " a ", "ref": map[string]any{"value": "11x1"}, "n": nil, "num": 3.5}
	for k, want := range map[string]string{"s": "a", "ref": "11x1", "n": "", "num": "3.5", "missing": ""} {
		if got := r.Text(k); got != want {
			t.Errorf("Text(%q) = %q, want %q", k, got, want)
		}
	}
}
