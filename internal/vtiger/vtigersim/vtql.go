package vtigersim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxRows is Vtiger's hard row cap per query page.
const maxRows = 100

type tokKind int

const (
	tkEOF tokKind = iota
	tkWord
	tkString
	tkInt
	tkOp
	tkComma
	tkLParen
	tkRParen
	tkStar
	tkSemi
)

type token struct {
	kind tokKind
	text string // source text (for errors)
	val  string // literal value (strings unescaped)
}

// errLex is a lexer failure; Vtiger's lexer throws a plain Exception, which the
// webservice layer answers as INTERNAL_SERVER_ERROR.
type errLex struct{ msg string }

func (e *errLex) Error() string { return e.msg }

// punctuation are the one-byte tokens; any other byte maps to tkEOF.
var punctuation = map[byte]tokKind{',': tkComma, '(': tkLParen, ')': tkRParen, '*': tkStar, ';': tkSemi}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func lexVTQL(q string) ([]token, error) {
	var out []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			j := i + 1
			var sb strings.Builder
			closed := false
			for j < len(q) {
				if q[j] == '\'' {
					if j+1 < len(q) && q[j+1] == '\'' {
						sb.WriteString("''")
						j += 2
						continue
					}
					closed = true
					break
				}
				sb.WriteByte(q[j])
				j++
			}
			if !closed {
				return nil, &errLex{"unterminated string"}
			}
			raw := sb.String()
			if raw == "" {
				return nil, &errLex{"empty string literal"}
			}
			out = append(out, token{kind: tkString, text: q[i : j+1], val: mysqlUnescape(strings.ReplaceAll(raw, "''", "'"))})
			i = j + 1
		case c == '"':
			return nil, &errLex{"double-quoted literal"}
		case isWordByte(c) || (c == '-' && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9'):
			j := i + 1
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			w := q[i:j]
			kind := tkWord
			if _, err := strconv.ParseInt(w, 10, 64); err == nil {
				kind = tkInt
			} else if c == '-' {
				return nil, &errLex{"bad number " + w}
			}
			out = append(out, token{kind: kind, text: w, val: w})
			i = j
		case punctuation[c] != tkEOF:
			out = append(out, token{kind: punctuation[c], text: string(c)})
			i++
		case c == '=' || c == '<' || c == '>' || c == '!':
			op := string(c)
			if i+1 < len(q) && (q[i+1] == '=' || (c == '<' && q[i+1] == '>')) {
				op += string(q[i+1])
			}
			if op == "!" {
				return nil, &errLex{"bad operator"}
			}
			out = append(out, token{kind: tkOp, text: op, val: op})
			i += len(op)
		default:
			r, _ := utf8.DecodeRuneInString(q[i:])
			return nil, &errLex{fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return out, nil
}

// mysqlUnescape applies MySQL's string-literal backslash escapes; \% and \_ stay
// escaped so that LIKE still sees them as literal wildcards.
func mysqlUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'b':
			b.WriteByte('\b')
		case 'Z':
			b.WriteByte(26)
		case '%', '_':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

type cond interface{ isCond() }

type boolCond struct {
	and  bool
	l, r cond
}

type cmpCond struct {
	field string
	op    string // = != <> < > <= >= LIKE IN
	vals  []string
}

func (*boolCond) isCond() {}
func (*cmpCond) isCond()  {}

type selectStmt struct {
	fields   []string
	star     bool
	count    bool
	module   string
	where    cond
	orderBy  []string
	desc     bool
	hasLimit bool
	offset   int
	limit    int
}

type parser struct {
	toks []token
	pos  int
	last string
}

var kindNames = map[tokKind]string{tkComma: "COMMA", tkLParen: "PARENOPEN", tkRParen: "PARENCLOSE", tkStar: "ASTERISK", tkSemi: "SEMICOLON", tkString: "VALUE", tkInt: "VALUE"}

var keywords = map[string]bool{"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "OR": true, "ORDER": true, "BY": true, "LIMIT": true,
	"ASC": true, "DESC": true, "IN": true, "LIKE": true, "COUNT": true}

var opNames = map[string]string{"=": "EQ", "<": "LT", ">": "GT", "<=": "LTE", ">=": "GTE", "!=": "NE", "<>": "NE"}

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{kind: tkEOF}
}

func (p *parser) next() token {
	t := p.peek()
	if t.kind != tkEOF {
		p.pos++
		p.last = t.text
	}
	return t
}

func (p *parser) isKw(kw string) bool {
	t := p.peek()
	return t.kind == tkWord && strings.EqualFold(t.text, kw)
}

// syntaxErr renders lemon's message: the offending token, its kind and what the grammar expected.
func (p *parser) syntaxErr(expected ...string) *wsError {
	t := p.peek()
	var desc, shown string
	switch t.kind {
	case tkEOF:
		desc, shown = "End of Input(0)", p.last
	case tkWord:
		up := strings.ToUpper(t.text)
		if keywords[up] {
			desc = up + "(" + t.text + ")"
		} else {
			desc = "Unknown(" + t.text + ")"
		}
		shown = t.text
	case tkOp:
		desc, shown = opNames[t.text]+"("+t.text+")", t.text
	default:
		desc, shown = kindNames[t.kind]+"("+t.text+")", t.text
	}
	return &wsError{"QUERY_SYNTAX_ERROR", fmt.Sprintf("Syntax Error on line 1: token '%s' Unexpected %s, expected one of: %s", shown, desc, strings.Join(expected, ", "))}
}

func (p *parser) ident() (string, bool) {
	t := p.peek()
	if t.kind != tkWord || keywords[strings.ToUpper(t.text)] {
		return "", false
	}
	p.next()
	return t.text, true
}

// accept consumes the next token if it is of kind k.
func (p *parser) accept(k tokKind) bool {
	if p.peek().kind != k {
		return false
	}
	p.next()
	return true
}

// acceptKw consumes the next token if it is the keyword kw.
func (p *parser) acceptKw(kw string) bool {
	if !p.isKw(kw) {
		return false
	}
	p.next()
	return true
}

// expect consumes a token of kind k; anything else is a syntax error naming expected.
func (p *parser) expect(k tokKind, expected ...string) *wsError {
	if !p.accept(k) {
		return p.syntaxErr(expected...)
	}
	return nil
}

// expectKw is expect for a keyword.
func (p *parser) expectKw(kw string, expected ...string) *wsError {
	if !p.acceptKw(kw) {
		return p.syntaxErr(expected...)
	}
	return nil
}

// list parses item {"," item}: column lists and IN lists. Where an item
// should stand and does not, the syntax error names expected.
func (p *parser) list(item func() (string, bool), expected ...string) ([]string, *wsError) {
	var out []string
	for {
		v, ok := item()
		if !ok {
			return nil, p.syntaxErr(expected...)
		}
		out = append(out, v)
		if !p.accept(tkComma) {
			return out, nil
		}
	}
}

// intLit parses an integer literal (LIMIT's offset and count).
func (p *parser) intLit() (int, *wsError) {
	t := p.peek()
	if t.kind != tkInt {
		return 0, p.syntaxErr("VALUE")
	}
	p.next()
	n, _ := strconv.Atoi(t.val)
	return n, nil
}

// parseVTQL parses one statement clause by clause, in the grammar's order;
// the first clause that fails gives the error.
func parseVTQL(q string) (*selectStmt, *wsError) {
	toks, err := lexVTQL(q)
	if err != nil {
		return nil, errInternal
	}
	p := &parser{toks: toks}
	st := &selectStmt{limit: maxRows}
	for _, clause := range []func(*selectStmt) *wsError{p.selectClause, p.fromClause, p.whereClause, p.orderByClause, p.limitClause, p.endClause} {
		if werr := clause(st); werr != nil {
			return nil, werr
		}
	}
	return st, nil
}

// selectClause parses SELECT *, SELECT count(*) or SELECT a, b, ….
func (p *parser) selectClause(st *selectStmt) *wsError {
	if werr := p.expectKw("SELECT", "SELECT"); werr != nil {
		return werr
	}
	switch {
	case p.accept(tkStar):
		st.star = true
		return nil
	case p.acceptKw("COUNT"):
		if werr := p.expect(tkLParen, "PARENOPEN"); werr != nil {
			return werr
		}
		if werr := p.expect(tkStar, "ASTERISK"); werr != nil {
			return werr
		}
		if werr := p.expect(tkRParen, "PARENCLOSE"); werr != nil {
			return werr
		}
		st.count = true
		return nil
	}
	fields, werr := p.list(p.ident, "COLUMNNAME", "ASTERISK", "COUNT")
	st.fields = fields
	return werr
}

func (p *parser) fromClause(st *selectStmt) *wsError {
	if werr := p.expectKw("FROM", "COMMA", "FROM"); werr != nil {
		return werr
	}
	mod, ok := p.ident()
	if !ok {
		return p.syntaxErr("TABLENAME")
	}
	st.module = mod
	return nil
}

func (p *parser) whereClause(st *selectStmt) *wsError {
	if !p.acceptKw("WHERE") {
		return nil
	}
	c, werr := p.parseOr()
	st.where = c
	return werr
}

// orderByClause parses ORDER BY a, b [ASC|DESC]; the direction applies to the last column only.
func (p *parser) orderByClause(st *selectStmt) *wsError {
	if !p.acceptKw("ORDER") {
		return nil
	}
	if werr := p.expectKw("BY", "BY"); werr != nil {
		return werr
	}
	fields, werr := p.list(p.ident, "COLUMNNAME")
	if werr != nil {
		return werr
	}
	st.orderBy = fields
	if p.isKw("ASC") || p.isKw("DESC") {
		st.desc = strings.EqualFold(p.next().text, "DESC")
		if p.peek().kind != tkSemi && !p.isKw("LIMIT") {
			return p.syntaxErr("SEMICOLON")
		}
	}
	return nil
}

// limitClause parses LIMIT n or LIMIT offset, n; the count is clamped to 0..maxRows.
func (p *parser) limitClause(st *selectStmt) *wsError {
	if !p.acceptKw("LIMIT") {
		return nil
	}
	n, werr := p.intLit()
	if werr != nil {
		return werr
	}
	if p.accept(tkComma) {
		count, werr := p.intLit()
		if werr != nil {
			return werr
		}
		st.offset, n = n, count
	}
	st.hasLimit = true
	st.limit = min(max(n, 0), maxRows)
	return nil
}

// endClause requires the closing ";" and nothing after it.
func (p *parser) endClause(*selectStmt) *wsError {
	if werr := p.expect(tkSemi, "SEMICOLON"); werr != nil {
		return werr
	}
	if p.peek().kind != tkEOF {
		return p.syntaxErr("End of Input")
	}
	return nil
}

// parseOr/parseAnd give AND precedence over OR, as MySQL does with the copied condition.
func (p *parser) parseOr() (cond, *wsError) { return p.parseChain("OR", false, p.parseAnd) }

func (p *parser) parseAnd() (cond, *wsError) { return p.parseChain("AND", true, p.parseTerm) }

// parseChain parses operand {kw operand}, grouping to the left.
func (p *parser) parseChain(kw string, and bool, operand func() (cond, *wsError)) (cond, *wsError) {
	l, werr := operand()
	if werr != nil {
		return nil, werr
	}
	for p.acceptKw(kw) {
		r, werr := operand()
		if werr != nil {
			return nil, werr
		}
		l = &boolCond{and: and, l: l, r: r}
	}
	return l, nil
}

func (p *parser) value() (string, bool) {
	t := p.peek()
	switch t.kind {
	case tkString, tkInt:
		p.next()
		return t.val, true
	case tkWord:
		if keywords[strings.ToUpper(t.text)] {
			return "", false
		}
		p.next()
		return t.val, true
	}
	return "", false
}

// parseTerm parses a parenthesised condition or one comparison: field op value,
// field LIKE value or field IN (value, …).
func (p *parser) parseTerm() (cond, *wsError) {
	if p.accept(tkLParen) {
		c, werr := p.parseOr()
		if werr != nil {
			return nil, werr
		}
		if werr := p.expect(tkRParen, "PARENCLOSE", "AND", "OR"); werr != nil {
			return nil, werr
		}
		return c, nil
	}
	f, ok := p.ident()
	if !ok {
		return nil, p.syntaxErr("COLUMNNAME")
	}
	c := &cmpCond{field: f}
	switch t := p.peek(); {
	case t.kind == tkOp:
		p.next()
		c.op = t.val
	case p.acceptKw("LIKE"):
		c.op = "LIKE"
	case p.acceptKw("IN"):
		c.op = "IN"
		vals, werr := p.inList()
		if werr != nil {
			return nil, werr
		}
		c.vals = vals
		return c, nil
	default:
		return nil, p.syntaxErr("EQ", "LT", "GT", "LTE", "GTE", "NE", "LIKE", "IN")
	}
	v, ok := p.value()
	if !ok {
		return nil, p.syntaxErr("VALUE")
	}
	c.vals = []string{v}
	return c, nil
}

// inList parses IN's "(" value {"," value} ")".
func (p *parser) inList() ([]string, *wsError) {
	if werr := p.expect(tkLParen, "PARENOPEN"); werr != nil {
		return nil, werr
	}
	vals, werr := p.list(p.value, "VALUE")
	if werr != nil {
		return nil, werr
	}
	if werr := p.expect(tkRParen, "COMMA", "PARENCLOSE"); werr != nil {
		return nil, werr
	}
	return vals, nil
}

func attrDenied(f string, quoted bool) *wsError {
	if quoted {
		return &wsError{"ACCESS_DENIED", "Permission to access '." + f + ".' attribute denied."}
	}
	return &wsError{"ACCESS_DENIED", "Permission to access " + f + " attribute denied."}
}

// checkCond validates WHERE fields and id/reference literals.
func checkCond(m *module, c cond) *wsError {
	switch x := c.(type) {
	case *boolCond:
		if werr := checkCond(m, x.l); werr != nil {
			return werr
		}
		return checkCond(m, x.r)
	case *cmpCond:
		f := m.byName[x.field]
		if f == nil || hiddenField(m, f) {
			return attrDenied(x.field, false)
		}
		if (f.isRef() || f.isOwner() || f.Name == "id") && x.op != "LIKE" {
			for _, v := range x.vals {
				if !strings.Contains(v, "x") {
					return errIDIncorrect
				}
			}
		}
	}
	return nil
}

// runQuery executes a VTQL statement; restrict (query_related) limits the
// candidate crmids. Callers hold s.mu.
func (s *Server) runQuery(u *user, q string, restrict map[int]bool) (any, *wsError) {
	st, werr := parseVTQL(q)
	if werr != nil {
		return nil, werr
	}
	m, werr := s.checkSelect(u, st)
	if werr != nil {
		return nil, werr
	}
	rows := s.matching(m, st.where, restrict)
	if st.count {
		if s.is7() {
			return []*obj{newObj().set("count", strconv.Itoa(len(rows)))}, nil
		}
		// 8.3+: the count row has no id column and is skipped.
		return []*obj{}, nil
	}
	sortRows(m, st, rows)
	return s.project(u, m, st, pageOf(rows, st.offset, st.limit)), nil
}

// checkSelect resolves the FROM module and checks every column the statement
// names, in Vtiger's order: the module, the selected columns, WHERE, ORDER BY.
func (s *Server) checkSelect(u *user, st *selectStmt) (*module, *wsError) {
	m := s.modules[st.module]
	if !canAccess(u, m) {
		return nil, deniedName(st.module)
	}
	for _, f := range st.fields {
		if fd := m.byName[f]; fd == nil || hiddenField(m, fd) {
			return nil, attrDenied(f, true)
		}
	}
	if st.where != nil {
		if werr := checkCond(m, st.where); werr != nil {
			return nil, werr
		}
	}
	for _, f := range st.orderBy {
		if m.byName[f] == nil {
			return nil, attrDenied(f, false)
		}
	}
	return m, nil
}

// matching returns m's live records that satisfy where (nil: all) and, with
// restrict, are among its crmids, by crmid.
func (s *Server) matching(m *module, where cond, restrict map[int]bool) []*record {
	var rows []*record
	for _, r := range s.records {
		if r.mod != m || r.deleted || (restrict != nil && !restrict[r.num]) {
			continue
		}
		if where != nil && !evalCond(r, where) {
			continue
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].num < rows[j].num })
	return rows
}

