package records

import (
	"testing"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

func TestQuoteExpiredAt(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC on 31 March is already 1 April in Berlin and Auckland.
	lateUTC := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)
	tests := []struct {
		name, validTill string
		now             time.Time
		loc             *time.Location
		want            bool
	}{
		{"last valid day", "2026-03-31", lateUTC, time.UTC, false},
		{"day after in Berlin", "2026-03-31", lateUTC, berlin, true},
		{"day after in Auckland", "2026-03-31", lateUTC, auckland, true},
		{"still the 31st in Berlin", "2026-03-31", time.Date(2026, 3, 31, 21, 59, 0, 0, time.UTC), berlin, false},
		{"long past", "2025-01-01", lateUTC, time.UTC, true},
		{"future", "2027-01-01", lateUTC, time.UTC, false},
		{"datetime form", "2026-03-30 00:00:00", lateUTC, time.UTC, true},
		{"no limit", "", lateUTC, time.UTC, false},
		{"unreadable", "31.03.2026", lateUTC, time.UTC, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := quoteExpiredAt(tc.validTill, tc.now, tc.loc); got != tc.want {
				t.Errorf("quoteExpiredAt(%q, %v in %v) = %v, want %v", tc.validTill, tc.now, tc.loc, got, tc.want)
			}
		})
	}
}

func TestDecisionComment(t *testing.T) {
	anna := domain.Customer{FirstName: "Anna", LastName: "Becker", Email: "anna@acme.example"}
	tests := []struct {
		c             domain.Customer
		verb, comment string
		want          string
	}{
		{anna, "Accepted", "Go ahead.", "Accepted by Anna Becker: Go ahead."},
		{anna, "Rejected", "", "Rejected by Anna Becker in the customer portal (no comment)."},
		{domain.Customer{Email: "x@y.example"}, "Accepted", "ok", "Accepted by x@y.example: ok"},
		{domain.Customer{}, "Accepted", "ok", "Accepted by the customer: ok"},
	}
	for _, tc := range tests {
		if got := decisionComment(tc.c, tc.verb, tc.comment); got != tc.want {
			t.Errorf("decisionComment(%+v, %q, %q) = %q, want %q", tc.c, tc.verb, tc.comment, got, tc.want)
		}
	}
}
