package payments

import "testing"

func TestToMinor(t *testing.T) {
	tests := []struct {
		amount, currency string
		want             int64
		wantErr          bool
	}{
		{"1234.50000000", "EUR", 123450, false},
		{"19.99", "eur", 1999, false},
		{"0.29", "usd", 29, false},
		{"1.005", "EUR", 101, false},
		{"1.00499999", "EUR", 100, false},
		{"12", "EUR", 1200, false},
		{".5", "EUR", 50, false},
		{"-3.10", "EUR", -310, false},
		{"", "EUR", 0, false},
		{"1234.00000000", "JPY", 1234, false},
		{"1234.50000000", "jpy", 1235, false},
		{"5000", "KRW", 5000, false},
		{"1.2345", "KWD", 1235, false},
		{"1e3", "EUR", 0, true},
		{"12,50", "EUR", 0, true},
		{".", "EUR", 0, true},
		{"abc", "EUR", 0, true},
		{"99999999999999999999", "EUR", 0, true},
	}
	for _, tc := range tests {
		got, err := ToMinor(tc.amount, tc.currency)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ToMinor(%q, %s) = %d, %v; want %d, err %v", tc.amount, tc.currency, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	tests := []struct {
		minor    int64
		currency string
		want     string
	}{
		{123450, "eur", "1234.50"},
		{5, "eur", "0.05"},
		{0, "usd", "0.00"},
		{1234, "jpy", "1234"},
		{1235, "kwd", "1.235"},
		{-310, "eur", "-3.10"},
	}
	for _, tc := range tests {
		if got := FormatMinor(tc.minor, tc.currency); got != tc.want {
			t.Errorf("FormatMinor(%d, %s) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
	}
}
