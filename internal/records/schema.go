package records

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// ZeroTime is how an empty date or time is rendered (contract decision 6).
const ZeroTime = "0001-01-01T00:00:00Z"

type kind uint8

const (
	kString kind = iota
	kInt
	kFloat
	kBool
	kDate
	kDatetime
	kRef
	kOwner // assigned_user_id: a plain id everywhere (the frontend builds /managers/{id} from it)
	kMulti
	kTags
	kHidden // never sent to a customer (passwords, access keys)
)

// Schema is a module's describe result compiled for typing and validation.
type Schema struct {
	Module   *vtiger.Module
	Prefix   string
	kinds    map[string]kind
	refersTo map[string][]string
}

// hiddenFields never leave the server whatever their describe type says.
var hiddenFields = map[string]bool{
	"accesskey": true, "user_password": true, "confirm_password": true, "user_hash": true,
	"portal_password": true, "code": true,
}

// shownIn exempts a module's field from hiddenFields where the name means
// something harmless: CompanyDetails' code is the company's postal code,
// not a registration code.
var shownIn = map[string]map[string]bool{"CompanyDetails": {"code": true}}

// sortDenied are fields no customer may sort on (contract decision 4):
// secrets, and internal ids that reveal nothing useful but record layout.
var sortDenied = map[string]bool{
	"accesskey": true, "user_password": true, "confirm_password": true, "user_hash": true,
	"code": true, "portal": true, "imageattachmentids": true, "modifiedby": true,
	"created_user_id": true, "assigned_user_id": true, "tags": true,
}

// NewSchema compiles a describe result.
func NewSchema(m *vtiger.Module) *Schema {
	s := &Schema{Module: m, Prefix: m.IDPrefix, kinds: make(map[string]kind, len(m.Fields)), refersTo: map[string][]string{}}
	for _, f := range m.Fields {
		k := kString
		switch f.Type.Name {
		case "integer":
			k = kInt
		case "double", "currency":
			k = kFloat
		case "boolean":
			k = kBool
		case "date":
			k = kDate
		case "datetime":
			k = kDatetime
		case "reference":
			k = kRef
			s.refersTo[f.Name] = f.Type.RefersTo
		case "owner":
			k = kOwner
			s.refersTo[f.Name] = f.Type.RefersTo
		case "multipicklist":
			k = kMulti
		case "password":
			k = kHidden
		}
		if f.Name == "tags" {
			k = kTags
		}
		if hiddenFields[f.Name] && !shownIn[m.Name][f.Name] {
			k = kHidden
		}
		s.kinds[f.Name] = k
	}
	return s
}

// Field returns the describe field, or nil.
func (s *Schema) Field(name string) *vtiger.Field {
	for i := range s.Module.Fields {
		if s.Module.Fields[i].Name == name {
			return &s.Module.Fields[i]
		}
	}
	return nil
}

// Has reports whether the module describes field name.
func (s *Schema) Has(name string) bool { _, ok := s.kinds[name]; return ok }

// RefersTo returns the modules a reference field points to.
func (s *Schema) RefersTo(name string) []string { return s.refersTo[name] }