// sortRows applies ORDER BY, stable over the crmid order; DESC turns the last column only.
func sortRows(m *module, st *selectStmt, rows []*record) {
	if len(st.orderBy) == 0 {
		return
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for k, f := range st.orderBy {
			c := compareField(m.byName[f], rows[i], rows[j])
			if c == 0 {
				continue
			}
			if st.desc && k == len(st.orderBy)-1 {
				return c > 0
			}
			return c < 0
		}
		return false
	})
}

// pageOf cuts the LIMIT window out of rows.
func pageOf(rows []*record, offset, limit int) []*record {
	if offset >= len(rows) {
		return nil
	}
	rows = rows[offset:]
	if len(rows) > limit {
		rows = rows[:limit]
	}
	return rows
}

// project renders the rows: SELECT * as retrieve renders them, a column list
// in the order asked, with id appended unless it was one of the columns.
func (s *Server) project(u *user, m *module, st *selectStmt, rows []*record) []*obj {
	out := make([]*obj, 0, len(rows))
	for _, r := range rows {
		if st.star {
			out = append(out, s.rowFor(u, r, false))
			continue
		}
		o := newObj()
		for _, f := range st.fields {
			if f == "id" {
				o.set("id", r.id())
				continue
			}
			v, ok := r.vals[f]
			o.set(f, wsValue(m.byName[f], v, ok))
		}
		o.set("id", r.id())
		out = append(out, o)
	}
	return out
}

