package domain

import (
	"encoding/json"
	"testing"
)

func TestFieldText(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"Open ", "Open "},
		{true, "1"},
		{false, "0"},
		{float64(1000000), "1000000"},
		{12.5, "12.5"},
		{7, "7"},
		{int64(-3), "-3"},
		{json.Number("4.20"), "4.20"},
		{map[string]any{"id": "11x3", "label": "Acme Ltd"}, "11x3"},
		{map[string]any{"value": "EUR", "label": "Euro"}, "EUR"},
		{map[string]any{"label": "no id"}, `{"label":"no id"}`},
		{[]any{"a", "b"}, `["a","b"]`},
	} {
		if got := FieldText(tc.in); got != tc.want {
			t.Errorf("FieldText(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