// Sortable reports whether a customer may sort on field (contract decision 4).
func (s *Schema) Sortable(field string) bool {
	k, ok := s.kinds[field]
	return ok && k != kHidden && !sortDenied[field] && identRe.MatchString(field)
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidID reports whether id is a well-formed webservice id of this module.
func (s *Schema) ValidID(id string) bool {
	return vtiger.ValidID(id) && s.Prefix != "" && strings.HasPrefix(id, s.Prefix+"x")
}

// Type converts a raw record. refObjects renders references as {id, label}
// (custom modules, contract row 60); labels are filled from labels when
// given. Unknown keys (fields added after describe was cached, computed
// keys) pass through unchanged.
func (s *Schema) Type(raw vtiger.Record, refObjects bool, labels map[string]string) vtiger.Record {
	out := make(vtiger.Record, len(raw))
	for k, v := range raw {
		str, isStr := v.(string)
		if v == nil {
			str, isStr = "", true
		}
		if !isStr {
			switch k {
			case "LineItems":
				out[k] = typeLineItems(v)
			default:
				if kd, ok := s.kinds[k]; ok && kd == kHidden {
					continue
				}
				out[k] = v
			}
			continue
		}
		kd, ok := s.kinds[k]
		if !ok {
			out[k] = str
			continue
		}
		switch kd {
		case kHidden:
			continue
		case kInt, kFloat:
			out[k] = parseNumber(str)
		case kBool:
			out[k] = parseBool(str)
		case kDate:
			out[k] = formatDate(str)
		case kDatetime:
			out[k] = formatDatetime(str)
		case kRef:
			if refObjects {
				out[k] = Ref{ID: str, Label: labels[str]}
			} else {
				out[k] = str
			}
		case kOwner:
			// Owners stay plain ids even where references are objects: the
			// frontend calls /managers/{assigned_user_id}. The label, when
			// resolved, goes beside it.
			out[k] = str
			if refObjects {
				out[OwnerLabelField(k)] = labels[str]
			}
		case kMulti:
			out[k] = splitList(str, " |##| ")
		case kTags:
			out[k] = splitList(str, ",")
		default:
			out[k] = str
		}
	}
	return out
}

// OwnerLabelField names the field carrying an owner's label beside the
// plain id in custom-module records: assigned_user_id → assigned_user_label.
func OwnerLabelField(field string) string { return strings.TrimSuffix(field, "_id") + "_label" }

// Ref is a reference rendered as an object (custom modules).
type Ref struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

func parseNumber(s string) float64 {
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Localised values ("1,200.50") appear on some installs.
		f, err = strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		if err != nil {
			return 0
		}
	}
	return f
}

func parseBool(s string) bool {
	switch s {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// formatDate turns "YYYY-MM-DD" into midnight UTC RFC 3339.
func formatDate(s string) string {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		if s == "0000-00-00" {
			return ZeroTime
		}
		return s + "T00:00:00Z"
	}
	if len(s) >= 19 {
		return formatDatetime(s)
	}
	return ZeroTime
}

// formatDatetime turns "YYYY-MM-DD HH:MM:SS" (Vtiger stores UTC) into RFC 3339.
func formatDatetime(s string) string {
	if len(s) == 19 && s[4] == '-' && s[10] == ' ' {
		if strings.HasPrefix(s, "0000-00-00") {
			return ZeroTime
		}
		return s[:10] + "T" + s[11:] + "Z"
	}
	if len(s) == 10 {
		return formatDate(s)
	}
	if len(s) == 20 && s[10] == 'T' && s[19] == 'Z' {
		return s
	}
	return ZeroTime
}

func splitList(s, sep string) []string {
	if strings.TrimSpace(s) == "" {
		return []string{}
	}
	parts := strings.Split(s, sep)
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// lineItemKinds types inventory line items (the LineItem pseudo-module).
var lineItemKinds = map[string]kind{
	"sequence_no": kInt, "quantity": kFloat, "listprice": kFloat, "discount_percent": kFloat,
	"discount_amount": kFloat, "tax1": kFloat, "tax2": kFloat, "tax3": kFloat,
	"purchase_cost": kFloat, "margin": kFloat, "deleted": kBool,
}

func typeLineItems(v any) []vtiger.Record {
	items, _ := v.([]any)
	out := make([]vtiger.Record, 0, len(items))
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		r := make(vtiger.Record, len(m))
		for k, val := range m {
			str, isStr := val.(string)
			if !isStr {
				r[k] = val
				continue
			}
			switch lineItemKinds[k] {
			case kInt, kFloat:
				r[k] = parseNumber(str)
			case kBool:
				r[k] = parseBool(str)
			default:
				r[k] = str
			}
		}
		out = append(out, r)
	}
	return out
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
