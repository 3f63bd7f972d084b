package domain

import (
	"encoding/json"
	"strconv"
)

// FieldText is a CRM field value as the text the CRM means by it: Vtiger
// answers every field as a string, but values pass through JSON and Go on
// the way (numbers, booleans, references as {id, label} or {value}), and
// the portal compares and prints them as Vtiger would have sent them.
func FieldText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case json.Number:
		return x.String()
	case map[string]any:
		if s, ok := x["value"].(string); ok {
			return s
		}
		if s, ok := x["id"].(string); ok {
			return s
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}
