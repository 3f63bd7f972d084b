package vtiger

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidQuery reports a statement the builder cannot express in VTQL:
// no module, an empty IN list or OR, a negative LIMIT, a LIMIT handed to
// QueryAll, an ORDER BY/LIMIT handed to QueryRelated…
var ErrInvalidQuery = errors.New("vtiger: invalid query")

// maxDNFTerms bounds the OR-of-ANDs expansion of nested conditions (see
// Select.String): beyond it the statement would be both huge and too long for
// a GET query string.
const maxDNFTerms = 64

// PageSize is the most rows Vtiger returns for one query, whatever LIMIT says.
const PageSize = 100

// vtqlKeywords are words the VTQL lexer switches state on (or treats as
// operators) wherever they appear unquoted, so they can never be used as
// field or module names.
var vtqlKeywords = map[string]bool{
	"select": true, "from": true, "where": true, "and": true, "or": true,
	"in": true, "like": true, "order": true, "by": true, "orderby": true,
	"limit": true, "asc": true, "desc": true, "count": true,
}

// Select is a VTQL SELECT builder. Build errors (bad identifier, empty literal)
// surface from String() and from every Client method taking it.
//
// Methods mutate and return the receiver so calls chain; a Select must not be
// shared between goroutines while it is still being built.
type Select struct {
	fields    []string
	count     bool
	module    string
	where     []Cond
	orderBy   string
	orderDesc bool
	hasLimit  bool
	offset    int
	limit     int
}

// Cond is a WHERE condition.
type Cond interface{ vtql() (string, error) }

// NewSelect starts a query; no fields means "*".
func NewSelect(fields ...string) *Select {
	return &Select{fields: append([]string(nil), fields...)}
}

// From sets the module (webservice entity name, e.g. "HelpDesk").
func (s *Select) From(module string) *Select { s.module = module; return s }

// Where adds conditions; all conditions of all Where calls are ANDed.
func (s *Select) Where(conds ...Cond) *Select { s.where = append(s.where, conds...); return s }

// OrderBy sets the single sort field. VTQL accepts only one direction for the
// whole ORDER BY list, so the builder supports one field.
func (s *Select) OrderBy(field string, desc bool) *Select {
	s.orderBy, s.orderDesc = field, desc
	return s
}

// Limit sets LIMIT offset, n. Vtiger caps n at 100 (PageSize).
func (s *Select) Limit(offset, n int) *Select {
	s.hasLimit, s.offset, s.limit = true, offset, n
	return s
}

// Module returns the module given to From.
func (s *Select) Module() string { return s.module }

// clone copies s so Client methods can add paging without touching the
// caller's builder.
func (s *Select) clone() *Select {
	c := *s
	c.fields = append([]string(nil), s.fields...)
	c.where = append([]Cond(nil), s.where...)
	return &c
}

// String renders the statement, ending with ';'.
func (s *Select) String() (string, error) {
	var b strings.Builder
	if err := s.render(&b); err != nil {
		return "", err
	}
	b.WriteByte(';')
	return b.String(), nil
}

// related renders the statement for query_related: no ';' (the server's
// `FROM\s+(\S+)` regex would swallow it into the module name), and no ORDER
// BY or LIMIT (the server splices its own id filter in and appends ';').
func (s *Select) related() (string, error) {
	if s.orderBy != "" || s.hasLimit {
		return "", fmt.Errorf("%w: query_related takes no ORDER BY or LIMIT", ErrInvalidQuery)
	}
	var b strings.Builder
	if err := s.render(&b); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (s *Select) render(b *strings.Builder) error {
	if s == nil {
		return fmt.Errorf("%w: nil query", ErrInvalidQuery)
	}
	if s.module == "" {
		return fmt.Errorf("%w: no module (missing From)", ErrInvalidQuery)
	}
	if err := checkIdent(s.module); err != nil {
		return err
	}
	b.WriteString("SELECT ")
	switch {
	case s.count:
		b.WriteString("count(*)")
	case len(s.fields) == 0:
		b.WriteString("*")
	default:
		for i, f := range s.fields {
			if err := checkIdent(f); err != nil {
				return err
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f)
		}
	}
	b.WriteString(" FROM ")
	b.WriteString(s.module)
	if len(s.where) > 0 {
		w, err := andCond(s.where).vtql()
		if err != nil {
			return err
		}
		b.WriteString(" WHERE ")
		b.WriteString(w)
	}
	if s.orderBy != "" {
		if err := checkIdent(s.orderBy); err != nil {
			return err
		}
		b.WriteString(" ORDER BY ")
		b.WriteString(s.orderBy)
		if s.orderDesc {
			b.WriteString(" DESC")
		}
	}
	if s.hasLimit {
		if s.offset < 0 || s.limit < 1 {
			return fmt.Errorf("%w: LIMIT %d, %d", ErrInvalidQuery, s.offset, s.limit)
		}
		b.WriteString(" LIMIT ")
		b.WriteString(strconv.Itoa(s.offset))
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(s.limit))
	}
	return nil
}

// checkIdent enforces ^[A-Za-z_][A-Za-z0-9_]*$ and rejects VTQL keywords:
// identifiers are pasted unquoted, so this is what keeps caller input out of
// the statement's structure.
func checkIdent(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty", ErrIdentifier)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return fmt.Errorf("%w: %q", ErrIdentifier, id)
		}
	}
	if vtqlKeywords[strings.ToLower(id)] {
		return fmt.Errorf("%w: %q is a VTQL keyword", ErrIdentifier, id)
	}
	return nil
}

