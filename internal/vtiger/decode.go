package vtiger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// errNotJSON marks a body with no JSON envelope in it.
var errNotJSON = errors.New("no JSON object in body")

// sanitizeJSON escapes raw control bytes inside JSON strings. Vtiger's Zend
// encoder emits 0x00–0x1F (other than \n \r \t \b \f) unescaped, which
// encoding/json rightly rejects. It returns b itself when nothing needed
// fixing, so the common case does not allocate.
func sanitizeJSON(b []byte) []byte {
	var out []byte
	inStr, esc := false, false
	last := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inStr {
			if c == '"' {
				inStr = true
			}
			continue
		}
		switch {
		case esc:
			esc = false
		case c == '\\':
			esc = true
		case c == '"':
			inStr = false
		case c < 0x20:
			if out == nil {
				out = make([]byte, 0, len(b)+16)
			}
			out = append(out, b[last:i]...)
			out = append(out, '\\', 'u', '0', '0', hexDigit(c>>4), hexDigit(c&0xF))
			last = i + 1
		}
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

func hexDigit(n byte) byte { return "0123456789abcdef"[n] }

// envelopeStart finds the JSON envelope, skipping PHP notices/warnings that a
// misconfigured host prints before it.
func envelopeStart(b []byte) int {
	if i := bytes.Index(b, []byte(`{"success"`)); i >= 0 {
		return i
	}
	return bytes.IndexByte(b, '{')
}

type wireEnvelope struct {
	Success *bool           `json:"success"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    flexString `json:"code"`
		Message flexString `json:"message"`
	} `json:"error"`
}

// decodeEnvelope splits a 200 body into result or *Error. Trailing bytes after
// the envelope (PHP shutdown notices) are ignored.
func decodeEnvelope(op string, body []byte) (json.RawMessage, error) {
	start := envelopeStart(body)
	if start < 0 {
		return nil, errNotJSON
	}
	var env wireEnvelope
	dec := json.NewDecoder(bytes.NewReader(sanitizeJSON(body[start:])))
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("undecodable JSON: %w", err)
	}
	if env.Success == nil {
		return nil, errors.New(`no "success" key in JSON`)
	}
	if !*env.Success {
		if env.Error == nil {
			return nil, errors.New(`"success":false without "error"`)
		}
		return nil, &Error{Code: string(env.Error.Code), Message: string(env.Error.Message), Operation: op}
	}
	return env.Result, nil
}

// flexString accepts any JSON value: strings as is, null as "", numbers as
// their text, booleans as "1"/"0" (Vtiger's checkbox form), and objects or
// arrays as compact JSON. Real describe output has non-string defaults.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case string(b) == "true":
		*f = "1"
	case string(b) == "false":
		*f = "0"
	case b[0] == '{' || b[0] == '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return err
		}
		if s := buf.String(); s != "[]" && s != "{}" {
			*f = flexString(s)
		} else {
			*f = ""
		}
	default:
		*f = flexString(b)
	}
	return nil
}

// flexBool accepts true/false, "1"/"0", "true"/"on"/"yes", numbers and null:
// Vtiger mixes JSON booleans with PHP's stringly "1" (e.g. isEntity).
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(s))) {
	case "", "0", "false", "off", "no", "0.0":
		*f = false
	default:
		*f = true
	}
	return nil
}

// flexList decodes a JSON array, or an object whose values are taken in
// document order: PHP encodes an array with gaps in its keys (after a filter)
// as an object, and an empty one as [] even where an object is meant.
type flexList []json.RawMessage

func (l *flexList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*l = nil
		return nil
	}
	if b[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(b, &arr); err != nil {
			return err
		}
		*l = arr
		return nil
	}
	if b[0] != '{' {
		return fmt.Errorf("expected array or object, got %.20s", b)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	var out []json.RawMessage
	for dec.More() {
		if _, err := dec.Token(); err != nil { // key
			return err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		out = append(out, v)
	}
	*l = out
	return nil
}

// String returns field k as a string ("" when absent, null or not a string;
// numbers are formatted).
func (r Record) String(k string) string {
	switch v := r[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// decodeAny decodes with UseNumber so large ids and amounts keep every digit.
func decodeAny(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// asRecord converts one decoded JSON value to a Record; [] and null (PHP's
// empty array) become an empty Record.
func asRecord(v any) (Record, error) {
	switch v := v.(type) {
	case map[string]any:
		return Record(v), nil
	case []any:
		if len(v) == 0 {
			return Record{}, nil
		}
	case nil:
		return Record{}, nil
	}
	return nil, fmt.Errorf("expected a record object, got %T", v)
}

func decodeRecord(raw json.RawMessage) (Record, error) {
	if len(raw) == 0 {
		return Record{}, nil
	}
	v, err := decodeAny(raw)
	if err != nil {
		return nil, err
	}
	return asRecord(v)
}

// decodeRecords decodes a list of rows, also accepting PHP's object form of a
// list and null.
func decodeRecords(raw json.RawMessage) ([]Record, error) {
	if len(raw) == 0 {
		return []Record{}, nil
	}
	v, err := decodeAny(raw)
	if err != nil {
		return nil, err
	}
	var items []any
	switch v := v.(type) {
	case []any:
		items = v
	case map[string]any:
		// Object-form list: order is lost by map decoding, so redo it in order.
		var l flexList
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, err
		}
		for _, it := range l {
			x, err := decodeAny(it)
			if err != nil {
				return nil, err
			}
			items = append(items, x)
		}
	case nil:
	default:
		return nil, fmt.Errorf("expected a list of records, got %T", v)
	}
	out := make([]Record, 0, len(items))
	for i, it := range items {
		r, err := asRecord(it)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// decodeObject decodes raw into v, treating [] and null as "empty object".
func decodeObject(raw json.RawMessage, v any) error {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" || string(t) == "[]" {
		return nil
	}
	return json.Unmarshal(t, v)
}

type wireModule struct {
	Label           flexString `json:"label"`
	Name            flexString `json:"name"`
	Createable      flexBool   `json:"createable"`
	Updateable      flexBool   `json:"updateable"`
	Deleteable      flexBool   `json:"deleteable"`
	Retrieveable    flexBool   `json:"retrieveable"`
	Fields          flexList   `json:"fields"`
	IDPrefix        flexString `json:"idPrefix"`
	IsEntity        flexBool   `json:"isEntity"`
	AllowDuplicates flexBool   `json:"allowDuplicates"`
	LabelFields     flexString `json:"labelFields"`
}

type wireField struct {
	Name      flexString      `json:"name"`
	Label     flexString      `json:"label"`
	Mandatory flexBool        `json:"mandatory"`
	Type      json.RawMessage `json:"type"`
	IsUnique  flexBool        `json:"isunique"`
	Nullable  flexBool        `json:"nullable"`
	Editable  flexBool        `json:"editable"`
	Default   flexString      `json:"default"`
}

type wireType struct {
	Name           flexString `json:"name"`
	RefersTo       flexList   `json:"refersTo"`
	PicklistValues flexList   `json:"picklistValues"`
	DefaultValue   flexString `json:"defaultValue"`
	Format         flexString `json:"format"`
}

type wirePicklistValue struct {
	Label flexString `json:"label"`
	Value flexString `json:"value"`
}

// decodeModule decodes a describe result leniently: any scalar where a
// string or bool is expected, [] for empty objects, objects for lists.
func decodeModule(raw json.RawMessage) (*Module, error) {
	var w wireModule
	if err := decodeObject(raw, &w); err != nil {
		return nil, err
	}
	m := &Module{
		Label: string(w.Label), Name: string(w.Name),
		Createable: bool(w.Createable), Updateable: bool(w.Updateable),
		Deleteable: bool(w.Deleteable), Retrieveable: bool(w.Retrieveable),
		IDPrefix: string(w.IDPrefix), IsEntity: bool(w.IsEntity),
		AllowDuplicates: bool(w.AllowDuplicates), LabelFields: string(w.LabelFields),
		Fields: make([]Field, 0, len(w.Fields)),
	}
	for i, fr := range w.Fields {
		var wf wireField
		if err := decodeObject(fr, &wf); err != nil {
			return nil, fmt.Errorf("field %d: %w", i, err)
		}
		f := Field{
			Name: string(wf.Name), Label: string(wf.Label), Mandatory: bool(wf.Mandatory),
			IsUnique: bool(wf.IsUnique), Nullable: bool(wf.Nullable), Editable: bool(wf.Editable),
			Default: string(wf.Default),
		}
		var wt wireType
		// Tolerate "type":"string" as well as the usual {"name":"string"}.
		if t := bytes.TrimSpace(wf.Type); len(t) > 0 && t[0] == '"' {
			if err := json.Unmarshal(t, &wt.Name); err != nil {
				return nil, fmt.Errorf("field %s type: %w", f.Name, err)
			}
		} else if err := decodeObject(wf.Type, &wt); err != nil {
			return nil, fmt.Errorf("field %s type: %w", f.Name, err)
		}
		f.Type = FieldType{Name: string(wt.Name), DefaultValue: string(wt.DefaultValue), Format: string(wt.Format)}
		for _, r := range wt.RefersTo {
			var s flexString
			if err := json.Unmarshal(r, &s); err != nil {
				return nil, fmt.Errorf("field %s refersTo: %w", f.Name, err)
			}
			f.Type.RefersTo = append(f.Type.RefersTo, string(s))
		}
		for _, p := range wt.PicklistValues {
			var pv wirePicklistValue
			if t := bytes.TrimSpace(p); len(t) > 0 && t[0] != '{' {
				// A bare value list: label = value.
				if err := json.Unmarshal(t, &pv.Value); err != nil {
					return nil, fmt.Errorf("field %s picklist: %w", f.Name, err)
				}
				pv.Label = pv.Value
			} else if err := decodeObject(p, &pv); err != nil {
				return nil, fmt.Errorf("field %s picklist: %w", f.Name, err)
			}
			f.Type.PicklistValues = append(f.Type.PicklistValues, PicklistValue{Label: string(pv.Label), Value: string(pv.Value)})
		}
		m.Fields = append(m.Fields, f)
	}
	return m, nil
}

// Field returns the named field, or nil.
func (m *Module) Field(name string) *Field {
	if m == nil {
		return nil
	}
	for i := range m.Fields {
		if m.Fields[i].Name == name {
			return &m.Fields[i]
		}
	}
	return nil
}

type wireFile struct {
	FileID       flexString `json:"fileid"`
	FileName     flexString `json:"filename"`
	FileType     flexString `json:"filetype"`
	FileSize     flexString `json:"filesize"`
	FileContents flexString `json:"filecontents"`
}

// decodeFiles decodes a files_retrieve result (filesize is a JSON number,
// filecontents base64).
func decodeFiles(raw json.RawMessage) ([]File, error) {
	var l flexList
	if err := json.Unmarshal(nonEmpty(raw), &l); err != nil {
		return nil, err
	}
	out := make([]File, 0, len(l))
	for i, it := range l {
		var w wireFile
		if err := decodeObject(it, &w); err != nil {
			return nil, fmt.Errorf("file %d: %w", i, err)
		}
		content, err := decodeBase64(string(w.FileContents))
		if err != nil {
			return nil, fmt.Errorf("file %d contents: %w", i, err)
		}
		f := File{ID: string(w.FileID), Name: string(w.FileName), MIMEType: string(w.FileType), Content: content}
		if s := string(w.FileSize); s != "" {
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("file %d size %q: %w", i, s, err)
			}
			f.Size = int64(n)
		} else {
			f.Size = int64(len(content))
		}
		out = append(out, f)
	}
	return out, nil
}

func nonEmpty(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("null")
	}
	return raw
}
