package http

import (
	"net/http/httptest"
	"testing"
)

func TestFormulaSafe(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"plain", "plain"}, {"=1+1", "'=1+1"}, {"+44 20", "'+44 20"}, {"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"}, {"a=b", "a=b"}, {"'quoted", "'quoted"},
	} {
		if got := formulaSafe(c.in); got != c.want {
			t.Errorf("formulaSafe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWantsCSV(t *testing.T) {
	for _, c := range []struct {
		url, accept string
		want, err   bool
	}{
		{"/tickets", "", false, false},
		{"/tickets?format=csv", "", true, false},
		{"/tickets?format=CSV", "application/json", true, false},
		{"/tickets?format=json", "text/csv", false, false},
		{"/tickets?format=xml", "", false, true},
		{"/tickets", "text/csv", true, false},
		{"/tickets", "application/json, text/csv;q=0.5", false, false},
		{"/tickets", "application/json;q=0.5, text/csv", true, false},
		{"/tickets", "text/csv, application/json", true, false},
		{"/tickets", "application/json, text/csv", false, false},
		{"/tickets", "text/csv;q=0", false, false},
		{"/tickets", "application/json, text/plain, */*", false, false},
	} {
		r := httptest.NewRequest("GET", c.url, nil)
		if c.accept != "" {
			r.Header.Set("Accept", c.accept)
		}
		got, err := wantsCSV(r)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("%s Accept %q: %v, %v; want %v, error %v", c.url, c.accept, got, err, c.want, c.err)
		}
	}
}
