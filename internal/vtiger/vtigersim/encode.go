package vtigersim

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// obj is a JSON object with PHP's insertion order preserved.
type obj struct {
	keys []string
	vals map[string]any
}

func newObj() *obj { return &obj{vals: map[string]any{}} }

func (o *obj) set(k string, v any) *obj {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *obj) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, x := range o.keys {
		if x == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			break
		}
	}
}

// rawJSON is inserted verbatim (describe documents).
type rawJSON []byte

// encodeZend encodes v like Vtiger's patched Zend_Json encoder: only \\, ",
// \n, \r, \t, \b and \f are escaped, so "/" and UTF-8 pass through and other
// control bytes are emitted raw (which makes such bodies invalid JSON, as on
// the real server). An empty object is encoded as [] like an empty PHP array.
func encodeZend(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		zendString(b, x)
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case rawJSON:
		b.Write(x)
	case json.RawMessage:
		b.Write(x)
	case []any:
		zendList(b, '[', ']', len(x), func(i int) { encodeZend(b, x[i]) })
	case []string:
		zendList(b, '[', ']', len(x), func(i int) { zendString(b, x[i]) })
	case []*obj:
		zendList(b, '[', ']', len(x), func(i int) { encodeZend(b, x[i]) })
	case *obj:
		if len(x.keys) == 0 {
			b.WriteString("[]")
			return
		}
		zendList(b, '{', '}', len(x.keys), func(i int) {
			zendString(b, x.keys[i])
			b.WriteByte(':')
			encodeZend(b, x.vals[x.keys[i]])
		})
	default:
		// Only the simulator itself builds values, so this is a programming error;
		// JSON null keeps the response decodable.
		b.WriteString("null")
	}
}

// zendList writes n comma-separated items between start and end.
func zendList(b *bytes.Buffer, start, end byte, n int, item func(i int)) {
	b.WriteByte(start)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		item(i)
	}
	b.WriteByte(end)
}

func zendString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

func jsonUnmarshalString(raw []byte, s *string) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, s)
}