// quote renders a VTQL string literal. The quoted text is pasted verbatim into
// MySQL, so both the VTQL lexer (a quote is written twice) and MySQL (a
// backslash is written twice) must be satisfied. A backslash-escaped quote
// would not work: the lexer ends the string at the quote.
func quote(v string) (string, error) {
	if v == "" {
		return "", ErrEmptyString
	}
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String(), nil
}

// escapeLike makes text match itself inside a MySQL LIKE pattern (default
// escape character is the backslash).
func escapeLike(text string) string { return likeEscaper.Replace(text) }

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// cmpCond is one "field op value" (or "field IN (…)") atom.
type cmpCond struct {
	field  string
	op     string
	values []string
	in     bool
}

func (c *cmpCond) vtql() (string, error) {
	if err := checkIdent(c.field); err != nil {
		return "", err
	}
	if c.in {
		if len(c.values) == 0 {
			return "", fmt.Errorf("%w: empty IN list for %s", ErrInvalidQuery, c.field)
		}
		var b strings.Builder
		b.WriteString(c.field)
		b.WriteString(" IN (")
		for i, v := range c.values {
			q, err := quote(v)
			if err != nil {
				return "", fmt.Errorf("%s IN: %w", c.field, err)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(q)
		}
		b.WriteByte(')')
		return b.String(), nil
	}
	q, err := quote(c.values[0])
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", c.field, c.op, err)
	}
	return c.field + " " + c.op + " " + q, nil
}

type andCond []Cond
type orCond []Cond

// VTQL has no grouping parentheses (the grammar is a flat list of
// "expr (AND|OR) expr" and Vtiger pastes it into SQL as one group, where AND
// binds tighter than OR). So nested And/Or are rewritten into disjunctive
// normal form, which that flat syntax expresses exactly.
func (a andCond) vtql() (string, error) { return renderDNF(a) }
func (o orCond) vtql() (string, error)  { return renderDNF(o) }

func renderDNF(c Cond) (string, error) {
	terms, err := dnf(c)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, conj := range terms {
		if i > 0 {
			b.WriteString(" OR ")
		}
		for j, atom := range conj {
			s, err := atom.vtql()
			if err != nil {
				return "", err
			}
			if j > 0 {
				b.WriteString(" AND ")
			}
			b.WriteString(s)
		}
	}
	return b.String(), nil
}

// dnf returns c as an OR of ANDs of atoms.
func dnf(c Cond) ([][]*cmpCond, error) {
	switch c := c.(type) {
	case *cmpCond:
		return [][]*cmpCond{{c}}, nil
	case andCond:
		if len(c) == 0 {
			return nil, fmt.Errorf("%w: empty And()", ErrInvalidQuery)
		}
		acc := [][]*cmpCond{{}}
		for _, child := range c {
			d, err := dnf(child)
			if err != nil {
				return nil, err
			}
			if len(acc)*len(d) > maxDNFTerms {
				return nil, fmt.Errorf("%w: condition too complex", ErrInvalidQuery)
			}
			next := make([][]*cmpCond, 0, len(acc)*len(d))
			for _, a := range acc {
				for _, t := range d {
					conj := make([]*cmpCond, 0, len(a)+len(t))
					conj = append(append(conj, a...), t...)
					next = append(next, conj)
				}
			}
			acc = next
		}
		return acc, nil
	case orCond:
		if len(c) == 0 {
			return nil, fmt.Errorf("%w: empty Or()", ErrInvalidQuery)
		}
		var acc [][]*cmpCond
		for _, child := range c {
			d, err := dnf(child)
			if err != nil {
				return nil, err
			}
			acc = append(acc, d...)
			if len(acc) > maxDNFTerms {
				return nil, fmt.Errorf("%w: condition too complex", ErrInvalidQuery)
			}
		}
		return acc, nil
	case nil:
		return nil, fmt.Errorf("%w: nil condition", ErrInvalidQuery)
	default:
		return nil, fmt.Errorf("%w: unknown condition %T", ErrInvalidQuery, c)
	}
}

func cmp(field, op, value string) Cond {
	return &cmpCond{field: field, op: op, values: []string{value}}
}

// Conditions. Values are always escaped string literals; fields must be identifiers.

// Eq is field = value.
func Eq(field, value string) Cond { return cmp(field, "=", value) }

// Ne is field != value.
func Ne(field, value string) Cond { return cmp(field, "!=", value) }

// Lt is field < value.
func Lt(field, value string) Cond { return cmp(field, "<", value) }

// Gt is field > value.
func Gt(field, value string) Cond { return cmp(field, ">", value) }

// Le is field <= value.
func Le(field, value string) Cond { return cmp(field, "<=", value) }

// Ge is field >= value.
func Ge(field, value string) Cond { return cmp(field, ">=", value) }

// In is field IN (values…); an empty list is ErrInvalidQuery.
func In(field string, values ...string) Cond {
	return &cmpCond{field: field, op: "IN", values: append([]string(nil), values...), in: true}
}

// Contains is LIKE '%text%' with %, _ and \ in text escaped, so the text
// matches literally.
func Contains(field, text string) Cond {
	if text == "" {
		// '%%' would match everything; refuse like any other empty literal.
		return cmp(field, "LIKE", "")
	}
	return cmp(field, "LIKE", "%"+escapeLike(text)+"%")
}

// Like is field LIKE pattern with the caller's wildcards kept.
func Like(field, pattern string) Cond { return cmp(field, "LIKE", pattern) }

// And joins conditions with AND.
func And(conds ...Cond) Cond { return andCond(append([]Cond(nil), conds...)) }

// Or joins conditions with OR.
func Or(conds ...Cond) Cond { return orCond(append([]Cond(nil), conds...)) }