// fieldValue returns the comparable value of a field and false for SQL NULL.
func fieldValue(r *record, f *field) (string, bool) {
	if f.Name == "id" {
		return strconv.Itoa(r.num), true
	}
	v, ok := r.vals[f.Name]
	if !ok {
		return "", false
	}
	if f.isRef() || f.isOwner() {
		if v == "" {
			return "", false
		}
		if i := strings.IndexByte(v, 'x'); i >= 0 {
			return v[i+1:], true
		}
	}
	return v, true
}

// literalFor reduces an id/reference literal to its crmid part (only that part is used by Vtiger).
func literalFor(f *field, v string) string {
	if f.Name == "id" || f.isRef() || f.isOwner() {
		if i := strings.IndexByte(v, 'x'); i >= 0 {
			return v[i+1:]
		}
	}
	return v
}

func numericField(f *field) bool {
	return f.numeric() || f.Name == "id" || f.isRef() || f.isOwner()
}

// compareValues compares like MySQL: numerically for numeric columns, otherwise
// with a case-insensitive, trailing-space-insensitive collation.
func compareValues(f *field, a, b string) int {
	if numericField(f) {
		x, e1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
		y, e2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
		if e1 == nil && e2 == nil {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(strings.ToLower(strings.TrimRight(a, " ")), strings.ToLower(strings.TrimRight(b, " ")))
}

func compareField(f *field, a, b *record) int {
	va, oka := fieldValue(a, f)
	vb, okb := fieldValue(b, f)
	switch {
	case !oka && !okb:
		return 0
	case !oka:
		return -1 // NULLs sort first in MySQL
	case !okb:
		return 1
	}
	return compareValues(f, va, vb)
}

func evalCond(r *record, c cond) bool {
	switch x := c.(type) {
	case *boolCond:
		if x.and {
			return evalCond(r, x.l) && evalCond(r, x.r)
		}
		return evalCond(r, x.l) || evalCond(r, x.r)
	case *cmpCond:
		f := r.mod.byName[x.field]
		v, ok := fieldValue(r, f)
		if !ok {
			return false
		}
		switch x.op {
		case "LIKE":
			if f.isRef() || f.isOwner() {
				v = r.vals[f.Name]
			}
			return likeMatch(x.vals[0], v)
		case "IN":
			for _, lit := range x.vals {
				if compareValues(f, v, literalFor(f, lit)) == 0 {
					return true
				}
			}
			return false
		}
		c := compareValues(f, v, literalFor(f, x.vals[0]))
		switch x.op {
		case "=":
			return c == 0
		case "!=", "<>":
			return c != 0
		case "<":
			return c < 0
		case ">":
			return c > 0
		case "<=":
			return c <= 0
		case ">=":
			return c >= 0
		}
	}
	return false
}

// likeMatch implements MySQL LIKE: % any run, _ one character, backslash escapes,
// case-insensitive as under the default collation.
func likeMatch(pattern, s string) bool {
	p := []rune(strings.ToLower(pattern))
	t := []rune(strings.ToLower(s))
	var match func(pi, ti int) bool
	memo := map[[2]int]bool{}
	match = func(pi, ti int) bool {
		key := [2]int{pi, ti}
		if v, ok := memo[key]; ok {
			return v
		}
		var res bool
		switch {
		case pi == len(p):
			res = ti == len(t)
		case p[pi] == '%':
			res = match(pi+1, ti) || (ti < len(t) && match(pi, ti+1))
		case p[pi] == '_':
			res = ti < len(t) && match(pi+1, ti+1)
		case p[pi] == '\\' && pi+1 < len(p):
			res = ti < len(t) && t[ti] == p[pi+1] && match(pi+2, ti+1)
		default:
			res = ti < len(t) && t[ti] == p[pi] && match(pi+1, ti+1)
		}
		memo[key] = res
		return res
	}
	return match(0, 0)
}
